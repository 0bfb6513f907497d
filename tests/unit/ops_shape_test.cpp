// Shape-manipulating ops on the reference backend: Reshape, Flatten, Squeeze, Unsqueeze,
// Identity, Dropout, Shape, Size, Expand, Tile, Range, Constant, ConstantOfShape.

#include "unit/ops_test_helpers.h"

namespace qrt::test {
namespace {

std::vector<int64_t> reshape_result(const std::vector<int64_t>& in_shape,
                                    const std::vector<int64_t>& target, int64_t allowzero = 0) {
  const auto n = static_cast<int64_t>(target.size());
  const auto out =
      run_op("Reshape", {iota_f32(in_shape), make_i64({n}, target)}, {{"allowzero", allowzero}})[0];
  EXPECT_EQ(f32_values(out), f32_values(iota_f32(in_shape)));
  return out.shape();
}

TEST(OpsReshape, SpecExamples) {
  using Shape = std::vector<int64_t>;
  EXPECT_EQ(reshape_result({2, 3, 4}, {4, 2, 3}), (Shape{4, 2, 3}));
  EXPECT_EQ(reshape_result({2, 3, 4}, {2, 12}), (Shape{2, 12}));
  EXPECT_EQ(reshape_result({2, 3, 4}, {24}), (Shape{24}));
  EXPECT_EQ(reshape_result({2, 3, 4}, {2, 0, 4, 1}), (Shape{2, 3, 4, 1}));  // reshape_zero_dim
  EXPECT_EQ(reshape_result({2, 3, 4}, {2, -1, 2}), (Shape{2, 6, 2}));
  EXPECT_EQ(reshape_result({2, 3, 4}, {-1, 2, 3, 4}), (Shape{1, 2, 3, 4}));
  EXPECT_EQ(reshape_result({2, 3, 4}, {2, 0, 1, -1}), (Shape{2, 3, 1, 4}));
  EXPECT_EQ(reshape_result({0, 3, 4}, {3, 4, 0}, 1), (Shape{3, 4, 0}));  // allowzero
  EXPECT_EQ(reshape_result({1}, {}), (Shape{}));                         // to a scalar
}

TEST(OpsReshape, Errors) {
  const Tensor x = iota_f32({2, 3, 4});
  expect_op_error("Reshape", {x, make_i64({2}, {5, 5})}, {}, "cannot reshape [2,3,4]");
  expect_op_error("Reshape", {x, make_i64({2}, {-1, -1})}, {}, "two -1s");
  expect_op_error("Reshape", {x, make_i64({2}, {-1, 5})}, {}, "cannot reshape");
  expect_op_error("Reshape", {x, make_i64({4}, {2, 3, 4, 0})}, {}, "copies dimension 3");
  expect_op_error("Reshape", {x, make_i64({2}, {0, -1})}, {{"allowzero", int64_t{1}}},
                  "cannot reshape");
}

TEST(OpsFlatten, AxisVariants) {
  const Tensor x = iota_f32({2, 3, 4, 5});
  const std::vector<std::pair<int64_t, std::vector<int64_t>>> cases = {
      {0, {1, 120}}, {1, {2, 60}}, {2, {6, 20}}, {4, {120, 1}}, {-1, {24, 5}}, {-4, {1, 120}}};
  for (const auto& [axis, shape] : cases) {
    const auto out = run_op("Flatten", {x}, {{"axis", axis}})[0];
    EXPECT_EQ(out.shape(), shape) << "axis " << axis;
    EXPECT_EQ(f32_values(out), f32_values(x));
  }
  EXPECT_EQ(run_op("Flatten", {x})[0].shape(), (std::vector<int64_t>{2, 60}));
  expect_op_error("Flatten", {x}, {{"axis", int64_t{5}}}, "axis 5 is out of range");
}

TEST(OpsSqueeze, WithAndWithoutAxes) {
  EXPECT_EQ(run_op("Squeeze", {iota_f32({1, 3, 4, 5}), make_i64({1}, {0})})[0].shape(),
            (std::vector<int64_t>{3, 4, 5}));
  EXPECT_EQ(run_op("Squeeze", {iota_f32({1, 3, 1, 5}), make_i64({1}, {-2})})[0].shape(),
            (std::vector<int64_t>{1, 3, 5}));
  EXPECT_EQ(run_op("Squeeze", {iota_f32({1, 3, 1, 5})})[0].shape(), (std::vector<int64_t>{3, 5}));
  EXPECT_EQ(run_op("Squeeze", {iota_f32({1, 1})})[0].shape(), (std::vector<int64_t>{}));
  expect_op_error("Squeeze", {iota_f32({1, 3}), make_i64({1}, {1})}, {},
                  "cannot squeeze axis 1 of size 3");
  expect_op_error("Squeeze", {iota_f32({1, 3}), make_i64({1}, {2})}, {}, "out of range");
}

TEST(OpsUnsqueeze, SpecExamples) {
  const Tensor x = iota_f32({3, 4, 5});
  auto unsqueezed = [&](const Tensor& in, const std::vector<int64_t>& axes) {
    const auto out = run_op("Unsqueeze", {in, make_i64({static_cast<int64_t>(axes.size())}, axes)});
    EXPECT_EQ(f32_values(out[0]), f32_values(in));
    return out[0].shape();
  };
  using Shape = std::vector<int64_t>;
  EXPECT_EQ(unsqueezed(x, {0}), (Shape{1, 3, 4, 5}));
  EXPECT_EQ(unsqueezed(x, {3}), (Shape{3, 4, 5, 1}));
  EXPECT_EQ(unsqueezed(x, {2, 4, 5}), (Shape{3, 4, 1, 5, 1, 1}));
  EXPECT_EQ(unsqueezed(x, {5, 4, 2}), (Shape{3, 4, 1, 5, 1, 1}));  // unsorted
  EXPECT_EQ(unsqueezed(x, {0, 4}), (Shape{1, 3, 4, 5, 1}));
  EXPECT_EQ(unsqueezed(iota_f32({1, 3, 1, 5}), {-2}), (Shape{1, 3, 1, 1, 5}));
  EXPECT_EQ(unsqueezed(iota_f32({}), {0}), (Shape{1}));  // exporter: scalar -> [1]
  expect_op_error("Unsqueeze", {x, make_i64({2}, {1, 1})}, {}, "repeated");
  expect_op_error("Unsqueeze", {x, make_i64({1}, {4})}, {}, "out of range");
}

TEST(OpsIdentity, IdentityAndDropout) {
  const Tensor x = make_i64({2}, {7, -7});
  expect_i64(run_op("Identity", {x})[0], {2}, {7, -7});
  const auto outs = run_op("Dropout", {iota_f32({2, 2}), scalar_f32(0.5f)}, {}, 2);
  expect_f32(outs[0], {2, 2}, {0, 1, 2, 3});
  expect_bool(outs[1], {2, 2}, {1, 1, 1, 1});
}

TEST(OpsShapeOf, ShapeStartEndAndSize) {
  const Tensor x = iota_f32({3, 4, 5});
  auto shape_of = [&](std::map<std::string, ir::AttributeValue> attrs) {
    return i64_values(run_op("Shape", {x}, attrs)[0]);
  };
  using Ints = std::vector<int64_t>;
  EXPECT_EQ(shape_of({}), (Ints{3, 4, 5}));
  EXPECT_EQ(shape_of({{"start", int64_t{1}}}), (Ints{4, 5}));
  EXPECT_EQ(shape_of({{"end", int64_t{1}}}), (Ints{3}));
  EXPECT_EQ(shape_of({{"start", int64_t{-1}}}), (Ints{5}));
  EXPECT_EQ(shape_of({{"end", int64_t{-1}}}), (Ints{3, 4}));
  EXPECT_EQ(shape_of({{"start", int64_t{1}}, {"end", int64_t{2}}}), (Ints{4}));
  EXPECT_EQ(shape_of({{"start", int64_t{-10}}}), (Ints{3, 4, 5}));  // clamped
  EXPECT_EQ(shape_of({{"start", int64_t{10}}}), (Ints{}));
  EXPECT_EQ(shape_of({{"start", int64_t{2}}, {"end", int64_t{1}}}), (Ints{}));
  expect_i64(run_op("Size", {x})[0], {}, {60});
  expect_i64(run_op("Shape", {iota_f32({})})[0], {0}, {});
}

TEST(OpsExpand, SpecExamples) {
  // expand_dim_changed: [3,1] to [2,1,6].
  const auto out = run_op("Expand", {make_f32({3, 1}, {1, 2, 3}), make_i64({3}, {2, 1, 6})})[0];
  EXPECT_EQ(out.shape(), (std::vector<int64_t>{2, 3, 6}));
  const auto v = f32_values(out);
  for (size_t i = 0; i < v.size(); ++i) EXPECT_EQ(v[i], static_cast<float>(i / 6 % 3 + 1));
  // expand_dim_unchanged: [3,1] to [3,4].
  expect_f32(run_op("Expand", {make_f32({3, 1}, {1, 2, 3}), make_i64({2}, {3, 4})})[0], {3, 4},
             {1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3});
  // A requested 1 keeps the input's dimension; int64 data.
  expect_i64(run_op("Expand", {make_i64({2}, {5, 6}), make_i64({2}, {2, 1})})[0], {2, 2},
             {5, 6, 5, 6});
  expect_op_error("Expand", {make_f32({3}, {1, 2, 3}), make_i64({1}, {2})}, {}, "cannot broadcast");
}

TEST(OpsTile, SpecExamples) {
  expect_f32(run_op("Tile", {make_f32({2, 2}, {0, 1, 2, 3}), make_i64({2}, {2, 2})})[0], {4, 4},
             {0, 1, 0, 1, 2, 3, 2, 3, 0, 1, 0, 1, 2, 3, 2, 3});
  expect_i64(run_op("Tile", {make_i64({1, 2}, {4, 5}), make_i64({2}, {3, 1})})[0], {3, 2},
             {4, 5, 4, 5, 4, 5});
  EXPECT_EQ(run_op("Tile", {iota_f32({2, 3}), make_i64({2}, {0, 2})})[0].shape(),
            (std::vector<int64_t>{0, 6}));
  expect_op_error("Tile", {iota_f32({2, 3}), make_i64({1}, {2})}, {}, "one entry per dimension");
}

TEST(OpsRange, SpecExamples) {
  expect_f32(run_op("Range", {scalar_f32(1), scalar_f32(5), scalar_f32(2)})[0], {2}, {1, 3});
  expect_values<int32_t>(
      run_op("Range", {make_i32({}, {10}), make_i32({}, {6}), make_i32({}, {-3})})[0],
      DataType::kInt32, {2}, {10, 7});
  expect_i64(run_op("Range", {scalar_i64(0), scalar_i64(5), scalar_i64(1)})[0], {5},
             {0, 1, 2, 3, 4});
  expect_i64(run_op("Range", {scalar_i64(5), scalar_i64(0), scalar_i64(1)})[0], {0}, {});
  expect_f32(run_op("Range", {scalar_f32(0), scalar_f32(1), scalar_f32(0.3f)})[0], {4},
             {0, 0.3f, 0.6f, 0.9f});
  expect_op_error("Range", {scalar_i64(0), scalar_i64(5), scalar_i64(0)}, {}, "delta");
}

TEST(OpsConstant, ConstantAndConstantOfShape) {
  const Tensor value = make_i64({2}, {3, 4});
  expect_i64(run_op("Constant", {}, {{"value", value}})[0], {2}, {3, 4});
  expect_op_error("Constant", {}, {}, "value");

  expect_f32(run_op("ConstantOfShape", {make_i64({2}, {2, 3})})[0], {2, 3}, {0, 0, 0, 0, 0, 0});
  expect_f32(run_op("ConstantOfShape", {make_i64({2}, {1, 2})}, {{"value", make_f32({1}, {1})}})[0],
             {1, 2}, {1, 1});
  expect_values<int32_t>(
      run_op("ConstantOfShape", {make_i64({1}, {3})}, {{"value", make_i32({1}, {7})}})[0],
      DataType::kInt32, {3}, {7, 7, 7});
  expect_i64(run_op("ConstantOfShape", {make_i64({0}, {})}, {{"value", make_i64({1}, {9})}})[0], {},
             {9});
  expect_op_error("ConstantOfShape", {make_i64({1}, {-1})}, {}, "negative");
}

}  // namespace
}  // namespace qrt::test
