// Broadcasting binary, variadic, comparison and logical ops on the reference backend.
#include <limits>

#include "unit/ops_test_helpers.h"

namespace qrt::test {
namespace {

TEST(OpsBinary, AddSameShapeAndBroadcast) {
  expect_f32(run_op("Add", {make_f32({3}, {1, 2, 3}), make_f32({3}, {10, 20, 30})})[0], {3},
             {11, 22, 33});
  // [2,1,3] + [2,1] -> [2,2,3]
  const auto out =
      run_op("Add", {make_f32({2, 1, 3}, {0, 1, 2, 3, 4, 5}), make_f32({2, 1}, {10, 20})})[0];
  expect_f32(out, {2, 2, 3}, {10, 11, 12, 20, 21, 22, 13, 14, 15, 23, 24, 25});
  // Scalar operand, either side.
  expect_f32(run_op("Sub", {scalar_f32(1), make_f32({2}, {3, 5})})[0], {2}, {-2, -4});
  expect_f32(run_op("Sub", {make_f32({2}, {3, 5}), scalar_f32(1)})[0], {2}, {2, 4});
}

TEST(OpsBinary, BroadcastInnerDimensionOfOne) {
  // [2,3,1] * [1,4]: the innermost output dimension comes from the second input only.
  Tensor a = make_f32({2, 3, 1}, {1, 2, 3, 4, 5, 6});
  Tensor b = make_f32({1, 4}, {1, 10, 100, 1000});
  const auto out = f32_values(run_op("Mul", {a, b})[0]);
  ASSERT_EQ(out.size(), 24u);
  for (int i = 0; i < 6; ++i)
    for (int j = 0; j < 4; ++j)
      EXPECT_EQ(out[i * 4 + j], static_cast<float>(i + 1) * std::pow(10.f, static_cast<float>(j)));
}

TEST(OpsBinary, ZeroSizeBroadcast) {
  const auto out = run_op("Add", {Tensor(DataType::kFloat32, {0, 3}), make_f32({3}, {1, 2, 3})});
  EXPECT_EQ(out[0].shape(), (std::vector<int64_t>{0, 3}));
}

TEST(OpsBinary, SpecExamplesDivMulSub) {
  expect_f32(run_op("Div", {make_f32({2}, {3, 4}), make_f32({2}, {1, 2})})[0], {2}, {3, 2});
  expect_f32(run_op("Mul", {make_f32({3}, {1, 2, 3}), make_f32({3}, {4, 5, 6})})[0], {3},
             {4, 10, 18});
  expect_f32(run_op("Sub", {make_f32({3}, {1, 2, 3}), make_f32({3}, {3, 2, 1})})[0], {3},
             {-2, 0, 2});
}

TEST(OpsBinary, Float64AndInt32) {
  const auto d = run_op("Mul", {make_f64({2}, {1.5, 2.5}), make_f64({1}, {2})})[0];
  expect_values<double>(d, DataType::kFloat64, {2}, {3, 5});
  const auto i = run_op("Add", {make_i32({2}, {1, -2}), make_i32({}, {5})})[0];
  expect_values<int32_t>(i, DataType::kInt32, {2}, {6, 3});
}

TEST(OpsBinary, Int64ShapeArithmetic) {
  // The exporter's reshape-target arithmetic: batch * heads, dim / heads, concat-ready scalars.
  expect_i64(run_op("Mul", {make_i64({1}, {4}), scalar_i64(12)})[0], {1}, {48});
  expect_i64(run_op("Div", {make_i64({2}, {768, 7}), scalar_i64(12)})[0], {2}, {64, 0});
  expect_i64(run_op("Add", {make_i64({2}, {3, -1}), make_i64({2}, {4, 1})})[0], {2}, {7, 0});
  expect_i64(run_op("Sub", {scalar_i64(10), make_i64({2}, {3, 12})})[0], {2}, {7, -2});
}

TEST(OpsBinary, IntegerDivisionTruncatesTowardZero) {
  expect_i64(run_op("Div", {make_i64({4}, {-7, 7, -7, 7}), make_i64({4}, {2, -2, -2, 2})})[0], {4},
             {-3, -3, 3, 3});
  const int64_t lowest = std::numeric_limits<int64_t>::min();
  expect_i64(run_op("Div", {make_i64({1}, {lowest}), make_i64({1}, {-1})})[0], {1}, {lowest});
}

TEST(OpsBinary, IntegerDivisionByZeroNamesNode) {
  expect_op_error("Div", {make_i64({2}, {1, 2}), make_i64({2}, {1, 0})}, {}, "division by zero");
  expect_op_error("Mod", {make_i32({1}, {1}), make_i32({1}, {0})}, {}, "modulo by zero");
}

TEST(OpsBinary, ModSpecExamples) {
  // mod_mixed_sign_int64: the result takes the divisor's sign.
  Tensor x = make_i64({6}, {-4, 7, 5, 4, -7, 8});
  Tensor y = make_i64({6}, {2, -3, 8, -2, 3, 5});
  expect_i64(run_op("Mod", {x, y})[0], {6}, {0, -2, 5, 0, 2, 3});
  // mod_int64_fmod: the dividend's sign.
  expect_i64(run_op("Mod", {x, y}, {{"fmod", int64_t{1}}})[0], {6}, {0, 1, 5, 0, -1, 3});
  // mod_mixed_sign_float32 (fmod=1).
  Tensor fx = make_f32({6}, {-4.3f, 7.2f, 5.0f, 4.3f, -7.2f, 8.0f});
  Tensor fy = make_f32({6}, {2.1f, -3.4f, 8.0f, -2.1f, 3.4f, 5.0f});
  expect_f32(run_op("Mod", {fx, fy}, {{"fmod", int64_t{1}}})[0], {6},
             {-0.1f, 0.4f, 5.f, 0.1f, -0.4f, 3.f}, 1e-5f);
  // mod_broadcast: arange(30).reshape(3,2,5) % 7.
  std::vector<int32_t> data(30), expected(30);
  for (int i = 0; i < 30; ++i) data[i] = i, expected[i] = i % 7;
  expect_values(run_op("Mod", {make_i32({3, 2, 5}, data), make_i32({1}, {7})})[0], DataType::kInt32,
                {3, 2, 5}, expected);
}

TEST(OpsBinary, ModFloatRequiresFmod) {
  expect_op_error("Mod", {make_f32({1}, {1}), make_f32({1}, {2})}, {}, "fmod must be 1");
}

TEST(OpsBinary, PowSpecExamplesAndMixedTypes) {
  Tensor x = make_f32({3}, {1, 2, 3});
  expect_f32(run_op("Pow", {x, make_f32({3}, {4, 5, 6})})[0], {3}, {1, 32, 729});
  expect_f32(run_op("Pow", {x, scalar_f32(2)})[0], {3}, {1, 4, 9});
  // pow_bcast_array: [2,3] ** [3]
  expect_f32(run_op("Pow", {make_f32({2, 3}, {1, 2, 3, 4, 5, 6}), make_f32({3}, {1, 2, 3})})[0],
             {2, 3}, {1, 4, 27, 4, 25, 216});
  // pow_types_float32_int64 / pow_types_int64_float32.
  expect_f32(run_op("Pow", {x, make_i64({3}, {4, 5, 6})})[0], {3}, {1, 32, 729});
  expect_i64(run_op("Pow", {make_i64({3}, {1, 2, 3}), make_f32({3}, {4, 5, 6})})[0], {3},
             {1, 32, 729});
  expect_f32(run_op("Pow", {make_f32({1}, {-8}), make_f32({1}, {1.f / 3})})[0], {1}, {NAN});
  // No reference kernel takes a bool exponent.
  EXPECT_NE(error_message([&] { run_op("Pow", {x, make_bool({1}, {1})}); }), "");
}

TEST(OpsBinary, VariadicSpecExamples) {
  Tensor a = make_f32({3}, {3, 2, 1});
  Tensor b = make_f32({3}, {1, 4, 4});
  Tensor c = make_f32({3}, {2, 5, 3});
  expect_f32(run_op("Max", {a, b, c})[0], {3}, {3, 5, 4});
  expect_f32(run_op("Min", {a, b, c})[0], {3}, {1, 2, 1});
  expect_f32(run_op("Sum", {a, b, c})[0], {3}, {6, 11, 8});
  expect_f32(run_op("Mean", {a, b, c})[0], {3}, {2, 11.f / 3, 8.f / 3});
  // Single input: a copy.
  expect_f32(run_op("Sum", {a})[0], {3}, {3, 2, 1});
  expect_f32(run_op("Max", {a, b})[0], {3}, {3, 4, 4});
}

TEST(OpsBinary, VariadicBroadcastsAllInputs) {
  // [3] + [3] + [2,1]: the output shape comes from the last input.
  const auto out = run_op(
      "Sum", {make_f32({3}, {1, 2, 3}), make_f32({3}, {10, 10, 10}), make_f32({2, 1}, {100, 200})});
  expect_f32(out[0], {2, 3}, {111, 112, 113, 211, 212, 213});
  expect_i64(run_op("Max", {make_i64({2}, {1, 9}), scalar_i64(5)})[0], {2}, {5, 9});
}

TEST(OpsBinary, MinMaxPropagateNaN) {
  expect_f32(run_op("Max", {make_f32({2}, {NAN, 1}), make_f32({2}, {1, NAN})})[0], {2}, {NAN, NAN});
  expect_f32(run_op("Min", {make_f32({2}, {NAN, 1}), make_f32({2}, {1, NAN})})[0], {2}, {NAN, NAN});
}

TEST(OpsBinary, Comparisons) {
  Tensor x = make_f32({3}, {1, 2, 3});
  Tensor y = make_f32({3}, {3, 2, 1});
  expect_bool(run_op("Equal", {x, y})[0], {3}, {0, 1, 0});
  expect_bool(run_op("Less", {x, y})[0], {3}, {1, 0, 0});
  expect_bool(run_op("LessOrEqual", {x, y})[0], {3}, {1, 1, 0});
  expect_bool(run_op("Greater", {x, y})[0], {3}, {0, 0, 1});
  expect_bool(run_op("GreaterOrEqual", {x, y})[0], {3}, {0, 1, 1});
  // Broadcast [2,2] vs [2]; int64 and bool operands.
  expect_bool(run_op("Greater", {make_i64({2, 2}, {1, 5, 3, 2}), make_i64({2}, {2, 2})})[0], {2, 2},
              {0, 1, 1, 0});
  expect_bool(run_op("Equal", {make_i64({3}, {1, -1, 4}), scalar_i64(-1)})[0], {3}, {0, 1, 0});
  expect_bool(run_op("Equal", {make_bool({2}, {1, 0}), make_bool({2}, {1, 1})})[0], {2}, {1, 0});
}

TEST(OpsBinary, LogicalOps) {
  Tensor x = make_bool({2, 2}, {0, 0, 1, 1});
  Tensor y = make_bool({2}, {0, 1});
  expect_bool(run_op("And", {x, y})[0], {2, 2}, {0, 0, 0, 1});
  expect_bool(run_op("Or", {x, y})[0], {2, 2}, {0, 1, 1, 1});
  expect_bool(run_op("Xor", {x, y})[0], {2, 2}, {0, 1, 1, 0});
  expect_bool(run_op("Not", {x})[0], {2, 2}, {1, 1, 0, 0});
  expect_op_error("And", {make_f32({1}, {1}), y}, {}, "must be bool");
}

TEST(OpsBinary, BitShiftSpecExamples) {
  Tensor x = Tensor::from_vector<uint8_t>(DataType::kUInt8, {3}, {16, 4, 1});
  Tensor y = Tensor::from_vector<uint8_t>(DataType::kUInt8, {3}, {1, 2, 3});
  expect_values<uint8_t>(run_op("BitShift", {x, y}, {{"direction", std::string("RIGHT")}})[0],
                         DataType::kUInt8, {3}, {8, 1, 0});
  expect_values<uint8_t>(run_op("BitShift", {x, y}, {{"direction", std::string("LEFT")}})[0],
                         DataType::kUInt8, {3}, {32, 16, 8});
  expect_op_error("BitShift", {x, y}, {}, "direction");
}

TEST(OpsBinary, BadBroadcastNamesNode) {
  expect_op_error("Add", {make_f32({2, 3}, {1, 2, 3, 4, 5, 6}), make_f32({2}, {1, 2})}, {},
                  "cannot broadcast shapes [2,3] and [2]");
  expect_op_error("Sum", {make_f32({2}, {1, 2}), make_f32({2}, {1, 2}), make_f32({3}, {1, 2, 3})},
                  {}, "cannot broadcast");
}

TEST(OpsBinary, MismatchedElementTypesNameNode) {
  expect_op_error("Add", {make_f32({1}, {1}), make_i64({1}, {1})}, {}, "element type i64");
  expect_op_error("Equal", {make_i32({1}, {1}), make_i64({1}, {1})}, {}, "element type i64");
}

}  // namespace
}  // namespace qrt::test
