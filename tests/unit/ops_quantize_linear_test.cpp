// QuantizeLinear / DequantizeLinear: the ONNX spec examples, rounding half to even,
// saturation, per-axis parameters and schema errors.
#include <gtest/gtest.h>

#include "ops_test_helpers.h"

namespace qrt {
namespace {

using test::expect_f32;
using test::expect_op_error;
using test::expect_values;
using test::make_f32;
using test::run_op;
using Attrs = std::map<std::string, ir::AttributeValue>;

Tensor make_u8(std::vector<int64_t> shape, const std::vector<uint8_t>& v) {
  return Tensor::from_vector(DataType::kUInt8, std::move(shape), v);
}
Tensor make_i8(std::vector<int64_t> shape, const std::vector<int8_t>& v) {
  return Tensor::from_vector(DataType::kInt8, std::move(shape), v);
}

TEST(OpsQuantizeLinear, SpecExample) {
  const Tensor y = run_op("QuantizeLinear", {make_f32({6}, {0, 2, 3, 1000, -254, -1000}),
                                             test::scalar_f32(2), make_u8({}, {128})})[0];
  expect_values<uint8_t>(y, DataType::kUInt8, {6}, {128, 129, 130, 255, 1, 0});
}

TEST(OpsQuantizeLinear, SpecExamplePerAxis) {
  const Tensor x = make_f32({1, 3, 3, 2}, {-162, 10, -100, 232, -20, -50, -76, 0, 0, 252, 32, -44,
                                           245, -485, -960, -270, -375, -470});
  const Tensor y =
      run_op("QuantizeLinear", {x, make_f32({3}, {2, 4, 5}), make_u8({3}, {84, 24, 196})})[0];
  expect_values<uint8_t>(
      y, DataType::kUInt8, {1, 3, 3, 2},
      {3, 89, 34, 200, 74, 59, 5, 24, 24, 87, 32, 13, 245, 99, 4, 142, 121, 102});
}

TEST(OpsQuantizeLinear, RoundsHalfToEvenAndSaturatesInt8) {
  const Tensor x =
      make_f32({10}, {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 300, -300, 127.5f, -128.5f});
  const Tensor y = run_op("QuantizeLinear", {x, test::scalar_f32(1), make_i8({}, {0})})[0];
  expect_values<int8_t>(y, DataType::kInt8, {10}, {0, 2, 2, 0, -2, -2, 127, -128, 127, -128});
  // Rounding comes before the zero point is added: 2.5 -> 2, then + 1.
  const Tensor shifted = run_op(
      "QuantizeLinear", {make_f32({2}, {2.5f, 3.5f}), test::scalar_f32(1), make_i8({}, {1})})[0];
  expect_values<int8_t>(shifted, DataType::kInt8, {2}, {3, 5});
}

TEST(OpsQuantizeLinear, TrueDivisionByTheScale) {
  // -8.15f / 0.1f is -81.4999924 in f32 (-> -81) where a multiply by 1 / 0.1f gives -81.5
  // (-> -82).
  const float x = -8.15f, s = 0.1f;
  ASSERT_NE(std::nearbyint(x / s), std::nearbyint(x * (1 / s)));
  const Tensor y =
      run_op("QuantizeLinear", {make_f32({1}, {x}), test::scalar_f32(s), make_i8({}, {0})})[0];
  expect_values<int8_t>(y, DataType::kInt8, {1}, {-81});
}

TEST(OpsQuantizeLinear, DefaultsToUint8WithoutZeroPoint) {
  const Tensor y = run_op("QuantizeLinear", {make_f32({3}, {-3, 4, 1000}), test::scalar_f32(2)})[0];
  expect_values<uint8_t>(y, DataType::kUInt8, {3}, {0, 2, 255});
  const Tensor i8 = run_op("QuantizeLinear", {make_f32({2}, {-3, 4}), test::scalar_f32(2)},
                           {{"output_dtype", int64_t{3}}})[0];
  expect_values<int8_t>(i8, DataType::kInt8, {2}, {-2, 2});
}

TEST(OpsQuantizeLinear, NegativeAxisAndOneElementScale) {
  const Tensor x = make_f32({2, 2}, {1, 10, -1, -10});
  const Tensor y = run_op("QuantizeLinear", {x, make_f32({2}, {1, 10}), make_i8({2}, {0, 1})},
                          {{"axis", int64_t{-1}}})[0];
  expect_values<int8_t>(y, DataType::kInt8, {2, 2}, {1, 2, -1, 0});
  const Tensor per_tensor = run_op("QuantizeLinear", {x, make_f32({1}, {2}), make_i8({1}, {0})})[0];
  expect_values<int8_t>(per_tensor, DataType::kInt8, {2, 2}, {0, 5, 0, -5});
}

TEST(OpsQuantizeLinear, Errors) {
  const Tensor x = make_f32({1, 3, 2}, {0, 0, 0, 0, 0, 0});
  expect_op_error("QuantizeLinear", {x, make_f32({2}, {1, 1})}, {},
                  "the scale has 2 values but the input [1,3,2] has 3 along axis 1");
  expect_op_error("QuantizeLinear", {x, make_f32({3}, {1, 1, 1}), make_i8({}, {0})}, {},
                  "zero point [] must have the scale's shape [3]");
  expect_op_error("QuantizeLinear", {make_i8({1}, {0}), test::scalar_f32(1)}, {},
                  "x must be f32 or f16");
  expect_op_error(
      "QuantizeLinear",
      {x, test::scalar_f32(1), Tensor::from_vector(DataType::kInt32, {}, std::vector<int32_t>{0})},
      {}, "zero point must be i8 or u8");
  expect_op_error("QuantizeLinear", {x, make_f32({3}, {1, 1, 1})}, {{"axis", int64_t{3}}}, "axis");
}

TEST(OpsDequantizeLinear, SpecExamples) {
  const Tensor y = run_op("DequantizeLinear", {make_u8({4}, {0, 3, 128, 255}), test::scalar_f32(2),
                                               make_u8({}, {128})})[0];
  expect_f32(y, {4}, {-256, -250, 0, 254}, 0);
  const Tensor x = make_u8({1, 3, 2, 2}, {3, 89, 34, 200, 74, 59, 5, 24, 24, 87, 32, 13});
  const Tensor per_axis =
      run_op("DequantizeLinear", {x, make_f32({3}, {2, 4, 5}), make_u8({3}, {84, 24, 196})})[0];
  expect_f32(per_axis, {1, 3, 2, 2},
             {-162, 10, -100, 232, 200, 140, -76, 0, -860, -545, -820, -915}, 0);
}

TEST(OpsDequantizeLinear, Int8Int32AndHalfScale) {
  const Tensor y = run_op("DequantizeLinear", {make_i8({3}, {-128, 0, 127}), test::scalar_f32(0.5f),
                                               make_i8({}, {-1})})[0];
  expect_f32(y, {3}, {-63.5f, 0.5f, 64}, 0);
  const Tensor i32 = run_op(
      "DequantizeLinear",
      {Tensor::from_vector(DataType::kInt32, {2}, std::vector<int32_t>{-2147483647 - 1, 1000}),
       test::scalar_f32(0.25f)})[0];
  expect_f32(i32, {2}, {-536870912.f, 250}, 0);
  const Tensor half = run_op(
      "DequantizeLinear",
      {make_i8({2}, {3, -5}),
       Tensor::from_vector(DataType::kFloat16, {}, std::vector<uint16_t>{float_to_half(0.5f)})})[0];
  ASSERT_EQ(half.dtype(), DataType::kFloat16);
  EXPECT_EQ(half_to_float(half.data_as<uint16_t>()[0]), 1.5f);
  EXPECT_EQ(half_to_float(half.data_as<uint16_t>()[1]), -2.5f);
}

TEST(OpsDequantizeLinear, Errors) {
  expect_op_error("DequantizeLinear", {make_f32({2}, {1, 2}), test::scalar_f32(1)}, {},
                  "x must be i8, u8 or i32");
  expect_op_error("DequantizeLinear", {make_i8({2}, {1, 2}), test::scalar_f32(1), make_u8({}, {0})},
                  {}, "zero point has element type u8 but x has i8");
  expect_op_error("DequantizeLinear", {make_i8({2, 2}, {1, 2, 3, 4}), make_f32({2, 1}, {1, 1})}, {},
                  "scalar or 1-D");
}

}  // namespace
}  // namespace qrt
