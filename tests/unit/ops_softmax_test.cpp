// Softmax and LogSoftmax, in opset-13 form and in the qrt_coerce_2d (opset < 13) form.
#include <gtest/gtest.h>

#include <cmath>

#include "ops_test_helpers.h"

namespace qrt {
namespace {

using namespace test;

// Softmax (or log-softmax) over x viewed as outer x n x inner, normalizing over n.
Tensor naive_softmax(const Tensor& x, int64_t outer, int64_t n, int64_t inner, bool log) {
  Tensor y(DataType::kFloat32, x.shape());
  const float* xp = x.data_as<float>();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < inner; ++j) {
      double sum = 0;
      for (int64_t a = 0; a < n; ++a) sum += std::exp(double(xp[(o * n + a) * inner + j]));
      for (int64_t a = 0; a < n; ++a) {
        const double v = xp[(o * n + a) * inner + j];
        y.data_as<float>()[(o * n + a) * inner + j] =
            float(log ? v - std::log(sum) : std::exp(v) / sum);
      }
    }
  return y;
}

TEST(SoftmaxOp, AxisSemantics) {
  const Tensor x = random_tensor({2, 3, 4, 5}, 1, -3, 3);
  struct Case {
    Attrs attrs;
    int64_t outer, n, inner;
  };
  const std::vector<Case> cases = {
      {{}, 24, 5, 1},                      // default axis -1
      {{{"axis", int64_t{1}}}, 2, 3, 20},  // channel axis
      {{{"axis", int64_t{-3}}}, 2, 3, 20},
      {{{"axis", int64_t{0}}}, 1, 2, 60},
      {{{"qrt_coerce_2d", int64_t{1}}}, 2, 60, 1},  // old default axis 1, flattened
      {{{"qrt_coerce_2d", int64_t{1}}, {"axis", int64_t{2}}}, 6, 20, 1},
      {{{"qrt_coerce_2d", int64_t{1}}, {"axis", int64_t{-1}}}, 24, 5, 1},
  };
  for (const Case& c : cases)
    for (bool log : {false, true}) {
      SCOPED_TRACE(std::to_string(c.outer) + "x" + std::to_string(c.n) + "x" +
                   std::to_string(c.inner) + (log ? " log" : ""));
      const auto y = run_op(log ? "LogSoftmax" : "Softmax", {x}, c.attrs);
      EXPECT_LT(max_abs_diff(y[0], naive_softmax(x, c.outer, c.n, c.inner, log)), 1e-5f);
    }
}

TEST(SoftmaxOp, LargeValuesAreStable) {
  const Tensor x = make_f32({1, 3}, {1000.f, 1001.f, 1002.f});
  const auto y = run_op("Softmax", {x});
  const auto ly = run_op("LogSoftmax", {x});
  const double s = 1 + std::exp(1.0) + std::exp(2.0);
  EXPECT_LT(max_abs_diff(y[0], make_f32({1, 3}, {float(1 / s), float(std::exp(1.0) / s),
                                                 float(std::exp(2.0) / s)})),
            1e-6f);
  EXPECT_LT(max_abs_diff(ly[0], make_f32({1, 3}, {float(-std::log(s)), float(1 - std::log(s)),
                                                  float(2 - std::log(s))})),
            1e-5f);
}

TEST(SoftmaxOp, Float64AndErrors) {
  Tensor x(DataType::kFloat64, {2});
  x.data_as<double>()[0] = 0;
  x.data_as<double>()[1] = 0;
  EXPECT_EQ(run_op("Softmax", {x})[0].data_as<double>()[1], 0.5);
  EXPECT_THROW(run_op("Softmax", {random_tensor({2, 3}, 1)}, {{"axis", int64_t{2}}}), Error);
  EXPECT_THROW(run_op("LogSoftmax", {random_tensor({2, 3}, 1)}, {{"axis", int64_t{-3}}}), Error);
}

}  // namespace
}  // namespace qrt
