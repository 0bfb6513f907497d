// BatchNormalization, InstanceNormalization and LayerNormalization against direct formulas.
#include <gtest/gtest.h>

#include <cmath>

#include "ops_test_helpers.h"

namespace qrt {
namespace {

using namespace test;

const float* f(const Tensor& t) { return t.data_as<float>(); }

TEST(BatchNormalizationOp, MatchesFormula) {
  for (const Ints& shape : {Ints{2, 3, 4, 5}, Ints{4, 3}, Ints{2, 3, 7}}) {
    SCOPED_TRACE(shape_to_string(shape));
    const int64_t c = shape[1];
    const Tensor x = random_tensor(shape, 1, -3, 3);
    const Tensor scale = random_tensor({c}, 2), bias = random_tensor({c}, 3);
    const Tensor mean = random_tensor({c}, 4), var = random_tensor({c}, 5, 0.1f, 2.f);
    const float eps = 1e-3f;
    const auto y = run_op("BatchNormalization", {x, scale, bias, mean, var}, {{"epsilon", eps}});
    Tensor expected(DataType::kFloat32, shape);
    const int64_t size = x.numel() / (shape[0] * c);
    for (int64_t i = 0; i < x.numel(); ++i) {
      const int64_t ch = (i / size) % c;
      expected.data_as<float>()[i] =
          float((f(x)[i] - f(mean)[ch]) / std::sqrt(double(f(var)[ch]) + eps) * f(scale)[ch] +
                f(bias)[ch]);
    }
    EXPECT_LT(max_abs_diff(y[0], expected), 1e-5f);
  }
}

TEST(BatchNormalizationOp, Errors) {
  const Tensor x = random_tensor({1, 3, 2, 2}, 1);
  const Tensor p3 = random_tensor({3}, 2), p4 = random_tensor({4}, 3);
  try {
    run_op("BatchNormalization", {x, p3, p3, p4, p3});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(
        std::string(e.what()).find("BatchNormalization 'test_BatchNormalization': input_mean"),
        std::string::npos)
        << e.what();
  }
  EXPECT_THROW(run_op("BatchNormalization", {x, p3, p3, p3, p3}, {}, 3), Error);
  EXPECT_THROW(run_op("BatchNormalization", {x, p3, p3, p3, p3}, {{"training_mode", int64_t{1}}}),
               Error);
}

TEST(InstanceNormalizationOp, MatchesFormula) {
  const Ints shape{2, 3, 5, 4};
  const Tensor x = random_tensor(shape, 7, -2, 5);
  const Tensor scale = random_tensor({3}, 8), bias = random_tensor({3}, 9);
  const auto y = run_op("InstanceNormalization", {x, scale, bias}, {{"epsilon", 1e-4f}});
  Tensor expected(DataType::kFloat32, shape);
  for (int64_t p = 0; p < 6; ++p) {
    double mean = 0, var = 0;
    for (int64_t i = 0; i < 20; ++i) mean += f(x)[p * 20 + i] / 20.0;
    for (int64_t i = 0; i < 20; ++i) var += std::pow(f(x)[p * 20 + i] - mean, 2) / 20.0;
    for (int64_t i = 0; i < 20; ++i)
      expected.data_as<float>()[p * 20 + i] = float(
          (f(x)[p * 20 + i] - mean) / std::sqrt(var + 1e-4) * f(scale)[p % 3] + f(bias)[p % 3]);
  }
  EXPECT_LT(max_abs_diff(y[0], expected), 1e-5f);
  EXPECT_THROW(run_op("InstanceNormalization", {random_tensor({2, 3}, 1), scale, bias}), Error);
  EXPECT_THROW(run_op("InstanceNormalization", {x, random_tensor({2}, 1), bias}), Error);
}

// Normalizes x viewed as rows x size; scale and bias given per element of a row.
Tensor naive_layer_norm(const Tensor& x, int64_t size, const std::vector<float>& scale,
                        const std::vector<float>& bias, float eps, std::vector<float>* means,
                        std::vector<float>* inv_stds) {
  Tensor y(DataType::kFloat32, x.shape());
  for (int64_t r = 0; r < x.numel() / size; ++r) {
    double mean = 0, var = 0;
    for (int64_t i = 0; i < size; ++i) mean += f(x)[r * size + i] / double(size);
    for (int64_t i = 0; i < size; ++i) var += std::pow(f(x)[r * size + i] - mean, 2) / double(size);
    const double inv_std = 1 / std::sqrt(var + eps);
    for (int64_t i = 0; i < size; ++i)
      y.data_as<float>()[r * size + i] =
          float((f(x)[r * size + i] - mean) * inv_std * scale[i] + bias[i]);
    means->push_back(float(mean));
    inv_stds->push_back(float(inv_std));
  }
  return y;
}

TEST(LayerNormalizationOp, LastAxisWithStatistics) {
  const Tensor x = random_tensor({2, 3, 6}, 11, -4, 4);
  const Tensor scale = random_tensor({6}, 12), bias = random_tensor({6}, 13);
  const auto y = run_op("LayerNormalization", {x, scale, bias}, {{"epsilon", 1e-3f}}, 3);
  std::vector<float> means, inv_stds;
  const Tensor expected =
      naive_layer_norm(x, 6, std::vector<float>(f(scale), f(scale) + 6),
                       std::vector<float>(f(bias), f(bias) + 6), 1e-3f, &means, &inv_stds);
  EXPECT_LT(max_abs_diff(y[0], expected), 1e-5f);
  EXPECT_LT(max_abs_diff(y[1], make_f32({2, 3, 1}, means)), 1e-6f);
  EXPECT_LT(max_abs_diff(y[2], make_f32({2, 3, 1}, inv_stds)), 1e-4f);
}

TEST(LayerNormalizationOp, EarlierAxisBroadcastScaleNoBias) {
  // axis 1 of [2, 3, 4]: rows of 12; Scale [1, 4] broadcasts over the 3.
  const Tensor x = random_tensor({2, 3, 4}, 21);
  const Tensor scale = random_tensor({1, 4}, 22);
  const auto y = run_op("LayerNormalization", {x, scale}, {{"axis", int64_t{-2}}});
  std::vector<float> s, means, inv_stds;
  for (int i = 0; i < 12; ++i) s.push_back(f(scale)[i % 4]);
  const Tensor expected =
      naive_layer_norm(x, 12, s, std::vector<float>(12, 0.f), 1e-5f, &means, &inv_stds);
  EXPECT_LT(max_abs_diff(y[0], expected), 1e-5f);
}

TEST(LayerNormalizationOp, Errors) {
  const Tensor x = random_tensor({2, 3, 4}, 1);
  EXPECT_THROW(run_op("LayerNormalization", {x, random_tensor({3}, 2)}), Error);
  EXPECT_THROW(run_op("LayerNormalization", {x, random_tensor({4}, 2)}, {{"axis", int64_t{3}}}),
               Error);
}

}  // namespace
}  // namespace qrt
