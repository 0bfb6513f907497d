// The partitioner, through a host backend that exists only in this binary: "test_partial" runs a
// few op types by delegating to the reference kernels, so every engine must match the
// reference-only engine exactly, whatever the partition.
#include "runtime/partition.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "backends/kernel_registry.h"
#include "runtime/engine_impl.h"

namespace qrt {
namespace {

constexpr const char* kPartial = "test_partial";
std::atomic<int> partial_kernel_runs{0};

NodeTypes types_of(const KernelArgs& a) {
  NodeTypes t;
  for (const Tensor& in : a.inputs)
    t.inputs.push_back(in.defined() ? ir::TensorType{in.dtype(), in.shape()} : ir::TensorType{});
  for (const Tensor& out : a.outputs)
    t.outputs.push_back(out.defined() ? ir::TensorType{out.dtype(), out.shape()}
                                      : ir::TensorType{});
  return t;
}

KernelDef delegate_to_reference(const std::string& op) {
  auto run = [](const KernelArgs& a) {
    ++partial_kernel_runs;
    std::string why;
    const KernelDef* k = KernelRegistry::instance().select(a.node, "reference", types_of(a), &why);
    if (!k) throw Error("test_partial: " + why);
    k->run(a);
  };
  auto supports = [](const ir::Node& node, const NodeTypes& types, std::string* reason) {
    return KernelRegistry::instance().select(node, "reference", types, reason) != nullptr;
  };
  return KernelDef::make(op, kPartial, DataType::kFloat32, run, supports);
}

// No Add and no BatchNormalization: residual blocks and the like fall back to the reference.
const bool registered = [] {
  for (const char* op : {"Conv", "Relu", "MaxPool", "GlobalAveragePool", "Flatten", "Gemm"})
    KernelRegistry::instance().add(delegate_to_reference(op));
  return true;
}();

const std::string kModels = std::string(QRT_SOURCE_DIR) + "/models/";

std::shared_ptr<Engine> build(const std::string& model, std::vector<std::string> backends,
                              std::vector<std::string> disabled = {}, int64_t min_size = 3) {
  BuilderConfig config;
  config.backends = std::move(backends);
  config.disabled_ops = std::move(disabled);
  config.min_subgraph_size = min_size;
  config.batch = BatchProfile{1, 2, 4};
  return Builder().build_from_onnx(kModels + model + ".onnx", config);
}

std::map<std::string, Tensor> image_input(const Engine& engine, int64_t batch) {
  const TensorInfo in = engine.inputs().at(0);
  std::vector<int64_t> shape = in.shape;
  shape[0] = batch;
  Tensor t(DataType::kFloat32, shape);
  for (int64_t i = 0; i < t.numel(); ++i)
    t.data_as<float>()[i] = static_cast<float>((i * 37) % 101) / 50.f - 1.f;
  return {{in.name, t}};
}

// Runs both engines on the same input; the outputs must be bit-identical (same kernels).
void expect_same_outputs(const Engine& a, const Engine& b) {
  const auto inputs = image_input(a, 3);
  const auto x = a.create_context()->run(inputs), y = b.create_context()->run(inputs);
  ASSERT_EQ(x.size(), y.size());
  for (const auto& [name, t] : x) {
    const Tensor& u = y.at(name);
    ASSERT_EQ(t.shape(), u.shape()) << name;
    EXPECT_EQ(0, std::memcmp(t.data(), u.data(), t.nbytes())) << name;
  }
}

std::vector<std::string> subgraph_backends(const EngineSummary& s) {
  std::vector<std::string> out;
  for (const auto& sub : s.subgraphs) out.push_back(sub.backend);
  return out;
}

TEST(Partition, EveryNodeOnTheFirstBackendThatSupportsIt) {
  auto engine = build("fashion_cnn", {kPartial, "reference"});
  const EngineSummary s = engine->summary();
  ASSERT_EQ(s.subgraphs.size(), 1u);
  EXPECT_EQ(s.subgraphs[0].backend, kPartial);
  EXPECT_EQ(s.subgraphs[0].layers, s.layers.size());
  EXPECT_EQ(s.subgraphs[0].precision, "fp32");
  for (const auto& l : s.layers) EXPECT_EQ(l.fallback_reason, "") << l.name;
  partial_kernel_runs = 0;
  expect_same_outputs(*engine, *build("fashion_cnn", {"reference"}));
  EXPECT_EQ(partial_kernel_runs.load(), static_cast<int>(s.layers.size()));
}

TEST(Partition, DisabledOpSplitsTheGraphAndOutputsStayTheSame) {
  // Conv Relu | MaxPool | Conv Relu | MaxPool | Conv Relu GlobalAveragePool Flatten Gemm
  auto engine = build("fashion_cnn", {kPartial, "reference"}, {"MaxPool"}, 1);
  const EngineSummary s = engine->summary();
  EXPECT_EQ(subgraph_backends(s),
            (std::vector<std::string>{kPartial, "reference", kPartial, "reference", kPartial}));
  EXPECT_EQ(s.subgraphs[4].layers, 5u);
  for (const auto& l : s.layers) {
    EXPECT_EQ(l.backend, l.op_type == "MaxPool" ? "reference" : kPartial) << l.name;
    EXPECT_EQ(l.fallback_reason,
              l.op_type == "MaxPool" ? "MaxPool disabled on test_partial by --disable-ops" : "");
  }
  expect_same_outputs(*engine, *build("fashion_cnn", {"reference"}));
}

TEST(Partition, RunsShorterThanTheMinimumMoveToTheFallback) {
  // The two Conv+Relu runs before the MaxPools are too short for size 3: they join the
  // reference subgraph, and the tail stays.
  auto engine = build("fashion_cnn", {kPartial, "reference"}, {"MaxPool"}, 3);
  const EngineSummary s = engine->summary();
  ASSERT_EQ(subgraph_backends(s), (std::vector<std::string>{"reference", kPartial}));
  EXPECT_EQ(s.subgraphs[0].layers, 6u);
  EXPECT_EQ(s.subgraphs[1].layers, 5u);
  EXPECT_EQ(s.layers[0].fallback_reason,
            "run of 2 nodes on test_partial is shorter than --min-subgraph-size 3");
  expect_same_outputs(*engine, *build("fashion_cnn", {"reference"}));
  // Size 6: the tail too; a single subgraph is never moved, however short.
  EXPECT_EQ(subgraph_backends(build("fashion_cnn", {kPartial}, {"MaxPool"}, 6)->summary()),
            std::vector<std::string>{"reference"});
  EXPECT_EQ(subgraph_backends(build("fashion_cnn", {kPartial}, {}, 100)->summary()),
            std::vector<std::string>{kPartial});
}

TEST(Partition, ReferenceIsTheImplicitLastResort) {
  // test_partial has no Add or BatchNormalization kernel: they fall back although the user
  // named test_partial alone, and each fallback says why.
  auto engine = build("fashion_resnet", {kPartial}, {}, 1);
  const EngineSummary s = engine->summary();
  std::set<std::string> backends;
  for (const auto& l : s.layers) {
    backends.insert(l.backend);
    if (l.backend == "reference") {
      EXPECT_EQ(l.fallback_reason, "no test_partial kernel for " + l.op_type) << l.name;
    }
  }
  EXPECT_EQ(backends, (std::set<std::string>{kPartial, "reference"}));
  EXPECT_GT(s.subgraphs.size(), 2u);
  expect_same_outputs(*engine, *build("fashion_resnet", {"reference"}));
}

TEST(Partition, ResidualModelWithGlobalAveragePoolDisabled) {
  auto engine = build("fashion_resnet", {kPartial, "reference"}, {"GlobalAveragePool"});
  const EngineSummary s = engine->summary();
  EXPECT_GE(s.subgraphs.size(), 2u);
  bool saw_pool = false;
  for (const auto& l : s.layers)
    if (l.op_type == "GlobalAveragePool") {
      saw_pool = true;
      EXPECT_EQ(l.backend, "reference");
      EXPECT_NE(l.fallback_reason.find("GlobalAveragePool disabled on test_partial"),
                std::string::npos);
    }
  EXPECT_TRUE(saw_pool);
  expect_same_outputs(*engine, *build("fashion_resnet", {"reference"}));
}

TEST(Partition, PlansKeepBackendsOrderAndFallbackReasons) {
  auto engine = build("fashion_cnn", {kPartial, "reference"}, {"MaxPool"}, 1);
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("qrt_partition_" + std::to_string(::getpid()) + ".plan"))
                               .string();
  engine->save(path);
  auto loaded = Engine::load(path);
  std::filesystem::remove(path);
  const EngineSummary a = engine->summary(), b = loaded->summary();
  ASSERT_EQ(a.layers.size(), b.layers.size());
  for (size_t i = 0; i < a.layers.size(); ++i) {
    EXPECT_EQ(a.layers[i].name, b.layers[i].name);
    EXPECT_EQ(a.layers[i].backend, b.layers[i].backend);
    EXPECT_EQ(a.layers[i].subgraph, b.layers[i].subgraph);
    EXPECT_EQ(a.layers[i].fallback_reason, b.layers[i].fallback_reason);
  }
  expect_same_outputs(*engine, *loaded);
}

TEST(Partition, PlansOfOlderFormatVersionsStillLoad) {
  // Version 2 only added the optional fallback reasons, version 3 the cpu backend's stored
  // weight layouts and reorders, version 4 padded blocked activations, version 5 first
  // convolutions reading NCHW, version 6 the cpu backend's stored matmul weights (all absent
  // from a reference-only plan).
  auto engine = build("fashion_cnn", {"reference"});
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("qrt_partition_v1_" + std::to_string(::getpid()) + ".plan"))
                               .string();
  engine->save(path);
  auto set_version = [&](uint32_t v) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(8);
    f.write(reinterpret_cast<const char*>(&v), sizeof v);
  };
  set_version(1);
  expect_same_outputs(*engine, *Engine::load(path));
  set_version(2);
  expect_same_outputs(*engine, *Engine::load(path));
  set_version(3);
  expect_same_outputs(*engine, *Engine::load(path));
  set_version(4);
  expect_same_outputs(*engine, *Engine::load(path));
  set_version(5);
  expect_same_outputs(*engine, *Engine::load(path));
  set_version(7);
  try {
    Engine::load(path);
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(
        std::string(e.what()).find("plan format version 7 is not one this qrt reads (1 to 6)"),
        std::string::npos)
        << e.what();
  }
  std::filesystem::remove(path);
}

TEST(Partition, DisabledOpsMustBeKnownOpTypes) {
  try {
    build("fashion_cnn", {kPartial}, {"Conv", "NoSuchOp"});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "--disable-ops: 'NoSuchOp' is not an op type qrt knows");
  }
  // A known op the model lacks: a warning, and the build goes on.
  BuilderConfig config;
  config.backends = {kPartial};
  config.disabled_ops = {"Softmax"};
  std::vector<std::string> warnings;
  config.on_warning = [&](const std::string& w) { warnings.push_back(w); };
  Builder().build_from_onnx(kModels + "fashion_cnn.onnx", config);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("--disable-ops Softmax: the optimised model has no Softmax node"),
            std::string::npos);
  config.min_subgraph_size = 0;
  EXPECT_THROW(Builder().build_from_onnx(kModels + "fashion_cnn.onnx", config), Error);
}

// Graphs of placeholder nodes: partition_nodes looks only at the edges.
struct ToyGraph {
  ir::Graph g;
  std::vector<ir::Node*> nodes;
  std::vector<NodeSupport> support;
  // A node on backend 0 ("p") or 1 ("q"), both of which also fall back to 2 ("r").
  ir::Node* add(const std::string& name, size_t backend, std::vector<ir::Node*> from) {
    std::vector<ir::Value*> in;
    for (ir::Node* n : from) in.push_back(n->outputs[0]);
    if (in.empty()) {
      if (!g.find_value("x")) g.inputs.push_back(g.add_value("x"));
      in.push_back(g.find_value("x"));
    }
    ir::Node* n = g.add_node("Toy", name, in, {g.add_value(name + "_out")});
    nodes.push_back(n);
    NodeSupport s{{backend == 0, backend == 1, true}, {"p lacks it", "q lacks it", ""}};
    support.push_back(s);
    return n;
  }
  std::vector<std::string> run(int64_t min_size, std::vector<size_t>* backend = nullptr) {
    const Partition p = partition_nodes(nodes, support, {"p", "q", "r"}, min_size);
    if (backend) *backend = p.backend;
    std::map<const ir::Node*, size_t> position;
    for (size_t k = 0; k < p.order.size(); ++k) position[p.order[k]] = k;
    // The order must stay topological.
    for (const ir::Node* n : p.order)
      for (const ir::Value* v : n->inputs) {
        if (v->producer) {
          EXPECT_LT(position.at(v->producer), position.at(n)) << n->name;
        }
      }
    std::vector<std::string> names;
    for (const ir::Node* n : p.order) names.push_back(n->name);
    return names;
  }
};

TEST(Partition, SubgraphsBecomeContiguousWhenDependenciesAllow) {
  // Two independent branches interleaved in the input order: p1 q1 p2 q2, then a join on p.
  // The p nodes form one subgraph (p3 hangs off p2), which must wait for the q branch.
  ToyGraph t;
  ir::Node* p1 = t.add("p1", 0, {});
  ir::Node* q1 = t.add("q1", 1, {});
  ir::Node* p2 = t.add("p2", 0, {p1});
  ir::Node* q2 = t.add("q2", 1, {q1});
  t.add("p3", 0, {p2, q2});
  EXPECT_EQ(t.run(1), (std::vector<std::string>{"q1", "q2", "p1", "p2", "p3"}));
}

TEST(Partition, MergesThatWouldMakeACycleAreRefused) {
  // a -> b -> c and a -> c, with a and c on p, b on q: one subgraph {a, c} would need b's
  // output before c and give b's input after a, so a and c stay apart.
  ToyGraph t;
  ir::Node* a = t.add("a", 0, {});
  ir::Node* b = t.add("b", 1, {a});
  t.add("c", 0, {a, b});
  std::vector<size_t> backend;
  EXPECT_EQ(t.run(1, &backend), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(backend, (std::vector<size_t>{0, 1, 0}));
}

TEST(Partition, ShortRunsMoveOneBackendAtATime) {
  ToyGraph t;
  ir::Node* n0 = t.add("n0", 0, {});
  ir::Node* n1 = t.add("n1", 0, {n0});
  ir::Node* n2 = t.add("n2", 1, {n1});
  ir::Node* n3 = t.add("n3", 0, {n2});
  ir::Node* n4 = t.add("n4", 0, {n3});
  t.add("n5", 0, {n4});
  std::vector<size_t> backend;
  t.run(3, &backend);
  // p decides first: its run of 2 moves to r, then q's lone node (r) joins it: r r r p p p.
  EXPECT_EQ(backend, (std::vector<size_t>{2, 2, 2, 0, 0, 0}));
}

}  // namespace
}  // namespace qrt
