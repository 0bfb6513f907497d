// The runtime (builder, engine, contexts, plans) on graphs of test-only ops, independent of the
// real kernels.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "backends/kernel_registry.h"
#include "ir/op_schema.h"
#include "runtime/engine_impl.h"

namespace qrt {
namespace {

// y = x * scale + bias: enough to tell values apart after several layers.
void infer_affine(const ir::InferContext& ctx, std::vector<ir::TensorType>& out) {
  out[0] = {ctx.dtype(0), ctx.shape(0)};
}
void run_affine(const KernelArgs& a) {
  const float scale = a.node.attr_float("scale", 1.f), bias = a.node.attr_float("bias", 0.f);
  const float* x = a.in(0).data_as<float>();
  float* y = a.out(0).data_as<float>();
  for (int64_t i = 0; i < a.in(0).numel(); ++i) y[i] = x[i] * scale + bias;
}
QRT_REGISTER_OP("QrtTestAffine", infer_affine);
QRT_REGISTER_KERNEL("QrtTestAffine", "reference", DataType::kFloat32, run_affine);

std::string temp_path(const std::string& name) {
  // The process id keeps parallel test runs apart.
  return (std::filesystem::temp_directory_path() /
          ("qrt_runtime_test_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

// x [N, 4] -> affine chain of `layers` nodes -> y
ir::Graph chain_graph(int layers) {
  ir::Graph g;
  g.name = "chain";
  ir::Value* x = g.add_value("x");
  x->dtype = DataType::kFloat32;
  x->shape = {ir::Dim{-1, "batch"}, ir::Dim{4, {}}};
  g.inputs.push_back(x);
  ir::Value* cur = x;
  for (int i = 0; i < layers; ++i) {
    ir::Value* next = g.add_value("t" + std::to_string(i));
    ir::Node* n = g.add_node("QrtTestAffine", "affine" + std::to_string(i), {cur}, {next});
    n->attrs["scale"] = 1.5f;
    n->attrs["bias"] = static_cast<float>(i);
    cur = next;
  }
  g.outputs.push_back(cur);
  return g;
}

std::vector<float> expected_chain(const Tensor& x, int layers) {
  std::vector<float> v(x.data_as<float>(), x.data_as<float>() + x.numel());
  for (int i = 0; i < layers; ++i)
    for (float& f : v) f = f * 1.5f + static_cast<float>(i);
  return v;
}

Tensor input(int64_t batch, float start) {
  Tensor t(DataType::kFloat32, {batch, 4});
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] = start + static_cast<float>(i);
  return t;
}

std::shared_ptr<Engine> build_chain(int layers, BatchProfile profile) {
  BuilderConfig config;
  config.batch = profile;
  return std::make_shared<Engine>(build_engine(chain_graph(layers), config, "chain.onnx"));
}

TEST(Runtime, RunsAtEveryBatchInTheProfile) {
  auto engine = build_chain(5, {1, 2, 8});
  auto ctx = engine->create_context();
  for (int64_t b : {1, 3, 8}) {
    Tensor x = input(b, 0.5f);
    auto out = ctx->run({{"x", x}});
    ASSERT_EQ(out.count("t4"), 1u);
    const Tensor& y = out.at("t4");
    EXPECT_EQ(y.shape(), (std::vector<int64_t>{b, 4}));
    const auto want = expected_chain(x, 5);
    for (int64_t i = 0; i < y.numel(); ++i) EXPECT_FLOAT_EQ(y.data_as<float>()[i], want[i]);
  }
}

TEST(Runtime, ArenaReusesBuffersAlongAChain) {
  auto engine = build_chain(6, {1, 1, 16});
  EngineSummary s = engine->summary();
  // Five intermediates of 16x4 floats; liveness lets two buffers hold them all.
  EXPECT_EQ(s.activation_bytes_unshared, 5 * 256u);
  EXPECT_EQ(s.activation_bytes_at_max_batch, 2 * 256u);
  EXPECT_EQ(s.layers.size(), 6u);
  EXPECT_EQ(s.inputs.at(0).shape_text, "N x 4");
}

// Device plans stage graph inputs in the pinned host arena, where callers may fill them in place
// once (ExecutionContext::input_buffers) and run many times: no other value may share an
// input's bytes, even one that lives only after the input's copy to the device. The plan only
// needs nodes marked for the device, so no GPU is involved.
TEST(Runtime, DevicePlansKeepEachInputsStagingToItself) {
  std::shared_ptr<EngineImpl> engine = build_engine(chain_graph(5), {}, "chain.onnx");
  // Device, device, host, device, device: downloads to host values, uploads back, the output
  // downloaded at the end.
  for (size_t i : {0u, 1u, 3u, 4u}) engine->nodes[i]->backend = "cuda";
  const ExecPlan plan = make_exec_plan(*engine, engine->input_types_for_batch(1));
  ASSERT_TRUE(plan.uses_device);
  const ir::Value* x = engine->graph.inputs.at(0);
  ASSERT_TRUE(plan.arena_offset.count(x));
  const size_t begin = plan.arena_offset.at(x), end = begin + 4 * sizeof(float);
  size_t others = 0;
  for (const auto& [v, offset] : plan.arena_offset) {
    if (v == x) continue;
    ++others;
    const size_t bytes = static_cast<size_t>(shape_numel(plan.inference.types.at(v).shape)) *
                         dtype_size(plan.inference.types.at(v).dtype);
    EXPECT_TRUE(offset >= end || offset + bytes <= begin)
        << v->name << " at [" << offset << ", " << offset + bytes << ") shares the input's ["
        << begin << ", " << end << ")";
  }
  EXPECT_GE(others, 2u);  // the host node's input and output, and the graph output
}

TEST(Runtime, RejectsBadInputsWithOneLine) {
  auto engine = build_chain(2, {1, 2, 4});
  auto ctx = engine->create_context();
  auto expect_error = [&](const std::map<std::string, Tensor>& in, const std::string& needle) {
    try {
      ctx->run(in);
      ADD_FAILURE() << "expected an error containing " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    }
  };
  expect_error({{"x", input(9, 0)}}, "batch 9 is outside the engine's batch range [1, 4]");
  expect_error({{"x", Tensor(DataType::kFloat32, {2, 5})}}, "dimension 1");
  expect_error({{"x", Tensor(DataType::kInt64, {2, 4})}}, "element type i64");
  expect_error({{"x", Tensor(DataType::kFloat32, {2, 4, 1})}}, "rank 3");
  expect_error({}, "missing input 'x'");
  expect_error({{"x", input(1, 0)}, {"y", input(1, 0)}}, "unknown input 'y'");
}

TEST(Runtime, BadBatchProfilesAreRejected) {
  EXPECT_THROW(parse_batch_profile("8:4:16"), Error);
  EXPECT_THROW(parse_batch_profile("0:1:2"), Error);
  EXPECT_THROW(parse_batch_profile("1:x:2"), Error);
  EXPECT_THROW(parse_batch_profile("1:2"), Error);
  BatchProfile p = parse_batch_profile("1:8:64");
  EXPECT_EQ(p.min, 1);
  EXPECT_EQ(p.opt, 8);
  EXPECT_EQ(p.max, 64);
  EXPECT_EQ(parse_batch_profile("4").max, 4);
}

TEST(Runtime, FourContextsInFourThreadsMatchSerial) {
  auto engine = build_chain(8, {1, 4, 16});
  std::vector<Tensor> inputs;
  std::vector<Tensor> serial;
  auto ctx = engine->create_context();
  for (int t = 0; t < 4; ++t) {
    inputs.push_back(input(1 + t * 5, static_cast<float>(t)));
    serial.push_back(ctx->run({{"x", inputs.back()}}).at("t7"));
  }
  std::vector<std::vector<Tensor>> results(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      auto own = engine->create_context();
      for (int rep = 0; rep < 20; ++rep)
        results[t].push_back(own->run({{"x", inputs[t]}}).at("t7"));
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t)
    for (const Tensor& r : results[t]) {
      ASSERT_EQ(r.shape(), serial[t].shape());
      EXPECT_EQ(0, std::memcmp(r.data(), serial[t].data(), r.nbytes()));
    }
}

TEST(PlanFile, RoundTripGivesIdenticalOutputs) {
  auto engine = build_chain(3, {1, 2, 8});
  const std::string path = temp_path("roundtrip.plan");
  engine->save(path);
  auto loaded = Engine::load(path);
  EXPECT_EQ(loaded->batch_profile().max, 8);
  Tensor x = input(5, -2.f);
  auto a = engine->create_context()->run({{"x", x}}).at("t2");
  auto b = loaded->create_context()->run({{"x", x}}).at("t2");
  ASSERT_EQ(a.shape(), b.shape());
  EXPECT_EQ(0, std::memcmp(a.data(), b.data(), a.nbytes()));
  EXPECT_EQ(loaded->summary().layers.size(), 3u);
  std::remove(path.c_str());
}

class BrokenPlan : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = temp_path("broken.plan");
    build_chain(2, {1, 1, 4})->save(path_);
    std::ifstream f(path_, std::ios::binary);
    bytes_.assign(std::istreambuf_iterator<char>(f), {});
  }
  void TearDown() override { std::remove(path_.c_str()); }
  void write(const std::vector<char>& b) {
    std::ofstream f(path_, std::ios::binary | std::ios::trunc);
    f.write(b.data(), static_cast<std::streamsize>(b.size()));
  }
  void expect_load_error(const std::string& needle) {
    try {
      Engine::load(path_);
      ADD_FAILURE() << "expected " << needle;
    } catch (const Error& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(needle), std::string::npos) << msg;
      EXPECT_NE(msg.find(path_), std::string::npos) << msg;
    }
  }
  std::string path_;
  std::vector<char> bytes_;
};

TEST_F(BrokenPlan, Truncated) {
  for (size_t keep : {size_t{0}, size_t{10}, size_t{39}, bytes_.size() / 2, bytes_.size() - 1}) {
    write(std::vector<char>(bytes_.begin(), bytes_.begin() + static_cast<std::ptrdiff_t>(keep)));
    expect_load_error(keep < 40 ? "not a qrt plan" : "truncated");
  }
}

TEST_F(BrokenPlan, CorruptedByteFailsChecksum) {
  for (size_t at : {size_t{45}, bytes_.size() / 2, bytes_.size() - 1}) {
    auto b = bytes_;
    b[at] = static_cast<char>(b[at] ^ 0x5a);
    write(b);
    expect_load_error("checksum");
  }
}

TEST_F(BrokenPlan, ForeignVersion) {
  auto b = bytes_;
  b[8] = 99;
  write(b);
  expect_load_error("format version 99");
}

TEST_F(BrokenPlan, Garbage) {
  write(std::vector<char>(1000, 'x'));
  expect_load_error("bad magic");
}

}  // namespace
}  // namespace qrt

namespace qrt {
namespace {

TEST(Runtime, TensorCallbackSeesEveryLayerOutput) {
  auto engine = build_chain(3, {1, 1, 4});
  auto ctx = engine->create_context();
  Tensor x = input(2, 1.f);
  std::vector<std::string> seen;
  std::vector<float> first_values;
  ctx->run({{"x", x}}, [&](const std::string& name, const Tensor& t) {
    seen.push_back(name);
    first_values.push_back(t.data_as<float>()[0]);
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"t0", "t1", "t2"}));
  EXPECT_FLOAT_EQ(first_values[0], 1.f * 1.5f);
  EXPECT_FLOAT_EQ(first_values[1], 1.5f * 1.5f + 1.f);
}

}  // namespace
}  // namespace qrt
