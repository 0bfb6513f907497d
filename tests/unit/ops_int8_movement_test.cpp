// int8 tensors through the ops a lowered int8 graph keeps: the dtype-generic data movement
// kernels and the int8 MaxPool / Relu must give exactly the float results.
#include <gtest/gtest.h>

#include <cmath>

#include "ops_test_helpers.h"

namespace qrt {
namespace {

using test::make_i64;
using test::run_op;
using Attrs = std::map<std::string, ir::AttributeValue>;

// Integers in [-128, 127] as f32.
Tensor integer_f32(std::vector<int64_t> shape, uint32_t seed) {
  Tensor t = test::random_tensor(std::move(shape), seed, -128.f, 128.f);
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] = std::floor(t.data_as<float>()[i]);
  return t;
}

Tensor to_i8(const Tensor& f) {
  Tensor t(DataType::kInt8, f.shape());
  for (int64_t i = 0; i < f.numel(); ++i)
    t.data_as<int8_t>()[i] = static_cast<int8_t>(f.data_as<float>()[i]);
  return t;
}

// Runs `op` on f32 data and on the same data as i8 (the inputs listed in `data`), and expects
// the i8 output to hold exactly the f32 output's values.
void expect_int8_matches_float(const std::string& op, std::vector<Tensor> inputs,
                               const std::vector<size_t>& data, const Attrs& attrs = {}) {
  SCOPED_TRACE(op);
  const Tensor want = run_op(op, inputs, attrs)[0];
  for (size_t i : data) inputs[i] = to_i8(inputs[i]);
  const Tensor got = run_op(op, inputs, attrs)[0];
  ASSERT_EQ(got.dtype(), DataType::kInt8);
  ASSERT_EQ(got.shape(), want.shape());
  for (int64_t i = 0; i < got.numel(); ++i)
    ASSERT_EQ(float(got.data_as<int8_t>()[i]), want.data_as<float>()[i]) << "element " << i;
}

TEST(OpsInt8DataMovement, GenericKernelsAcceptInt8) {
  const Tensor x = integer_f32({2, 3, 4}, 1);
  expect_int8_matches_float("Identity", {x}, {0});
  expect_int8_matches_float("Reshape", {x, make_i64({2}, {4, 6})}, {0});
  expect_int8_matches_float("Flatten", {x}, {0}, {{"axis", int64_t{2}}});
  expect_int8_matches_float("Transpose", {x}, {0}, {{"perm", std::vector<int64_t>{2, 0, 1}}});
  expect_int8_matches_float("Concat", {x, integer_f32({2, 5, 4}, 2)}, {0, 1},
                            {{"axis", int64_t{1}}});
  expect_int8_matches_float("Slice",
                            {x, make_i64({2}, {0, 1}), make_i64({2}, {2, 4}), make_i64({2}, {0, 2}),
                             make_i64({2}, {1, 2})},
                            {0});
  expect_int8_matches_float("Squeeze", {integer_f32({2, 1, 3}, 3), make_i64({1}, {1})}, {0});
  expect_int8_matches_float("Unsqueeze", {x, make_i64({1}, {0})}, {0});
  const Tensor pads = make_i64({6}, {0, 1, 0, 1, 0, 2});
  expect_int8_matches_float("Pad", {x, pads}, {0}, {{"mode", std::string("constant")}});
  expect_int8_matches_float("Pad", {x, pads, test::scalar_f32(0)}, {0, 2});
}

TEST(OpsInt8DataMovement, MaxPoolAndReluAreExact) {
  const Tensor x = integer_f32({2, 3, 7, 7}, 4);
  expect_int8_matches_float("MaxPool", {x}, {0},
                            {{"kernel_shape", std::vector<int64_t>{3, 3}},
                             {"strides", std::vector<int64_t>{2, 2}},
                             {"pads", std::vector<int64_t>{1, 1, 1, 1}}});
  expect_int8_matches_float(
      "MaxPool", {integer_f32({1, 2, 9}, 5)}, {0},
      {{"kernel_shape", std::vector<int64_t>{2}}, {"dilations", std::vector<int64_t>{2}}});
  expect_int8_matches_float("Relu", {x}, {0});
}

}  // namespace
}  // namespace qrt
