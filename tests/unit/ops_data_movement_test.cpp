// Data movement ops on the reference backend: Transpose, Concat, Split, Slice, Gather,
// GatherElements, Where, Cast, EyeLike, CumSum.
#include <limits>

#include "unit/ops_test_helpers.h"

namespace qrt::test {
namespace {

// The elements of a row-major tensor of `shape` filled by iota_f32, at the cartesian product
// of the per-dimension index lists.
std::vector<float> pick(const std::vector<int64_t>& shape,
                        const std::vector<std::vector<int64_t>>& indices) {
  std::vector<float> out = {0};
  for (size_t d = 0; d < shape.size(); ++d) {
    std::vector<float> next;
    for (float base : out)
      for (int64_t i : indices[d]) next.push_back(base * static_cast<float>(shape[d]) + i);
    out = next;
  }
  return out;
}

TEST(OpsTranspose, DefaultAndExplicitPerm) {
  const Tensor x = iota_f32({2, 3, 4});
  const auto reversed = run_op("Transpose", {x})[0];
  EXPECT_EQ(reversed.shape(), (std::vector<int64_t>{4, 3, 2}));
  const auto v = f32_values(reversed);
  for (int64_t k = 0; k < 4; ++k)
    for (int64_t j = 0; j < 3; ++j)
      for (int64_t i = 0; i < 2; ++i)
        EXPECT_EQ(v[static_cast<size_t>((k * 3 + j) * 2 + i)],
                  static_cast<float>(i * 12 + j * 4 + k));
  const auto swapped = run_op("Transpose", {make_i64({2, 3}, {1, 2, 3, 4, 5, 6})},
                              {{"perm", std::vector<int64_t>{1, 0}}})[0];
  expect_i64(swapped, {3, 2}, {1, 4, 2, 5, 3, 6});
  expect_op_error("Transpose", {x}, {{"perm", std::vector<int64_t>{0, 0, 1}}}, "not a permutation");
}

TEST(OpsConcat, SpecExamplesAndShapeVectors) {
  expect_f32(
      run_op("Concat", {make_f32({2}, {1, 2}), make_f32({2}, {3, 4})}, {{"axis", int64_t{0}}})[0],
      {4}, {1, 2, 3, 4});
  const Tensor a = make_f32({2, 2}, {1, 2, 3, 4});
  const Tensor b = make_f32({2, 2}, {5, 6, 7, 8});
  expect_f32(run_op("Concat", {a, b}, {{"axis", int64_t{0}}})[0], {4, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  expect_f32(run_op("Concat", {a, b}, {{"axis", int64_t{1}}})[0], {2, 4}, {1, 2, 5, 6, 3, 4, 7, 8});
  expect_f32(run_op("Concat", {a, b}, {{"axis", int64_t{-1}}})[0], {2, 4},
             {1, 2, 5, 6, 3, 4, 7, 8});
  // Exporter pattern: Concat(Unsqueeze(batch), [-1], [64]).
  expect_i64(run_op("Concat", {make_i64({1}, {8}), make_i64({1}, {-1}), make_i64({1}, {64})},
                    {{"axis", int64_t{0}}})[0],
             {3}, {8, -1, 64});
  // A zero-size input contributes nothing.
  expect_f32(run_op("Concat", {make_f32({0}, {}), make_f32({1}, {5})}, {{"axis", int64_t{0}}})[0],
             {1}, {5});
}

TEST(OpsConcat, Errors) {
  const Tensor a = make_f32({2, 2}, {1, 2, 3, 4});
  expect_op_error("Concat", {a, make_f32({4}, {1, 2, 3, 4})}, {{"axis", int64_t{0}}},
                  "input 1 of shape [4] does not match");
  expect_op_error("Concat", {a, make_f32({2, 3}, {1, 2, 3, 4, 5, 6})}, {{"axis", int64_t{0}}},
                  "does not match");
  expect_op_error("Concat", {a, a}, {}, "axis");
  expect_op_error("Concat", {a, a}, {{"axis", int64_t{2}}}, "out of range");
}

TEST(OpsSplit, SpecExamples) {
  const Tensor x = make_f32({6}, {1, 2, 3, 4, 5, 6});
  auto equal = run_op("Split", {x}, {}, 3);
  expect_f32(equal[0], {2}, {1, 2});
  expect_f32(equal[1], {2}, {3, 4});
  expect_f32(equal[2], {2}, {5, 6});
  auto variable = run_op("Split", {x, make_i64({2}, {2, 4})}, {}, 2);
  expect_f32(variable[0], {2}, {1, 2});
  expect_f32(variable[1], {4}, {3, 4, 5, 6});
  // 2-D along axis 1 (and -1).
  const Tensor m = make_f32({2, 6}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  for (int64_t axis : {1, -1}) {
    auto parts = run_op("Split", {m, make_i64({2}, {2, 4})}, {{"axis", axis}}, 2);
    expect_f32(parts[0], {2, 2}, {1, 2, 7, 8});
    expect_f32(parts[1], {2, 4}, {3, 4, 5, 6, 9, 10, 11, 12});
  }
  // split_1d_uneven_split_opset18: num_outputs lets the last part be smaller.
  auto uneven =
      run_op("Split", {make_f32({7}, {1, 2, 3, 4, 5, 6, 7})}, {{"num_outputs", int64_t{4}}}, 4);
  expect_f32(uneven[0], {2}, {1, 2});
  expect_f32(uneven[3], {1}, {7});
  // Zero-size parts.
  auto zeros = run_op("Split", {x, make_i64({2}, {0, 6})}, {}, 2);
  EXPECT_EQ(zeros[0].shape(), (std::vector<int64_t>{0}));
  expect_f32(zeros[1], {6}, {1, 2, 3, 4, 5, 6});
}

TEST(OpsSplit, Errors) {
  const Tensor x = make_f32({7}, {1, 2, 3, 4, 5, 6, 7});
  expect_op_error("Split", {x}, {}, "cannot be split evenly", 2);
  expect_op_error("Split", {x, make_i64({2}, {3, 3})}, {}, "does not sum to", 2);
  expect_op_error("Split", {x, make_i64({3}, {3, 3, 1})}, {}, "3 sizes for 2 outputs", 2);
}

TEST(OpsSlice, SpecExamples) {
  const std::vector<int64_t> shape = {20, 10, 5};
  const Tensor x = iota_f32(shape);
  auto range = [](int64_t start, int64_t end, int64_t step = 1) {
    std::vector<int64_t> r;
    for (int64_t i = start; step > 0 ? i < end : i > end; i += step) r.push_back(i);
    return r;
  };
  auto slice = [&](std::vector<int64_t> starts, std::vector<int64_t> ends,
                   std::vector<int64_t> axes = {}, std::vector<int64_t> steps = {}) {
    const auto n = static_cast<int64_t>(starts.size());
    std::vector<Tensor> inputs = {x, make_i64({n}, starts), make_i64({n}, ends)};
    if (!axes.empty() || !steps.empty())
      inputs.push_back(axes.empty() ? Tensor() : make_i64({n}, axes));
    if (!steps.empty()) inputs.push_back(make_i64({n}, steps));
    return run_op("Slice", inputs)[0];
  };
  const auto all20 = range(0, 20), all10 = range(0, 10), all5 = range(0, 5);
  auto expect_picked = [&](const Tensor& out, std::vector<std::vector<int64_t>> idx) {
    std::vector<int64_t> out_shape;
    for (const auto& i : idx) out_shape.push_back(static_cast<int64_t>(i.size()));
    expect_f32(out, out_shape, pick(shape, idx));
  };
  expect_picked(slice({0, 0}, {3, 10}, {0, 1}, {1, 1}), {range(0, 3), all10, all5});
  expect_picked(slice({0}, {-1}, {1}, {1}), {all20, range(0, 9), all5});  // slice_neg
  expect_picked(slice({20, 10, 4}, {0, 0, 1}, {0, 1, 2}, {-1, -3, -2}),
                {range(19, 0, -1), range(9, 0, -3), range(4, 1, -2)});  // slice_neg_steps
  expect_picked(slice({1000}, {1000}, {1}, {1}), {all20, {}, all5});    // start out of bounds
  expect_picked(slice({1}, {1000}, {1}, {1}), {all20, range(1, 10), all5});
  expect_picked(slice({0, 0, 3}, {20, 10, 4}), {all20, all10, range(3, 4)});  // default axes
  expect_picked(slice({0, 0, 3}, {20, 10, 4}, {0, 1, 2}), {all20, all10, range(3, 4)});
  expect_picked(slice({0, 3}, {20, 4}, {-3, -1}), {all20, all10, range(3, 4)});  // negative axes
  const int64_t kMax = std::numeric_limits<int64_t>::max();
  const int64_t kMin = std::numeric_limits<int64_t>::min();
  expect_picked(slice({1}, {kMax}, {1}), {all20, range(1, 10), all5});
  // Full reversal, as exporters write flip: start -1, end INT64_MIN, step -1.
  expect_picked(slice({-1}, {kMin}, {2}, {-1}), {all20, all10, range(4, -1, -1)});
  expect_picked(slice({kMin}, {kMax}, {0}, {7}), {range(0, 20, 7), all10, all5});
}

TEST(OpsSlice, Int64ShapeVectorAndErrors) {
  // shape[-2:] of a shape vector, as exporters do.
  const auto out = run_op("Slice", {make_i64({4}, {2, 8, 16, 64}), make_i64({1}, {-2}),
                                    make_i64({1}, {std::numeric_limits<int64_t>::max()})})[0];
  expect_i64(out, {2}, {16, 64});
  const Tensor x = iota_f32({4});
  expect_op_error("Slice",
                  {x, make_i64({1}, {0}), make_i64({1}, {2}), Tensor(), make_i64({1}, {0})}, {},
                  "steps must not be 0");
  expect_op_error("Slice", {x, make_i64({1}, {0}), make_i64({2}, {2, 3})}, {}, "same length");
  expect_op_error("Slice", {x, make_i64({1}, {0}), make_i64({1}, {2}), make_i64({1}, {1})}, {},
                  "out of range");
}

TEST(OpsGather, SpecExamples) {
  const std::vector<int64_t> shape = {5, 4, 3, 2};
  const Tensor data = iota_f32(shape);
  const auto all4 = std::vector<int64_t>{0, 1, 2, 3}, all3 = std::vector<int64_t>{0, 1, 2};
  const auto all2 = std::vector<int64_t>{0, 1};
  expect_f32(run_op("Gather", {data, make_i64({3}, {0, 1, 3})})[0], {3, 4, 3, 2},
             pick(shape, {{0, 1, 3}, all4, all3, all2}));
  expect_f32(run_op("Gather", {data, make_i64({3}, {0, 1, 3})}, {{"axis", int64_t{1}}})[0],
             {5, 3, 3, 2}, pick(shape, {{0, 1, 2, 3, 4}, {0, 1, 3}, all3, all2}));
  // gather_2d_indices: [3,3] data, [1,2] indices on axis 1 -> [3,1,2].
  expect_f32(
      run_op("Gather", {iota_f32({3, 3}), make_i64({1, 2}, {0, 2})}, {{"axis", int64_t{1}}})[0],
      {3, 1, 2}, {0, 2, 3, 5, 6, 8});
  // gather_negative_indices, int32 indices.
  expect_f32(run_op("Gather", {iota_f32({10}), make_i32({3}, {0, -9, -10})})[0], {3}, {0, 1, 0});
  // A scalar index into a shape vector gives a scalar (exporter: Gather(Shape(x), 0)).
  expect_i64(run_op("Gather", {make_i64({3}, {8, 128, 768}), scalar_i64(-1)})[0], {}, {768});
  expect_op_error("Gather", {iota_f32({3}), make_i64({1}, {3})}, {}, "index 3 is out of range");
  expect_op_error("Gather", {iota_f32({3}), make_f32({1}, {0})}, {}, "int32 or int64");
}

TEST(OpsGatherElements, SpecExamples) {
  expect_f32(
      run_op("GatherElements", {make_f32({2, 2}, {1, 2, 3, 4}), make_i64({2, 2}, {0, 0, 1, 0})},
             {{"axis", int64_t{1}}})[0],
      {2, 2}, {1, 1, 4, 3});
  const Tensor data = make_f32({3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  expect_f32(run_op("GatherElements", {data, make_i64({2, 3}, {1, 2, 0, 2, 0, 0})})[0], {2, 3},
             {4, 8, 3, 7, 2, 3});
  expect_f32(run_op("GatherElements", {data, make_i64({2, 3}, {-1, -2, 0, -2, 0, 0})})[0], {2, 3},
             {7, 5, 3, 4, 2, 3});
  expect_op_error("GatherElements", {data, make_i64({3}, {0, 0, 0})}, {}, "same rank");
  expect_op_error("GatherElements", {data, make_i64({1, 1}, {3})}, {}, "out of range");
}

TEST(OpsWhere, SpecExamplesAndBroadcast) {
  const Tensor cond = make_bool({2, 2}, {1, 0, 1, 1});
  expect_f32(
      run_op("Where", {cond, make_f32({2, 2}, {1, 2, 3, 4}), make_f32({2, 2}, {9, 8, 7, 6})})[0],
      {2, 2}, {1, 8, 3, 4});
  // Three-way broadcast: cond [2,1], x [3], y scalar -> [2,3]; int64 values.
  expect_i64(
      run_op("Where", {make_bool({2, 1}, {1, 0}), make_i64({3}, {1, 2, 3}), scalar_i64(-1)})[0],
      {2, 3}, {1, 2, 3, -1, -1, -1});
  expect_op_error("Where", {make_f32({1}, {1}), make_f32({1}, {1}), make_f32({1}, {1})}, {},
                  "condition (input 0) must be bool");
  expect_op_error("Where", {cond, make_f32({3}, {1, 2, 3}), make_f32({1}, {1})}, {},
                  "cannot broadcast");
}

Tensor cast(const Tensor& x, int64_t to) { return run_op("Cast", {x}, {{"to", to}})[0]; }

TEST(OpsCast, FloatToIntegerTruncatesTowardZero) {
  const Tensor x = make_f32({5}, {-1.7f, 1.7f, 2.5f, -0.5f, NAN});
  expect_i64(cast(x, 7), {5}, {-1, 1, 2, 0, 0});
  expect_values<int32_t>(cast(x, 6), DataType::kInt32, {5}, {-1, 1, 2, 0, 0});
  expect_values<int8_t>(cast(make_f32({2}, {300, -129}), 3), DataType::kInt8, {2}, {44, 127});
  expect_values<int32_t>(cast(make_f64({2}, {1e10, -2.9}), 6), DataType::kInt32, {2},
                         {1410065408, -2});
}

TEST(OpsCast, BetweenFloatTypesAndBool) {
  const Tensor x = make_f32({4}, {1.f, -2.5f, 65504.f, 0.1f});
  const Tensor half = cast(x, 10);
  EXPECT_EQ(half.dtype(), DataType::kFloat16);
  expect_f32(cast(half, 1), {4}, {1.f, -2.5f, 65504.f, 0.0999755859375f});
  expect_f32(cast(cast(x, 16), 1), {4}, {1.f, -2.5f, 65536.f, 0.10009765625f});
  expect_values<double>(cast(x, 11), DataType::kFloat64, {4},
                        {1.0, -2.5, 65504.0, static_cast<double>(0.1f)});
  expect_bool(cast(make_f32({3}, {0, -0.f, 0.5f}), 9), {3}, {0, 0, 1});
  expect_f32(cast(make_bool({2}, {1, 0}), 1), {2}, {1, 0});
  expect_i64(cast(make_bool({2}, {1, 0}), 7), {2}, {1, 0});
}

TEST(OpsCast, IntegerConversions) {
  // int64 shape arithmetic often round-trips through float and int32.
  expect_f32(cast(make_i64({2}, {768, -3}), 1), {2}, {768, -3});
  expect_values<int32_t>(cast(make_i64({2}, {(int64_t{1} << 32) + 5, -1}), 6), DataType::kInt32,
                         {2}, {5, -1});
  expect_i64(cast(make_i32({2}, {-7, 7}), 7), {2}, {-7, 7});
  expect_i64(cast(make_i64({1}, {std::numeric_limits<int64_t>::max()}), 7), {1},
             {std::numeric_limits<int64_t>::max()});
  expect_bool(cast(make_i64({3}, {0, 2, -1}), 9), {3}, {0, 1, 1});
  expect_op_error("Cast", {make_f32({1}, {1})}, {{"to", int64_t{8}}}, "cannot cast to STRING");
  expect_op_error("Cast", {make_f32({1}, {1})}, {}, "to");
}

TEST(OpsEyeLike, DiagonalOffsetsAndDtype) {
  expect_f32(run_op("EyeLike", {iota_f32({3, 4})}, {{"k", int64_t{1}}})[0], {3, 4},
             {0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1});
  expect_f32(run_op("EyeLike", {iota_f32({3, 2})}, {{"k", int64_t{-1}}})[0], {3, 2},
             {0, 0, 1, 0, 0, 1});
  expect_i64(run_op("EyeLike", {iota_f32({2, 2})}, {{"dtype", int64_t{7}}})[0], {2, 2},
             {1, 0, 0, 1});
  expect_op_error("EyeLike", {iota_f32({3})}, {}, "must be 2-D");
}

TEST(OpsCumSum, SpecExamples) {
  const Tensor x = make_f32({5}, {1, 2, 3, 4, 5});
  const Tensor axis = scalar_i64(0);
  expect_f32(run_op("CumSum", {x, axis})[0], {5}, {1, 3, 6, 10, 15});
  expect_f32(run_op("CumSum", {x, axis}, {{"exclusive", int64_t{1}}})[0], {5}, {0, 1, 3, 6, 10});
  expect_f32(run_op("CumSum", {x, axis}, {{"reverse", int64_t{1}}})[0], {5}, {15, 14, 12, 9, 5});
  expect_f32(run_op("CumSum", {x, axis}, {{"reverse", int64_t{1}}, {"exclusive", int64_t{1}}})[0],
             {5}, {14, 12, 9, 5, 0});
  const Tensor m = make_f32({2, 3}, {1, 2, 3, 4, 5, 6});
  expect_f32(run_op("CumSum", {m, scalar_i64(0)})[0], {2, 3}, {1, 2, 3, 5, 7, 9});
  expect_f32(run_op("CumSum", {m, make_i32({}, {-1})})[0], {2, 3}, {1, 3, 6, 4, 9, 15});
  expect_i64(run_op("CumSum", {make_i64({3}, {1, 1, 1}), axis})[0], {3}, {1, 2, 3});
  expect_op_error("CumSum", {m, scalar_i64(2)}, {}, "out of range");
}

}  // namespace
}  // namespace qrt::test
