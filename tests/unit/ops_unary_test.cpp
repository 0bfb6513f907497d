// Elementwise unary math and activation ops on the reference backend (ONNX spec examples).
#include <cmath>
#include <limits>

#include "unit/ops_test_helpers.h"

namespace qrt::test {
namespace {

struct UnaryCase {
  const char* op;
  std::vector<float> x;
  std::vector<float> expected;
  std::map<std::string, ir::AttributeValue> attrs = {};
  friend void PrintTo(const UnaryCase& c, std::ostream* os) { *os << c.op; }
};

class OpsUnary : public ::testing::TestWithParam<UnaryCase> {};

TEST_P(OpsUnary, MatchesSpec) {
  const UnaryCase& c = GetParam();
  const int64_t n = static_cast<int64_t>(c.x.size());
  expect_f32(run_op(c.op, {make_f32({n}, c.x)}, c.attrs)[0], {n}, c.expected, 1e-6f);
}

const float kInf = std::numeric_limits<float>::infinity();

INSTANTIATE_TEST_SUITE_P(
    Spec, OpsUnary,
    ::testing::Values(
        UnaryCase{"Sqrt", {1, 4, 9}, {1, 2, 3}},
        UnaryCase{"Exp", {-1, 0, 1}, {0.36787945f, 1, 2.71828175f}},
        UnaryCase{"Log", {1, 10}, {0, 2.30258512f}},
        UnaryCase{"Erf", {-1, 0, 1}, {-0.84270079f, 0, 0.84270079f}},
        UnaryCase{"Neg", {-4, 2}, {4, -2}}, UnaryCase{"Abs", {-4, 2, -0.5f}, {4, 2, 0.5f}},
        UnaryCase{"Reciprocal", {-4, 2}, {-0.25f, 0.5f}},
        UnaryCase{"Floor", {-1.5f, 1.2f, 2}, {-2, 1, 2}},
        UnaryCase{"Ceil", {-1.5f, 1.2f, 2}, {-1, 2, 2}},
        UnaryCase{"Round",
                  {0.1f, 0.5f, 0.9f, 1.2f, 1.5f, 1.8f, 2.3f, 2.5f, 2.7f, -1.1f, -1.5f, -1.9f, -2.2f,
                   -2.5f, -2.8f},
                  {0, 0, 1, 1, 2, 2, 2, 2, 3, -1, -2, -2, -2, -2, -3}},
        UnaryCase{"Sign", {-5, -0.5f, 0, 3, NAN}, {-1, -1, 0, 1, NAN}},
        UnaryCase{"Sin", {-1, 0, 1}, {-0.84147098f, 0, 0.84147098f}},
        UnaryCase{"Cos", {-1, 0, 1}, {0.54030231f, 1, 0.54030231f}},
        UnaryCase{"Tan", {-1, 0, 1}, {-1.55740772f, 0, 1.55740772f}},
        UnaryCase{"Atan", {-1, 0, 1}, {-0.78539816f, 0, 0.78539816f}},
        UnaryCase{"Asin", {-1, 0, 0.5f}, {-1.57079633f, 0, 0.52359878f}},
        UnaryCase{"Acos", {-1, 0, 0.5f}, {3.14159265f, 1.57079633f, 1.04719755f}},
        UnaryCase{"Relu", {-1, 0, 1, NAN}, {0, 0, 1, NAN}},
        UnaryCase{"LeakyRelu", {-1, 0, 1}, {-0.1f, 0, 1}, {{"alpha", 0.1f}}},
        UnaryCase{"LeakyRelu", {-1, 0, 1}, {-0.01f, 0, 1}},
        UnaryCase{"Elu", {-1, 0, 1}, {-1.2642411f, 0, 1}, {{"alpha", 2.f}}},
        UnaryCase{"Elu", {-1, 0, 1}, {-0.63212055f, 0, 1}},
        UnaryCase{"Selu", {-1, 0, 1}, {-3.79272318f, 0, 3}, {{"alpha", 2.f}, {"gamma", 3.f}}},
        UnaryCase{"Selu", {-1, 0, 1}, {-1.11133074f, 0, 1.05070102f}},
        UnaryCase{"Celu", {-1, 0, 1}, {-0.78693868f, 0, 1}, {{"alpha", 2.f}}},
        UnaryCase{"HardSigmoid", {-1, 0, 1}, {0.1f, 0.6f, 1}, {{"alpha", 0.5f}, {"beta", 0.6f}}},
        UnaryCase{"HardSigmoid", {-3, 0, 3}, {0, 0.5f, 1}},
        UnaryCase{"HardSwish", {-4, -1, 0, 1, 4}, {0, -1.f / 3, 0, 2.f / 3, 4}},
        UnaryCase{"Sigmoid", {-1, 0, 1, -200, 200}, {0.26894143f, 0.5f, 0.7310586f, 0, 1}},
        UnaryCase{"Tanh", {-1, 0, 1}, {-0.76159418f, 0, 0.76159418f}},
        UnaryCase{"Softplus", {-1, 0, 1, 100}, {0.31326166f, 0.69314718f, 1.31326163f, 100}},
        UnaryCase{"Softsign", {-1, 0, 1}, {-0.5f, 0, 0.5f}},
        UnaryCase{"ThresholdedRelu", {-2, 0, 1, 2.2f, 3}, {0, 0, 0, 2.2f, 3}, {{"alpha", 2.f}}},
        UnaryCase{"Mish", {-1, 0, 1}, {-0.30340147f, 0, 0.86509839f}},
        UnaryCase{"Gelu", {-1, 0, 1}, {-0.15865526f, 0, 0.84134474f}},
        UnaryCase{"Gelu",
                  {-1, 0, 1},
                  {-0.15880801f, 0, 0.84119199f},
                  {{"approximate", std::string("tanh")}}},
        UnaryCase{"Exp", {-kInf, kInf}, {0, kInf}}),
    [](const ::testing::TestParamInfo<UnaryCase>& param_info) {
      return std::string(param_info.param.op) + "_" + std::to_string(param_info.index);
    });

TEST(OpsUnaryTypes, Float64AndIntegerVariants) {
  expect_values<double>(run_op("Sqrt", {make_f64({2}, {2, 16})})[0], DataType::kFloat64, {2},
                        {std::sqrt(2.0), 4});
  expect_i64(run_op("Neg", {make_i64({2}, {3, -4})})[0], {2}, {-3, 4});
  expect_i64(run_op("Abs", {make_i64({2}, {3, -4})})[0], {2}, {3, 4});
  expect_values<int32_t>(run_op("Sign", {make_i32({3}, {-7, 0, 9})})[0], DataType::kInt32, {3},
                         {-1, 0, 1});
  expect_values<int32_t>(run_op("Relu", {make_i32({2}, {-7, 9})})[0], DataType::kInt32, {2},
                         {0, 9});
  // Shape [2,3] is kept.
  expect_f32(run_op("Neg", {make_f32({2, 3}, {1, 2, 3, 4, 5, 6})})[0], {2, 3},
             {-1, -2, -3, -4, -5, -6});
}

TEST(OpsUnaryTypes, UnsupportedElementTypeIsReported) {
  const std::string msg = error_message([] { run_op("Sqrt", {make_i64({1}, {4})}); });
  EXPECT_NE(msg.find("no reference kernel"), std::string::npos) << msg;
}

TEST(OpsPredicates, IsNaNAndIsInf) {
  expect_bool(run_op("IsNaN", {make_f32({4}, {3, NAN, 4, NAN})})[0], {4}, {0, 1, 0, 1});
  Tensor x = make_f32({6}, {-1.2f, NAN, kInf, 2.8f, -kInf, kInf});
  expect_bool(run_op("IsInf", {x})[0], {6}, {0, 0, 1, 0, 1, 1});
  expect_bool(run_op("IsInf", {x}, {{"detect_positive", int64_t{0}}})[0], {6}, {0, 0, 0, 0, 1, 0});
  expect_bool(run_op("IsInf", {x}, {{"detect_negative", int64_t{0}}})[0], {6}, {0, 0, 1, 0, 0, 1});
}

TEST(OpsClip, SpecExamples) {
  Tensor x = make_f32({3}, {-2, 0, 2});
  expect_f32(run_op("Clip", {x, scalar_f32(-1), scalar_f32(1)})[0], {3}, {-1, 0, 1});
  // clip_default_min / clip_default_max / no bounds.
  expect_f32(run_op("Clip", {x, Tensor(), scalar_f32(1)})[0], {3}, {-2, 0, 1});
  expect_f32(run_op("Clip", {x, scalar_f32(-1)})[0], {3}, {-1, 0, 2});
  expect_f32(run_op("Clip", {x})[0], {3}, {-2, 0, 2});
  // min > max: everything becomes max.
  expect_f32(run_op("Clip", {x, scalar_f32(2), scalar_f32(1)})[0], {3}, {1, 1, 1});
  expect_i64(run_op("Clip", {make_i64({3}, {-5, 3, 9}), scalar_i64(0), scalar_i64(6)})[0], {3},
             {0, 3, 6});
  expect_op_error("Clip", {x, make_f32({2}, {0, 1})}, {}, "min must be a scalar");
}

TEST(OpsPRelu, BroadcastSlope) {
  expect_f32(run_op("PRelu", {make_f32({4}, {-2, -1, 0, 1}), make_f32({1}, {0.5f})})[0], {4},
             {-1, -0.5f, 0, 1});
  // Per-channel slope [2,1,1] on [1,2,2,2].
  Tensor x = make_f32({1, 2, 2, 2}, {-1, 1, -1, 1, -1, 1, -1, 1});
  expect_f32(run_op("PRelu", {x, make_f32({2, 1, 1}, {0.1f, 0.2f})})[0], {1, 2, 2, 2},
             {-0.1f, 1, -0.1f, 1, -0.2f, 1, -0.2f, 1});
  expect_op_error("PRelu", {make_f32({2}, {1, 2}), make_f32({2, 2}, {1, 2, 3, 4})}, {},
                  "does not broadcast to X");
}

}  // namespace
}  // namespace qrt::test
