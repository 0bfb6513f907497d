// The reference backend's f16 and bf16 nodes: computed by the f32 kernels on widened inputs,
// each f16 / bf16 output rounded once (the registry's adapters); other tensors pass through
// unchanged.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <thread>

#include "backends/kernel_registry.h"
#include "ops_test_helpers.h"

namespace qrt {
namespace {

using test::make_f32;
using test::make_i64;
using test::random_tensor;
using test::run_op;
using Attrs = std::map<std::string, ir::AttributeValue>;

// The 16-bit float type under test (f16 or bf16).
class Float16Ops : public ::testing::TestWithParam<DataType> {
 protected:
  DataType low() const { return GetParam(); }

  Tensor narrow(const Tensor& f) const {
    Tensor t(low(), f.shape());
    for (int64_t i = 0; i < f.numel(); ++i) {
      const float v = f.data_as<float>()[i];
      t.data_as<uint16_t>()[i] =
          low() == DataType::kFloat16 ? float_to_half(v) : float_to_bfloat16(v);
    }
    return t;
  }

  // Values the type represents exactly.
  Tensor representable(std::vector<int64_t> shape, uint32_t seed) const {
    const Tensor t = narrow(random_tensor(std::move(shape), seed, -2.f, 2.f));
    return make_f32(t.shape(), t.to_float_vector());
  }

  // Runs `op` with the inputs listed in `half` as the 16-bit type and again all in f32; every
  // output must be the f32 one rounded to the 16-bit type (or identical, for outputs that are
  // not float).
  void expect_rounded_f32(const std::string& op, std::vector<Tensor> inputs,
                          const std::vector<size_t>& half, const Attrs& attrs = {},
                          size_t num_outputs = 1) const {
    SCOPED_TRACE(op + " in " + std::string(dtype_name(low())));
    const std::vector<Tensor> want = run_op(op, inputs, attrs, num_outputs);
    for (size_t i : half) inputs[i] = narrow(inputs[i]);
    const std::vector<Tensor> got = run_op(op, inputs, attrs, num_outputs);
    ASSERT_EQ(got.size(), want.size());
    for (size_t o = 0; o < got.size(); ++o) {
      ASSERT_EQ(got[o].shape(), want[o].shape());
      const Tensor expected = want[o].dtype() == DataType::kFloat32 ? narrow(want[o]) : want[o];
      ASSERT_EQ(got[o].dtype(), expected.dtype());
      EXPECT_EQ(std::memcmp(got[o].data(), expected.data(), got[o].nbytes()), 0) << "output " << o;
    }
  }
};

INSTANTIATE_TEST_SUITE_P(F16AndBf16, Float16Ops,
                         ::testing::Values(DataType::kFloat16, DataType::kBFloat16),
                         [](const auto& param_info) {
                           return std::string(dtype_name(param_info.param));
                         });

TEST_P(Float16Ops, ComputedInF32AndRoundedOnce) {
  expect_rounded_f32(
      "Conv",
      {representable({1, 3, 6, 5}, 1), representable({4, 3, 3, 3}, 2), representable({4}, 3)},
      {0, 1, 2}, {{"pads", std::vector<int64_t>{1, 1, 1, 1}}});
  // The f16 Conv kernel's other paths: depthwise, pointwise, strided, without a bias.
  expect_rounded_f32(
      "Conv",
      {representable({2, 4, 7, 6}, 21), representable({8, 1, 3, 3}, 22), representable({8}, 23)},
      {0, 1, 2}, {{"group", int64_t{4}}, {"pads", std::vector<int64_t>{1, 1, 1, 1}}});
  expect_rounded_f32("Conv", {representable({2, 6, 5, 5}, 24), representable({3, 6, 1, 1}, 25)},
                     {0, 1});
  expect_rounded_f32(
      "Conv",
      {representable({1, 3, 9, 8}, 26), representable({5, 3, 3, 3}, 27), representable({5}, 28)},
      {0, 1, 2}, {{"strides", std::vector<int64_t>{2, 2}}});
  expect_rounded_f32("Add", {representable({2, 3, 4}, 4), representable({3, 1}, 5)}, {0, 1});
  expect_rounded_f32("Softmax", {representable({3, 7}, 6)}, {0});
  expect_rounded_f32("Relu", {representable({10}, 7)}, {0});
  expect_rounded_f32("MatMul", {representable({2, 5, 6}, 8), representable({6, 3}, 9)}, {0, 1});
  expect_rounded_f32("Pow", {representable({4}, 10), make_f32({4}, {1, 2, 3, 0.5f})}, {0});
}

// FusedConv rounds after the convolution, the residual sum and the activation, as the unfused
// Conv -> Add -> Relu of the same type do: fusing never changes a result on the reference backend.
TEST_P(Float16Ops, FusedConvRoundsLikeTheUnfusedOps) {
  const Tensor x = narrow(representable({2, 5, 7, 6}, 31));
  const Tensor w = narrow(representable({6, 5, 3, 3}, 32));
  const Tensor b = narrow(representable({6}, 33));
  const Attrs pads = {{"pads", std::vector<int64_t>{1, 1, 1, 1}}};
  const Tensor conv = run_op("Conv", {x, w, b}, pads)[0];
  ASSERT_EQ(conv.dtype(), low());
  const Tensor r = narrow(representable(conv.shape(), 34));
  const Tensor unfused = run_op("Relu", {run_op("Add", {conv, r})[0]})[0];
  Attrs attrs = pads;
  attrs["activation"] = std::string("relu");
  const Tensor fused = run_op("FusedConv", {x, w, b, r}, attrs)[0];
  ASSERT_EQ(fused.dtype(), low());
  ASSERT_EQ(fused.shape(), unfused.shape());
  EXPECT_EQ(std::memcmp(fused.data(), unfused.data(), fused.nbytes()), 0);
}

TEST_P(Float16Ops, IntegerTensorsPassThrough) {
  // ArgMax's int64 output, Gather's int64 indices, Shape of an f16 / bf16 tensor, and (f16 only:
  // the lowering keeps QuantizeLinear in f32 for bf16) QuantizeLinear's f32 scale and int8
  // output.
  expect_rounded_f32("ArgMax", {representable({3, 5}, 11)}, {0}, {{"axis", int64_t{1}}});
  expect_rounded_f32("Gather", {representable({4, 3}, 12), make_i64({2}, {3, 0})}, {0});
  expect_rounded_f32("Shape", {representable({4, 3}, 13)}, {0});
  if (low() == DataType::kFloat16)
    expect_rounded_f32("QuantizeLinear",
                       {representable({2, 3}, 14), test::scalar_f32(0.01f),
                        Tensor::from_vector(DataType::kInt8, {}, std::vector<int8_t>{3})},
                       {0});
}

TEST_P(Float16Ops, RegistryAdapterIsCachedAndOnlyForReference) {
  KernelRegistry& registry = KernelRegistry::instance();
  const KernelDef* relu = registry.find("Relu", "reference", low());
  ASSERT_NE(relu, nullptr);
  EXPECT_EQ(relu->dtype, low());
  EXPECT_EQ(registry.find("Relu", "reference", low()), relu);
  // One adapter per 16-bit type.
  const DataType other = low() == DataType::kFloat16 ? DataType::kBFloat16 : DataType::kFloat16;
  EXPECT_NE(registry.find("Relu", "reference", other), relu);
  // Generic kernels handle the 16-bit types themselves.
  const KernelDef* reshape = registry.find("Reshape", "reference", low());
  ASSERT_NE(reshape, nullptr);
  EXPECT_EQ(reshape->dtype, DataType::kUndefined);
  EXPECT_EQ(registry.find("Relu", "no-such-backend", low()), nullptr);
  EXPECT_EQ(registry.find("NoSuchOp", "reference", low()), nullptr);
  // Concurrent first uses agree on one adapter.
  std::vector<const KernelDef*> seen(4);
  std::vector<std::thread> threads;
  const DataType dtype = low();
  for (size_t i = 0; i < seen.size(); ++i)
    threads.emplace_back([&seen, i, dtype] {
      seen[i] = KernelRegistry::instance().find("Tanh", "reference", dtype);
    });
  for (auto& t : threads) t.join();
  ASSERT_NE(seen[0], nullptr);
  for (const KernelDef* k : seen) EXPECT_EQ(k, seen[0]);
}

// bfloat16 rounding as Cast and the lowering use it: to nearest, ties to even, NaN stays a
// (quiet) NaN, overflow goes to infinity.
TEST(Bfloat16, RoundsToNearestEven) {
  const auto bits = [](float f) { return float_to_bfloat16(f); };
  EXPECT_EQ(bits(1.f), 0x3f80);
  EXPECT_EQ(bits(1.f + 0x1p-8f), 0x3f80);             // a tie: down to the even 1.0
  EXPECT_EQ(bits(1.f + 3 * 0x1p-8f), 0x3f82);         // a tie: up to the even 1 + 2^-6
  EXPECT_EQ(bits(1.f + 0x1p-8f + 0x1p-20f), 0x3f81);  // above the tie
  EXPECT_EQ(bits(-2.5f), 0xc020);
  EXPECT_EQ(bits(std::numeric_limits<float>::infinity()), 0x7f80);
  EXPECT_EQ(bits(std::numeric_limits<float>::max()), 0x7f80);  // beyond bf16's largest
  const uint16_t nan = bits(std::numeric_limits<float>::quiet_NaN());
  EXPECT_TRUE(std::isnan(bfloat16_to_float(nan)));
  uint32_t signalling_bits = 0x7f800001u;  // its payload sits in the bits bf16 drops
  float signalling;
  std::memcpy(&signalling, &signalling_bits, 4);
  EXPECT_TRUE(std::isnan(bfloat16_to_float(bits(signalling))));  // not rounded to infinity
  EXPECT_EQ(bfloat16_to_float(0x3f81), 1.f + 0x1p-7f);
}

}  // namespace
}  // namespace qrt
