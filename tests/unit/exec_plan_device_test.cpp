// Execution plans of engines whose nodes run on two memories (host and a GPU): the copies at
// the borders and the two arenas. Plans are made without running anything, so no GPU is needed.
#include <gtest/gtest.h>

#include <set>

#include "onnx/importer.h"
#include "runtime/engine_impl.h"

namespace qrt {
namespace {

std::shared_ptr<EngineImpl> fashion_cnn_engine() {
  BuilderConfig config;
  config.batch = BatchProfile{1, 4, 8};
  const std::string path = std::string(QRT_SOURCE_DIR) + "/models/fashion_cnn.onnx";
  return build_engine(onnx_import::import_onnx(path), config, path);
}

size_t count_steps(const ExecPlan& plan, ExecStep::Kind kind) {
  size_t n = 0;
  for (const ExecStep& s : plan.steps) n += s.kind == kind;
  return n;
}

TEST(ExecPlanDevice, HostOnlyPlanHasOneStepPerNodeAndNoDeviceArena) {
  auto engine = fashion_cnn_engine();
  const ExecPlan plan = make_exec_plan(*engine, engine->input_types_for_batch(4));
  EXPECT_FALSE(plan.uses_device);
  EXPECT_EQ(count_steps(plan, ExecStep::Kind::kUpload), 0u);
  EXPECT_EQ(count_steps(plan, ExecStep::Kind::kDownload), 0u);
  EXPECT_EQ(plan.device_arena_bytes, 0u);
  EXPECT_TRUE(plan.device_offset.empty());
}

TEST(ExecPlanDevice, AllDeviceNodesCopyInputsInAndOutputsOut) {
  auto engine = fashion_cnn_engine();
  for (ir::Node* node : engine->nodes) node->backend = "cuda";
  EXPECT_TRUE(engine->uses_device());
  const ExecPlan plan = make_exec_plan(*engine, engine->input_types_for_batch(4));
  ASSERT_TRUE(plan.uses_device);
  // One upload per graph input first, one download per graph output last, nodes between.
  ASSERT_GE(plan.steps.size(), 3u);
  EXPECT_EQ(count_steps(plan, ExecStep::Kind::kUpload), engine->graph.inputs.size());
  EXPECT_EQ(count_steps(plan, ExecStep::Kind::kDownload), engine->graph.outputs.size());
  EXPECT_EQ(plan.steps.front().kind, ExecStep::Kind::kUpload);
  EXPECT_EQ(plan.steps.back().kind, ExecStep::Kind::kDownload);
  // Weights are device constants; every activation lives in the device arena.
  EXPECT_FALSE(plan.device_constants.empty());
  for (const ir::Value* v : plan.device_constants) EXPECT_TRUE(v->is_constant()) << v->name;
  EXPECT_GT(plan.device_arena_bytes, 0u);
  for (const ExecStep& s : plan.steps) {
    if (s.kind != ExecStep::Kind::kNode) continue;
    for (const ir::Value* out : engine->nodes[s.node]->outputs) {
      EXPECT_TRUE(plan.device_offset.count(out)) << out->name;
    }
  }
  // The host arena holds only the staged inputs and outputs.
  for (const auto& [v, offset] : plan.arena_offset)
    EXPECT_TRUE(engine->graph.is_graph_input(v) || engine->graph.is_graph_output(v)) << v->name;
}

TEST(ExecPlanDevice, MixedPlanCopiesAtEachBorderOnce) {
  auto engine = fashion_cnn_engine();
  // Device, then host from the middle on: one download where the parts meet (the value may
  // feed several host nodes, it is still copied once).
  const size_t half = engine->nodes.size() / 2;
  for (size_t i = 0; i < engine->nodes.size(); ++i)
    engine->nodes[i]->backend = i < half ? "cuda" : "reference";
  const ExecPlan plan = make_exec_plan(*engine, engine->input_types_for_batch(2));
  ASSERT_TRUE(plan.uses_device);
  std::set<const ir::Value*> downloaded;
  for (const ExecStep& s : plan.steps) {
    if (s.kind == ExecStep::Kind::kDownload) {
      EXPECT_TRUE(downloaded.insert(s.value).second);
    }
  }
  EXPECT_GE(downloaded.size(), 1u);
  // Every host node's inputs are on the host before it runs.
  std::set<const ir::Value*> on_host(engine->graph.inputs.begin(), engine->graph.inputs.end());
  for (const ExecStep& s : plan.steps) {
    if (s.kind == ExecStep::Kind::kDownload) on_host.insert(s.value);
    if (s.kind != ExecStep::Kind::kNode) continue;
    const ir::Node& node = *engine->nodes[s.node];
    if (node.backend == "reference") {
      for (const ir::Value* in : node.inputs) {
        if (in && !plan.inference.values.count(in)) {
          EXPECT_TRUE(on_host.count(in)) << node.describe() << " reads " << in->name;
        }
      }
    }
    for (const ir::Value* out : node.outputs)
      if (node.backend == "reference") on_host.insert(out);
  }
  // Each value has one slot per memory it lives in: downloaded values also keep theirs on
  // the device until the copy.
  for (const ir::Value* v : downloaded) {
    EXPECT_TRUE(plan.device_offset.count(v)) << v->name;
    EXPECT_TRUE(plan.arena_offset.count(v)) << v->name;
  }
}

}  // namespace
}  // namespace qrt
