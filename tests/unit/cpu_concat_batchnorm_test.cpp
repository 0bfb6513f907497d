// The cpu backend's Concat and BatchNormalization (src/backends/cpu/concat.cpp,
// batch_normalization.cpp) against the reference backend's kernels: Concat bit-identical on any
// axis (negative too), ranks 1 to 6, several inputs, empty inputs, f32, bf16, int8 and uint8;
// BatchNormalization to 1e-5 relative in f32 (ranks 2 to 5, NCHW and channels_last) and within
// two bf16 steps in bf16. Then a small DenseNet-like network (BN -> Relu -> Conv -> Concat with
// the block's input, twice) built with backends cpu,reference: its Concat and BatchNormalization
// nodes run on cpu and it matches the reference backend.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "backends/kernel_registry.h"
#include "op_test_util.h"
#include "qrt/engine.h"
#include "runtime/engine_impl.h"

namespace qrt::test {
namespace {

using Attrs = std::map<std::string, ir::AttributeValue>;

// `f` (values in [-1, 1)) scaled to the full range of the 8-bit type.
Tensor to_8bit(const Tensor& f, DataType dtype) {
  Tensor t(dtype, f.shape());
  for (int64_t i = 0; i < f.numel(); ++i) {
    const float v = f.data_as<float>()[i];
    if (dtype == DataType::kInt8)
      t.data_as<int8_t>()[i] = static_cast<int8_t>(std::lround(v * 127.f));
    else
      t.data_as<uint8_t>()[i] = static_cast<uint8_t>(std::lround((v + 1.f) * 127.f));
  }
  return t;
}

struct ConcatCase {
  std::string name;
  std::vector<std::vector<int64_t>> shapes;
  int64_t axis;
};

std::vector<ConcatCase> concat_cases() {
  return {
      {"channels", {{2, 5, 7, 3}, {2, 11, 7, 3}, {2, 1, 7, 3}}, 1},
      {"batch", {{1, 4, 3, 5}, {3, 4, 3, 5}}, 0},
      {"height", {{2, 3, 4, 5}, {2, 3, 9, 5}}, 2},
      {"innermost_nhwc_channels", {{2, 7, 5, 13}, {2, 7, 5, 19}, {2, 7, 5, 3}}, 3},
      {"negative_axis", {{2, 7, 5, 6}, {2, 7, 5, 10}}, -1},
      {"negative_first", {{2, 3, 4}, {5, 3, 4}}, -3},
      {"rank1", {{7}, {1}, {12}}, 0},
      {"rank2", {{3, 17}, {3, 4}}, 1},
      {"rank5", {{2, 3, 4, 2, 5}, {2, 3, 1, 2, 5}}, 2},
      {"rank6", {{2, 1, 3, 2, 2, 3}, {2, 1, 3, 2, 2, 5}}, -1},
      {"one_input", {{2, 6, 3, 3}}, 1},
      {"empty_input", {{2, 0, 3, 3}, {2, 6, 3, 3}, {2, 0, 3, 3}, {2, 2, 3, 3}}, 1},
      {"only_one_nonempty", {{2, 0, 3}, {2, 4, 3}}, 1},
      {"empty_output", {{0, 5, 3}, {0, 2, 3}}, 1},
  };
}

TEST(CpuConcat, MatchesReferenceExactlyInEveryType) {
  uint32_t seed = 1;
  for (const ConcatCase& c : concat_cases()) {
    for (const DataType dtype :
         {DataType::kFloat32, DataType::kBFloat16, DataType::kInt8, DataType::kUInt8}) {
      SCOPED_TRACE(c.name + " " + std::string(dtype_name(dtype)));
      std::vector<Tensor> inputs;
      for (const auto& shape : c.shapes) {
        const Tensor f = random_tensor(shape, seed++);
        inputs.push_back(dtype == DataType::kFloat32    ? f
                         : dtype == DataType::kBFloat16 ? to_bf16(f)
                                                        : to_8bit(f, dtype));
      }
      const Attrs attrs = {{"axis", c.axis}};
      const Tensor want = run_op("Concat", inputs, attrs)[0];
      const Tensor got = run_cpu("Concat", inputs, attrs);
      EXPECT_TRUE(bit_identical(got, want));
    }
  }
}

// Twice in a row through one cached primitive, with other data: the second run reads the new
// inputs (nothing of the first run's buffers is kept in the primitive).
TEST(CpuConcat, RunsTwiceWithNewData) {
  const auto g =
      one_node_graph("Concat", {random_tensor({2, 3, 4}, 1), random_tensor({2, 5, 4}, 2)},
                     {{"axis", int64_t{1}}}, 1);
  const auto out_types = g->infer_outputs();
  std::string why;
  const KernelDef* k =
      KernelRegistry::instance().select(*g->node, "cpu", {g->in_types, out_types}, &why);
  ASSERT_NE(k, nullptr) << why;
  for (uint32_t seed : {10u, 20u}) {
    std::vector<Tensor> ins = {random_tensor({2, 3, 4}, seed), random_tensor({2, 5, 4}, seed + 1)};
    std::vector<Tensor> outs{Tensor(out_types[0].dtype, out_types[0].shape)};
    k->run(KernelArgs{*g->node, ins, outs});
    EXPECT_TRUE(bit_identical(outs[0], run_op("Concat", ins, {{"axis", int64_t{1}}})[0]));
  }
}

// An int8 Concat moves bytes, so it is declined when its inputs carry different scales (the
// int8 lowering gives them one, the Concat's); one shared scale is accepted.
TEST(CpuConcat, Int8DeclinesInputsAtDifferentScales) {
  const Tensor a = to_8bit(random_tensor({1, 3, 2, 2}, 1), DataType::kInt8);
  const Tensor b = to_8bit(random_tensor({1, 5, 2, 2}, 2), DataType::kInt8);
  const auto g = one_node_graph("Concat", {a, b}, {{"axis", int64_t{1}}}, 1);
  const NodeTypes types{g->in_types, g->infer_outputs()};
  std::string why;
  g->node->inputs[0]->quant = ir::QuantParams{{0.5f}, -1};
  g->node->inputs[1]->quant = ir::QuantParams{{0.5f}, -1};
  g->node->outputs[0]->quant = ir::QuantParams{{0.5f}, -1};
  EXPECT_NE(KernelRegistry::instance().select(*g->node, "cpu", types, &why), nullptr) << why;
  g->node->inputs[1]->quant = ir::QuantParams{{0.25f}, -1};
  EXPECT_EQ(KernelRegistry::instance().select(*g->node, "cpu", types, &why), nullptr);
  EXPECT_NE(why.find("different quantization"), std::string::npos) << why;
}

// scale, B, mean, var for `channels` (var > 0).
std::vector<Tensor> bn_params(int64_t channels, uint32_t seed) {
  return {random_tensor({channels}, seed, 0.5f, 1.5f), random_tensor({channels}, seed + 1),
          random_tensor({channels}, seed + 2), random_tensor({channels}, seed + 3, 0.05f, 2.f)};
}

struct BnCase {
  std::string name;
  std::vector<int64_t> x;  // as stored (NHWC when channels_last)
  Attrs attrs;
};

std::vector<BnCase> bn_cases() {
  return {
      {"nchw", {2, 13, 7, 9}, {}},
      {"nchw_batch1_eps", {1, 64, 5, 5}, {{"epsilon", 1e-3f}}},
      {"nhwc", {3, 6, 5, 19}, {{"channels_last", int64_t{1}}}},
      {"nhwc_batch1", {1, 7, 7, 32}, {{"channels_last", int64_t{1}}, {"epsilon", 1e-2f}}},
      {"rank2", {5, 21}, {}},
      {"rank3", {2, 9, 11}, {}},
      {"rank5", {2, 5, 3, 4, 3}, {}},
  };
}

int64_t bn_channels(const BnCase& c) {
  const bool nhwc = c.attrs.count("channels_last") != 0;
  return nhwc ? c.x.back() : c.x[1];
}

TEST(CpuBatchNormalization, MatchesReferenceF32) {
  uint32_t seed = 1;
  for (const BnCase& c : bn_cases()) {
    SCOPED_TRACE(c.name);
    std::vector<Tensor> inputs{random_tensor(c.x, seed++, -3.f, 3.f)};
    for (const Tensor& p : bn_params(bn_channels(c), seed)) inputs.push_back(p);
    seed += 4;
    const Tensor want = run_op("BatchNormalization", inputs, c.attrs)[0];
    EXPECT_LT(max_rel_diff(run_cpu("BatchNormalization", inputs, c.attrs), want), 1e-5f);
  }
}

// bf16 in and out (f32 statistics inside, one rounding) against the reference's f32 kernel on
// the same bf16 values, rounded once.
TEST(CpuBatchNormalization, Bf16MatchesReference) {
  uint32_t seed = 100;
  for (const BnCase& c : bn_cases()) {
    SCOPED_TRACE(c.name);
    std::vector<Tensor> bf16{to_bf16(random_tensor(c.x, seed++, -3.f, 3.f))};
    for (const Tensor& p : bn_params(bn_channels(c), seed)) bf16.push_back(to_bf16(p));
    seed += 4;
    std::vector<Tensor> widened;
    for (const Tensor& t : bf16) widened.push_back(make_f32(t.shape(), t.to_float_vector()));
    const Tensor want = to_bf16(run_op("BatchNormalization", widened, c.attrs)[0]);
    expect_bf16_close(run_cpu("BatchNormalization", bf16, c.attrs), want);
  }
}

TEST(CpuBatchNormalization, DeclinesParametersThatAreNotConstants) {
  std::vector<Tensor> inputs{random_tensor({1, 4, 3, 3}, 1)};
  for (const Tensor& p : bn_params(4, 2)) inputs.push_back(p);
  const std::string why = cpu_reason_with_input_computed("BatchNormalization", inputs, 3, {});
  EXPECT_NE(why.find("constants"), std::string::npos) << why;
}

// x [N, 16, 9, 11] -> dense layer (BN -> Relu -> Conv 3x3 to 8) -> Concat with x (24 channels)
// -> dense layer (BN -> Relu -> Conv 1x1 to 12) -> Concat (36) = "y": DenseNet's pattern.
ir::Graph dense_network() {
  TestNet m;
  ir::Value* x = m.input(16);
  const auto dense_layer = [&](ir::Value* in, int64_t cin, int64_t growth, int64_t k,
                               const std::string& name) {
    const std::vector<Tensor> p = bn_params(cin, m.seed);
    m.seed += 4;
    std::vector<ir::Value*> bn_in{in};
    for (size_t i = 0; i < p.size(); ++i)
      bn_in.push_back(m.g.add_constant(name + "_bn" + std::to_string(i), p[i]));
    ir::Value* bn = m.op("BatchNormalization", bn_in, name + "_bn", {{"epsilon", 1e-5f}});
    ir::Value* conv = m.conv(m.op("Relu", {bn}, name + "_relu"), cin, growth, k, name + "_conv");
    return m.op("Concat", {in, conv}, name, {{"axis", int64_t{1}}});
  };
  m.g.outputs = {dense_layer(dense_layer(x, 16, 8, 3, "d1"), 24, 12, 1, "y")};
  return std::move(m.g);
}

std::shared_ptr<Engine> build_dense(std::vector<std::string> backends) {
  BuilderConfig c;
  c.precision = "fp32";
  c.backends = std::move(backends);
  c.batch = BatchProfile{1, 2, 3};
  c.min_subgraph_size = 1;
  return std::make_shared<Engine>(build_engine(dense_network(), c, "dense.onnx"));
}

TEST(CpuConcatBatchNorm, DenseNetworkRunsOnCpuAndMatchesReference) {
  const auto reference = build_dense({"reference"});
  const auto cpu = build_dense({"cpu", "reference"});
  size_t concats = 0, bns = 0;
  for (const ir::Node* node : cpu->impl().nodes) {
    if (node->op_type != "Concat" && node->op_type != "BatchNormalization") continue;
    SCOPED_TRACE(node->name);
    EXPECT_EQ(node->backend, "cpu");
    concats += node->op_type == "Concat";
    bns += node->op_type == "BatchNormalization";
    // cpu first: the builder converts the graph to channels_last, so both kernels run on NHWC
    // (BN with channels_last=1, Concat on the permuted axis 3).
    if (node->op_type == "BatchNormalization") {
      EXPECT_EQ(node->attr_int("channels_last", 0), 1);
    } else {
      EXPECT_EQ(node->attr_int("axis", 0), 3);
    }
  }
  EXPECT_EQ(concats, 2u);
  EXPECT_EQ(bns, 2u);
  for (int64_t batch : {1, 3}) {
    SCOPED_TRACE(batch);
    const Tensor x = random_tensor({batch, 16, 9, 11}, 7, -2.f, 2.f);
    const Tensor want = reference->create_context()->run({{"x", x}}).at("y");
    const Tensor got = cpu->create_context()->run({{"x", x}}).at("y");
    ASSERT_EQ(got.shape(), (std::vector<int64_t>{batch, 36, 9, 11}));
    EXPECT_LT(max_rel_diff(got, want), 1e-5f);
  }
}

}  // namespace
}  // namespace qrt::test
