// The reference backend's f16 nodes: computed by the f32 kernels on widened inputs, each f16
// output rounded once (the registry's f16 adapter); other tensors pass through unchanged.
#include <gtest/gtest.h>

#include <cstring>
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

Tensor to_f16(const Tensor& f) {
  Tensor t(DataType::kFloat16, f.shape());
  for (int64_t i = 0; i < f.numel(); ++i)
    t.data_as<uint16_t>()[i] = float_to_half(f.data_as<float>()[i]);
  return t;
}

Tensor to_f32(const Tensor& h) {
  Tensor t(DataType::kFloat32, h.shape());
  for (int64_t i = 0; i < h.numel(); ++i)
    t.data_as<float>()[i] = half_to_float(h.data_as<uint16_t>()[i]);
  return t;
}

// f16-representable random values.
Tensor random_f16_values(std::vector<int64_t> shape, uint32_t seed) {
  return to_f32(to_f16(random_tensor(std::move(shape), seed, -2.f, 2.f)));
}

// Runs `op` with the inputs listed in `half` as f16 and again all in f32; every output must be
// the f32 one rounded to f16 (or identical, for outputs that are not f16).
void expect_rounded_f32(const std::string& op, std::vector<Tensor> inputs,
                        const std::vector<size_t>& half, const Attrs& attrs = {},
                        size_t num_outputs = 1) {
  SCOPED_TRACE(op);
  const std::vector<Tensor> want = run_op(op, inputs, attrs, num_outputs);
  for (size_t i : half) inputs[i] = to_f16(inputs[i]);
  const std::vector<Tensor> got = run_op(op, inputs, attrs, num_outputs);
  ASSERT_EQ(got.size(), want.size());
  for (size_t o = 0; o < got.size(); ++o) {
    ASSERT_EQ(got[o].shape(), want[o].shape());
    const Tensor expected = want[o].dtype() == DataType::kFloat32 ? to_f16(want[o]) : want[o];
    ASSERT_EQ(got[o].dtype(), expected.dtype());
    EXPECT_EQ(std::memcmp(got[o].data(), expected.data(), got[o].nbytes()), 0) << "output " << o;
  }
}

TEST(OpsF16, ComputedInF32AndRoundedOnce) {
  expect_rounded_f32("Conv",
                     {random_f16_values({1, 3, 6, 5}, 1), random_f16_values({4, 3, 3, 3}, 2),
                      random_f16_values({4}, 3)},
                     {0, 1, 2}, {{"pads", std::vector<int64_t>{1, 1, 1, 1}}});
  // The f16 Conv kernel's other paths: depthwise, pointwise, strided, without a bias.
  expect_rounded_f32("Conv",
                     {random_f16_values({2, 4, 7, 6}, 21), random_f16_values({8, 1, 3, 3}, 22),
                      random_f16_values({8}, 23)},
                     {0, 1, 2},
                     {{"group", int64_t{4}}, {"pads", std::vector<int64_t>{1, 1, 1, 1}}});
  expect_rounded_f32(
      "Conv", {random_f16_values({2, 6, 5, 5}, 24), random_f16_values({3, 6, 1, 1}, 25)}, {0, 1});
  expect_rounded_f32("Conv",
                     {random_f16_values({1, 3, 9, 8}, 26), random_f16_values({5, 3, 3, 3}, 27),
                      random_f16_values({5}, 28)},
                     {0, 1, 2}, {{"strides", std::vector<int64_t>{2, 2}}});
  expect_rounded_f32("Add", {random_f16_values({2, 3, 4}, 4), random_f16_values({3, 1}, 5)},
                     {0, 1});
  expect_rounded_f32("Softmax", {random_f16_values({3, 7}, 6)}, {0});
  expect_rounded_f32("Relu", {random_f16_values({10}, 7)}, {0});
  expect_rounded_f32("MatMul", {random_f16_values({2, 5, 6}, 8), random_f16_values({6, 3}, 9)},
                     {0, 1});
  expect_rounded_f32("Pow", {random_f16_values({4}, 10), make_f32({4}, {1, 2, 3, 0.5f})}, {0});
}

TEST(OpsF16, IntegerTensorsPassThrough) {
  // ArgMax's int64 output, Gather's int64 indices, Shape of an f16 tensor, QuantizeLinear's
  // f32 scale and int8 output.
  expect_rounded_f32("ArgMax", {random_f16_values({3, 5}, 11)}, {0}, {{"axis", int64_t{1}}});
  expect_rounded_f32("Gather", {random_f16_values({4, 3}, 12), make_i64({2}, {3, 0})}, {0});
  expect_rounded_f32("Shape", {random_f16_values({4, 3}, 13)}, {0});
  expect_rounded_f32("QuantizeLinear",
                     {random_f16_values({2, 3}, 14), test::scalar_f32(0.01f),
                      Tensor::from_vector(DataType::kInt8, {}, std::vector<int8_t>{3})},
                     {0});
}

TEST(OpsF16, RegistryAdapterIsCachedAndOnlyForReference) {
  KernelRegistry& registry = KernelRegistry::instance();
  const KernelDef* relu = registry.find("Relu", "reference", DataType::kFloat16);
  ASSERT_NE(relu, nullptr);
  EXPECT_EQ(relu->dtype, DataType::kFloat16);
  EXPECT_EQ(registry.find("Relu", "reference", DataType::kFloat16), relu);
  // Generic kernels handle f16 themselves.
  const KernelDef* reshape = registry.find("Reshape", "reference", DataType::kFloat16);
  ASSERT_NE(reshape, nullptr);
  EXPECT_EQ(reshape->dtype, DataType::kUndefined);
  EXPECT_EQ(registry.find("Relu", "no-such-backend", DataType::kFloat16), nullptr);
  EXPECT_EQ(registry.find("NoSuchOp", "reference", DataType::kFloat16), nullptr);
  // Concurrent first uses agree on one adapter.
  std::vector<const KernelDef*> seen(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < seen.size(); ++i)
    threads.emplace_back([&seen, i] {
      seen[i] = KernelRegistry::instance().find("Tanh", "reference", DataType::kFloat16);
    });
  for (auto& t : threads) t.join();
  ASSERT_NE(seen[0], nullptr);
  for (const KernelDef* k : seen) EXPECT_EQ(k, seen[0]);
}

}  // namespace
}  // namespace qrt
