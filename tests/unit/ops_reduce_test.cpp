// ReduceXxx (axes as input, keepdims, noop_with_empty_axes) and ArgMax / ArgMin.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "ops_test_helpers.h"

namespace qrt {
namespace {

using namespace test;

struct NaiveReduce {
  const char* op;
  double init;
  std::function<double(double, double)> update;
  std::function<double(double, int64_t)> finish;
};

const std::vector<NaiveReduce>& naive_reduces() {
  auto id = [](double a, int64_t) { return a; };
  static const std::vector<NaiveReduce> ops = {
      {"ReduceSum", 0, [](double a, double x) { return a + x; }, id},
      {"ReduceMean", 0, [](double a, double x) { return a + x; },
       [](double a, int64_t n) { return a / double(n); }},
      {"ReduceMax", -INFINITY, [](double a, double x) { return std::max(a, x); }, id},
      {"ReduceMin", INFINITY, [](double a, double x) { return std::min(a, x); }, id},
      {"ReduceProd", 1, [](double a, double x) { return a * x; }, id},
      {"ReduceL1", 0, [](double a, double x) { return a + std::fabs(x); }, id},
      {"ReduceL2", 0, [](double a, double x) { return a + x * x; },
       [](double a, int64_t) { return std::sqrt(a); }},
      {"ReduceSumSquare", 0, [](double a, double x) { return a + x * x; }, id},
      {"ReduceLogSum", 0, [](double a, double x) { return a + x; },
       [](double a, int64_t) { return std::log(a); }},
      {"ReduceLogSumExp", 0, [](double a, double x) { return a + std::exp(x); },
       [](double a, int64_t) { return std::log(a); }},
  };
  return ops;
}

// Reduces a rank-4 tensor over the flagged dims; output laid out with reduced dims as 1.
Tensor naive_reduce(const Tensor& x, const std::vector<bool>& reduced, const NaiveReduce& op,
                    const Ints& out_shape) {
  const Ints& s = x.shape();
  Ints kept(4);
  for (int d = 0; d < 4; ++d) kept[d] = reduced[d] ? 1 : s[d];
  std::vector<double> acc(static_cast<size_t>(shape_numel(kept)), op.init);
  int64_t count = 1;
  for (int d = 0; d < 4; ++d)
    if (reduced[d]) count *= s[d];
  int64_t i = 0;
  for (int64_t a = 0; a < s[0]; ++a)
    for (int64_t b = 0; b < s[1]; ++b)
      for (int64_t c = 0; c < s[2]; ++c)
        for (int64_t d = 0; d < s[3]; ++d, ++i) {
          const int64_t o = (((reduced[0] ? 0 : a) * kept[1] + (reduced[1] ? 0 : b)) * kept[2] +
                             (reduced[2] ? 0 : c)) *
                                kept[3] +
                            (reduced[3] ? 0 : d);
          acc[o] = op.update(acc[o], x.data_as<float>()[i]);
        }
  Tensor y(DataType::kFloat32, out_shape);
  for (size_t j = 0; j < acc.size(); ++j) y.data_as<float>()[j] = float(op.finish(acc[j], count));
  return y;
}

TEST(ReduceOps, MatchNaiveOverAxesAndKeepdims) {
  const Ints shape{2, 3, 4, 5};
  // Positive inputs keep ReduceLogSum defined; the range keeps ReduceProd moderate.
  const Tensor x = random_tensor(shape, 5, 0.5f, 1.5f);
  const std::vector<Ints> axes_sets = {{}, {1}, {-1}, {0, 2}, {3, 1}, {0, 1, 2, 3}};
  for (const NaiveReduce& op : naive_reduces())
    for (const Ints& axes : axes_sets)
      for (int64_t keepdims : {0, 1}) {
        SCOPED_TRACE(std::string(op.op) + " axes " + shape_to_string(axes) + " keepdims " +
                     std::to_string(keepdims));
        std::vector<bool> reduced(4, axes.empty());
        for (int64_t a : axes) reduced[a < 0 ? a + 4 : a] = true;
        Ints out_shape;
        for (int d = 0; d < 4; ++d)
          if (!reduced[d] || keepdims) out_shape.push_back(reduced[d] ? 1 : shape[d]);
        const Tensor axes_t = axes.empty() ? Tensor() : make_i64({int64_t(axes.size())}, axes);
        const auto y = run_op(op.op, {x, axes_t}, {{"keepdims", keepdims}});
        const Tensor expected = naive_reduce(x, reduced, op, out_shape);
        ASSERT_EQ(y[0].shape(), out_shape);
        EXPECT_LT(max_abs_diff(y[0], expected),
                  2e-5f * std::max(1.f, std::fabs(expected.data_as<float>()[0])));
      }
}

TEST(ReduceOps, EmptyAxes) {
  const Tensor x = random_tensor({2, 3}, 1);
  // noop_with_empty_axes: identity, whether axes is omitted or an empty tensor.
  for (const Tensor& axes : {Tensor(), make_i64({0}, {})}) {
    const auto y = run_op("ReduceSum", {x, axes}, {{"noop_with_empty_axes", int64_t{1}}});
    EXPECT_EQ(max_abs_diff(y[0], x), 0.f);
    const auto all = run_op("ReduceMax", {x, axes}, {{"keepdims", int64_t{0}}});
    EXPECT_EQ(all[0].shape(), Ints{});
    EXPECT_EQ(all[0].data_as<float>()[0],
              *std::max_element(x.data_as<float>(), x.data_as<float>() + 6));
  }
}

TEST(ReduceOps, ZeroSizedReductionGivesIdentity) {
  const Tensor x(DataType::kFloat32, {2, 0});
  const Tensor axes = make_i64({1}, {1});
  EXPECT_EQ(max_abs_diff(run_op("ReduceSum", {x, axes})[0], make_f32({2, 1}, {0, 0})), 0.f);
  EXPECT_EQ(run_op("ReduceProd", {x, axes})[0].data_as<float>()[1], 1.f);
  EXPECT_EQ(run_op("ReduceMax", {x, axes})[0].data_as<float>()[0], -INFINITY);
}

TEST(ReduceOps, IntegerTypes) {
  const Tensor shape = make_i64({3}, {2, 3, 4});
  const auto prod = run_op("ReduceProd", {shape}, {{"keepdims", int64_t{0}}});
  ASSERT_EQ(prod[0].dtype(), DataType::kInt64);
  EXPECT_EQ(prod[0].data_as<int64_t>()[0], 24);
  const auto sum = run_op("ReduceSum", {make_i64({2, 2}, {1, 2, 3, 4}), make_i64({1}, {0})});
  EXPECT_EQ(sum[0].to_int64_vector(), (Ints{4, 6}));
  EXPECT_EQ(run_op("ReduceMin", {shape})[0].to_int64_vector(), Ints{2});
}

TEST(ReduceOps, Errors) {
  const Tensor x = random_tensor({2, 3}, 1);
  EXPECT_THROW(run_op("ReduceSum", {x, make_i64({1}, {2})}), Error);
  EXPECT_THROW(run_op("ReduceMean", {x, make_i64({2}, {1, -1})}), Error);
  try {
    run_op("ReduceL2", {x, make_i64({1}, {-3})});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ReduceL2 'test_ReduceL2': axis -3"), std::string::npos)
        << e.what();
  }
}

TEST(ArgReduceOps, AxesKeepdimsAndTies) {
  // Ties: row 0 has its max (5) twice and its min (1) twice.
  const Tensor x = make_f32({2, 4}, {5, 1, 5, 1, 0, 7, 3, -2});
  const auto am = run_op("ArgMax", {x}, {{"axis", int64_t{1}}});
  EXPECT_EQ(am[0].shape(), (Ints{2, 1}));
  EXPECT_EQ(am[0].to_int64_vector(), (Ints{0, 1}));
  EXPECT_EQ(run_op("ArgMax", {x}, {{"axis", int64_t{-1}}, {"select_last_index", int64_t{1}}})[0]
                .to_int64_vector(),
            (Ints{2, 1}));
  EXPECT_EQ(
      run_op("ArgMin", {x}, {{"axis", int64_t{1}}, {"keepdims", int64_t{0}}})[0].to_int64_vector(),
      (Ints{1, 3}));
  EXPECT_EQ(run_op("ArgMin", {x}, {{"axis", int64_t{1}}, {"select_last_index", int64_t{1}}})[0]
                .to_int64_vector(),
            (Ints{3, 3}));
  const auto a0 = run_op("ArgMax", {x}, {{"keepdims", int64_t{0}}});  // default axis 0
  EXPECT_EQ(a0[0].shape(), (Ints{4}));
  EXPECT_EQ(a0[0].to_int64_vector(), (Ints{0, 1, 0, 0}));
  EXPECT_EQ(run_op("ArgMax", {make_i64({3}, {4, 9, 2})})[0].to_int64_vector(), Ints{1});
}

TEST(ArgReduceOps, MiddleAxisMatchesNaive) {
  const Tensor x = random_tensor({3, 5, 4}, 9);
  const auto y = run_op("ArgMin", {x}, {{"axis", int64_t{1}}, {"keepdims", int64_t{0}}});
  ASSERT_EQ(y[0].shape(), (Ints{3, 4}));
  for (int64_t o = 0; o < 3; ++o)
    for (int64_t j = 0; j < 4; ++j) {
      int64_t best = 0;
      for (int64_t a = 1; a < 5; ++a)
        if (x.data_as<float>()[(o * 5 + a) * 4 + j] < x.data_as<float>()[(o * 5 + best) * 4 + j])
          best = a;
      EXPECT_EQ(y[0].data_as<int64_t>()[o * 4 + j], best);
    }
  EXPECT_THROW(run_op("ArgMax", {x}, {{"axis", int64_t{3}}}), Error);
}

}  // namespace
}  // namespace qrt
