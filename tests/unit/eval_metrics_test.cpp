// Metrics on hand-computed values: top-k accuracy, Dice / IoU, agreement between two runs.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "eval/metrics.h"
#include "onnx_test_util.h"

namespace qrt::eval {
namespace {

using qrt::test::expect_error;

Tensor f32(std::vector<int64_t> shape, std::vector<float> v) {
  return Tensor::from_vector(DataType::kFloat32, std::move(shape), v);
}
Tensor i64(std::vector<int64_t> v) {
  const auto n = static_cast<int64_t>(v.size());
  return Tensor::from_vector(DataType::kInt64, {n}, v);
}

TEST(TopKAccuracy, CountsOverBatches) {
  TopKAccuracy acc({1, 2});
  // Sample 0: label 2 is the max (top-1). Sample 1: label 0 is second (top-2).
  // Sample 2: label 1 is last (neither).
  acc.add(f32({3, 3}, {0.1f, 0.2f, 0.9f, 0.5f, 0.7f, 0.1f, 0.3f, 0.0f, 0.2f}), i64({2, 0, 1}));
  // Sample 3: a tie between classes 0 and 1 at the top: class 0 ranks first, class 1 second.
  acc.add(f32({1, 3}, {1.0f, 1.0f, 0.0f}), i64({1}));
  EXPECT_EQ(acc.samples(), 4);
  EXPECT_EQ(acc.correct(1), 1);
  EXPECT_EQ(acc.correct(2), 3);
  EXPECT_DOUBLE_EQ(acc.accuracy(1), 0.25);
  EXPECT_DOUBLE_EQ(acc.accuracy(2), 0.75);
  expect_error([&] { acc.accuracy(5); }, {"top-5"});
  expect_error([&] { acc.add(f32({1, 3}, {0, 0, 0}), i64({3})); }, {"label 3", "3 classes"});
  expect_error([&] { acc.add(f32({2, 3}, {0, 0, 0, 0, 0, 0}), i64({1})); }, {"[2,3]", "[1]"});
  EXPECT_TRUE(std::isnan(TopKAccuracy().accuracy(1)));
}

TEST(TopKAccuracy, RankAndNaN) {
  const float logits[] = {0.5f, 2.0f, 0.5f, std::nanf("")};
  EXPECT_EQ(label_rank(logits, 4, 1), 0);
  EXPECT_EQ(label_rank(logits, 4, 0), 1);
  EXPECT_EQ(label_rank(logits, 4, 2), 2);  // tied with class 0, which comes first
  EXPECT_EQ(label_rank(logits, 4, 3), 4);  // NaN never counts as correct
  // Half-precision logits and [N, C, 1, 1] shapes are accepted.
  TopKAccuracy acc({1});
  Tensor half(DataType::kFloat16, {2, 2, 1, 1});
  const uint16_t values[] = {float_to_half(1), float_to_half(2), float_to_half(3),
                             float_to_half(-1)};
  std::memcpy(half.data(), values, sizeof(values));
  acc.add(half, i64({1, 1}));
  EXPECT_DOUBLE_EQ(acc.accuracy(1), 0.5);
}

TEST(SegmentationMetrics, DiceAndIouPerSampleMeans) {
  SegmentationMetrics m;
  // Sample 0 (2 x 2): P = {0, 1}, G = {1, 2}: dice = 2 * 1 / 4, iou = 1 / 3.
  // Sample 1: P = G = {} -> both 1.
  const Tensor logits = f32({2, 1, 2, 2}, {1.0f, 0.5f, 0.0f, -1.0f, -1, -2, 0, -3});
  const Tensor masks = Tensor::from_vector(DataType::kUInt8, {2, 2, 2},
                                           std::vector<uint8_t>{0, 1, 1, 0, 0, 0, 0, 0});
  m.add(logits, masks);
  EXPECT_DOUBLE_EQ(m.dice(), (0.5 + 1.0) / 2);
  EXPECT_DOUBLE_EQ(m.iou(), (1.0 / 3 + 1.0) / 2);
  // Two-channel logits: foreground where channel 1 > channel 0 (a tie is background).
  // P = {0, 3}, G = {0} (N x 1 x H x W mask): dice = 2 / 3, iou = 1 / 2.
  SegmentationMetrics two;
  two.add(f32({1, 2, 2, 2}, {0, 5, 1, 0, /*channel 1*/ 1, 5, 0, 2}),
          Tensor::from_vector(DataType::kUInt8, {1, 1, 2, 2}, std::vector<uint8_t>{1, 0, 0, 0}));
  EXPECT_DOUBLE_EQ(two.dice(), 2.0 / 3);
  EXPECT_DOUBLE_EQ(two.iou(), 0.5);
  // P = {} and G = {0}: both 0.
  SegmentationMetrics miss;
  miss.add(f32({1, 1, 1, 2}, {-1, -1}),
           Tensor::from_vector(DataType::kInt64, {1, 1, 2}, std::vector<int64_t>{1, 0}));
  EXPECT_DOUBLE_EQ(miss.dice(), 0);
  EXPECT_DOUBLE_EQ(miss.iou(), 0);
  expect_error(
      [&] {
        m.add(f32({1, 3, 2, 2}, std::vector<float>(12)), masks);
      },
      {"[1,3,2,2]", "[N, 1 or 2, H, W]"});
  EXPECT_TRUE(std::isnan(SegmentationMetrics().dice()));
}

TEST(Agreement, ErrorsCosineSnrAndTop1) {
  AgreementAccumulator acc;
  // Batch 1: [2, 2]; batch 2: [1, 2].
  acc.add(f32({2, 2}, {1, 2, 3, 4}), f32({2, 2}, {1, 2, 3, 5}));
  acc.add(f32({1, 2}, {2, 0}), f32({1, 2}, {0, 1}));
  const Agreement r = acc.result();
  EXPECT_EQ(r.samples, 3);
  EXPECT_EQ(r.elements, 6);
  EXPECT_EQ(r.predictions, 3);
  // argmax: (1, 1), (1, 1), (0, 1).
  EXPECT_DOUBLE_EQ(r.top1_agreement, 2.0 / 3);
  // |d| = 0, 0, 0, 1, 2, 1.
  EXPECT_DOUBLE_EQ(r.max_abs_error, 2);
  EXPECT_DOUBLE_EQ(r.mean_abs_error, 4.0 / 6);
  // a = (1,2,3,4,2,0), b = (1,2,3,5,0,1): a.b = 34, |a|^2 = 34, |b|^2 = 40, noise = 6.
  EXPECT_NEAR(r.cosine_similarity, 34.0 / std::sqrt(34.0 * 40.0), 1e-12);
  EXPECT_NEAR(r.snr_db, 10 * std::log10(34.0 / 6.0), 1e-12);
}

TEST(Agreement, EdgeCases) {
  AgreementAccumulator same;
  same.add(f32({1, 1, 2, 2}, {1, -1, 2, 0}), f32({1, 1, 2, 2}, {1, -1, 2, 0}));
  Agreement r = same.result();
  EXPECT_EQ(r.predictions, 4);  // one channel: per-pixel value > 0
  EXPECT_DOUBLE_EQ(r.top1_agreement, 1);
  EXPECT_DOUBLE_EQ(r.cosine_similarity, 1);
  EXPECT_TRUE(std::isinf(r.snr_db) && r.snr_db > 0);
  EXPECT_DOUBLE_EQ(r.max_abs_error, 0);
  AgreementAccumulator zeros;
  zeros.add(f32({1, 2}, {0, 0}), f32({1, 2}, {0, 1}));
  EXPECT_DOUBLE_EQ(zeros.result().cosine_similarity, 0);
  AgreementAccumulator nan;
  nan.add(f32({1, 2}, {0, 1}), f32({1, 2}, {std::nanf(""), 1}));
  EXPECT_TRUE(std::isnan(nan.result().max_abs_error));
  EXPECT_TRUE(std::isnan(nan.result().mean_abs_error));
  expect_error([&] { zeros.add(f32({1, 2}, {0, 0}), f32({2, 1}, {0, 0})); }, {"[1,2]", "[2,1]"});
}

}  // namespace
}  // namespace qrt::eval
