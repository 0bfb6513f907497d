// Calibration statistics and the amax algorithms: binning, two-pass order/batch independence,
// known answers on synthetic distributions, and the entropy search against a literal transcription
// of TensorRT's published pseudocode.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "backends/reference/thread_pool.h"
#include "onnx_test_util.h"
#include "quant/calibrator.h"

namespace qrt::quant {
namespace {

using qrt::test::expect_error;

constexpr int kBins = TensorStats::kNumBins;

Tensor f32(const std::vector<float>& v) {
  return Tensor::from_vector(DataType::kFloat32, {static_cast<int64_t>(v.size())}, v);
}

TensorStats two_pass(const std::vector<float>& v) {
  TensorStats s;
  s.observe_range(f32(v));
  s.observe_histogram(f32(v));
  return s;
}

std::vector<float> gaussian(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

std::vector<float> uniform(size_t n, float lo, float hi, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// A million-value gaussian bulk with four far outliers (30 to 44 sigma).
std::vector<float> gaussian_with_outliers() {
  std::vector<float> v = gaussian(1000000, 7);
  v.insert(v.end(), {40.0f, 44.0f, -30.0f, -35.0f});
  return v;
}

AlgorithmOptions options(Algorithm a, double percentile = 99.99) {
  AlgorithmOptions o;
  o.algorithm = a;
  o.percentile = percentile;
  return o;
}

const Algorithm kAll[] = {Algorithm::kMinMax, Algorithm::kEntropy, Algorithm::kPercentile,
                          Algorithm::kMse};

TEST(QuantTensorStats, RangePassKeepsExactMinMaxAndSkipsNonFinite) {
  TensorStats s;
  s.observe_range(f32({1.5f, -3.25f, 0.0f}));
  s.observe_range(f32({2.0f, std::numeric_limits<float>::quiet_NaN(),
                       std::numeric_limits<float>::infinity(), -0.5f}));
  EXPECT_EQ(s.count(), 5);
  EXPECT_EQ(s.nonfinite_count(), 2);
  EXPECT_EQ(s.min(), -3.25f);
  EXPECT_EQ(s.max(), 2.0f);
  EXPECT_EQ(s.amax(), 3.25f);
  EXPECT_FALSE(s.has_histogram());
}

TEST(QuantTensorStats, EmptyAndAllZeroTensors) {
  TensorStats s;
  EXPECT_EQ(s.amax(), 0.0f);
  s.observe_range(Tensor(DataType::kFloat32, {0}));
  s.observe_range(f32({-0.0f, 0.0f}));
  EXPECT_EQ(s.count(), 2);
  EXPECT_EQ(s.amax(), 0.0f);
  EXPECT_FALSE(std::signbit(s.min()));
  s.observe_histogram(f32({-0.0f, 0.0f}));
  EXPECT_EQ(s.histogram()[0], 2);
  EXPECT_EQ(s.zero_count(), 2);
  for (Algorithm a : kAll) EXPECT_EQ(compute_amax(s, options(a)), 0.0f);
  EXPECT_EQ(scale_from_amax(0.0f), 1.0f / 127.0f);
  EXPECT_EQ(scale_from_amax(12.7f), 12.7f / 127.0f);
}

TEST(QuantTensorStats, HistogramBinsAbsoluteValuesOverPassOneRange) {
  TensorStats s;
  s.observe_range(f32({-8.0f, 4.0f}));
  // bin = floor(|x| / 8 * 2048); |x| == amax goes to the last bin.
  s.observe_histogram(f32({0.0f, 8.0f, -8.0f, 4.0f, -4.0f, 0.00390625f, 0.0039f, 7.999f}));
  const auto& h = s.histogram();
  ASSERT_EQ(h.size(), static_cast<size_t>(kBins));
  EXPECT_EQ(h[0], 2);  // 0 and 0.0039 (< one bin width, 8/2048 = 0.00390625)
  EXPECT_EQ(s.zero_count(), 1);
  EXPECT_EQ(h[1], 1);
  EXPECT_EQ(h[1024], 2);
  EXPECT_EQ(h[2047], 3);
  EXPECT_EQ(s.histogram_count(), 8);
  EXPECT_EQ(s.above_range_count(), 0);
  // Data beyond pass 1's range (it changed between the passes) is counted, in the last bin.
  s.observe_histogram(f32({100.0f}));
  EXPECT_EQ(s.above_range_count(), 1);
  EXPECT_EQ(h[2047], 4);
}

TEST(QuantTensorStats, HalfPrecisionInputMatchesItsFloatValues) {
  std::vector<float> values = gaussian(5000, 3);
  std::vector<uint16_t> half(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    half[i] = float_to_half(values[i]);
    values[i] = half_to_float(half[i]);
  }
  TensorStats from_half;
  const Tensor h = Tensor::from_vector(DataType::kFloat16, {50, 100}, half);
  from_half.observe_range(h);
  from_half.observe_histogram(h);
  const TensorStats from_float = two_pass(values);
  EXPECT_EQ(from_half.amax(), from_float.amax());
  EXPECT_EQ(from_half.histogram(), from_float.histogram());
}

TEST(QuantTensorStats, RejectsNonFloatTensorsAndRangeAfterHistogram) {
  TensorStats s;
  expect_error([&] { s.observe_range(Tensor(DataType::kInt8, {4})); }, {"floating-point", "i8"});
  s.observe_range(f32({1.0f}));
  s.observe_histogram(f32({1.0f}));
  expect_error([&] { s.observe_range(f32({2.0f})); }, {"histogram"});
}

// The point of the two passes: any batching and any order of the same values gives the same
// stats and therefore bit-identical amax for every algorithm.
TEST(QuantCalibrator, ResultsIndependentOfBatchSizeAndOrder) {
  const std::vector<float> values = gaussian_with_outliers();
  auto calibrate = [](const std::vector<float>& data, size_t batch) {
    Calibrator c;
    auto each_batch = [&](auto fn) {
      for (size_t start = 0; start < data.size(); start += batch) {
        const size_t n = std::min(batch, data.size() - start);
        fn(f32(std::vector<float>(data.begin() + start, data.begin() + start + n)));
      }
    };
    each_batch([&](const Tensor& t) { c.observe_range("x", t); });
    each_batch([&](const Tensor& t) { c.observe_histogram("x", t); });
    return c;
  };
  std::vector<float> shuffled = values;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(11));
  const Calibrator a = calibrate(values, 1000);
  const Calibrator b = calibrate(shuffled, 777);
  const Calibrator c = calibrate(shuffled, values.size());
  EXPECT_EQ(a.stats("x").histogram(), b.stats("x").histogram());
  EXPECT_EQ(a.stats("x").histogram(), c.stats("x").histogram());
  for (Algorithm alg : kAll) {
    const float amax = a.compute_amax(options(alg)).at("x");
    EXPECT_EQ(amax, b.compute_amax(options(alg)).at("x")) << algorithm_name(alg);
    EXPECT_EQ(amax, c.compute_amax(options(alg)).at("x")) << algorithm_name(alg);
  }
}

// Two calibrators over halves of the data, merged per pass, equal one over all of it.
TEST(QuantCalibrator, MergingPartialStatsEqualsOneRun) {
  const std::vector<float> values = gaussian_with_outliers();
  const std::vector<float> first(values.begin(), values.begin() + 300000);
  const std::vector<float> second(values.begin() + 300000, values.end());
  Calibrator whole, ranges_a, ranges_b;
  whole.observe_range("x", f32(values));
  whole.observe_histogram("x", f32(values));
  ranges_a.observe_range("x", f32(first));
  ranges_b.observe_range("x", f32(second));
  ranges_a.merge(ranges_b);
  Calibrator hist_b = ranges_a;  // both threads start pass 2 from the merged ranges
  ranges_a.observe_histogram("x", f32(first));
  hist_b.observe_histogram("x", f32(second));
  ranges_a.merge(hist_b);
  EXPECT_EQ(ranges_a.stats("x").histogram(), whole.stats("x").histogram());
  EXPECT_EQ(ranges_a.stats("x").zero_count(), whole.stats("x").zero_count());
  EXPECT_EQ(ranges_a.compute_amax(options(Algorithm::kEntropy)),
            whole.compute_amax(options(Algorithm::kEntropy)));
}

// Large tensors are summarised in slices on the thread pool: the result equals observing small
// pieces one by one, for any thread count, NaN, infinities and signed zeros included.
TEST(QuantTensorStats, SlicedLargeTensorsEqualSmallPiecesForAnyThreadCount) {
  std::vector<float> values = gaussian(1000003, 5);
  for (size_t i = 0; i < values.size(); i += 9973) values[i] = -0.0f;
  values[300001] = std::numeric_limits<float>::quiet_NaN();
  values[700001] = -std::numeric_limits<float>::infinity();
  TensorStats pieces;
  for (size_t start = 0; start < values.size(); start += 1000)
    pieces.observe_range(f32(std::vector<float>(
        values.begin() + start, values.begin() + std::min(values.size(), start + 1000))));
  // The histogram pass also sees values above pass 1's range.
  std::vector<float> wider = values;
  wider[5] = 100.0f;
  for (size_t start = 0; start < wider.size(); start += 1000)
    pieces.observe_histogram(f32(std::vector<float>(
        wider.begin() + start, wider.begin() + std::min(wider.size(), start + 1000))));
  auto& pool = reference::ThreadPool::instance();
  const int threads = pool.threads();
  for (int t : {1, 3}) {
    pool.set_threads(t);
    TensorStats whole;
    whole.observe_range(f32(values));
    whole.observe_histogram(f32(wider));
    EXPECT_EQ(whole.count(), pieces.count()) << t;
    EXPECT_EQ(whole.nonfinite_count(), 2) << t;
    EXPECT_EQ(whole.min(), pieces.min()) << t;
    EXPECT_EQ(whole.max(), pieces.max()) << t;
    EXPECT_EQ(whole.histogram(), pieces.histogram()) << t;
    EXPECT_EQ(whole.zero_count(), pieces.zero_count()) << t;
    EXPECT_EQ(whole.above_range_count(), 1) << t;
  }
  pool.set_threads(threads);
}

TEST(QuantTensorStats, StatsFromElsewhereAreChecked) {
  const TensorStats r = TensorStats::from_range(10, 2, -0.0f, 3.0f);
  EXPECT_EQ(r.count(), 10);
  EXPECT_EQ(r.nonfinite_count(), 2);
  EXPECT_FALSE(std::signbit(r.min()));
  EXPECT_EQ(r.amax(), 3.0f);
  EXPECT_THROW(TensorStats::from_range(1, 0, 2.0f, 1.0f), Error);
  EXPECT_THROW(TensorStats::from_range(-1, 0, 0.0f, 0.0f), Error);
  std::vector<int64_t> h(kBins, 0);
  h[kBins - 1] = 1;
  EXPECT_EQ(TensorStats::from_histogram(1.0f, h, 0, 1).above_range_count(), 1);
  EXPECT_THROW(TensorStats::from_histogram(1.0f, h, 0, 2), Error);
}

TEST(QuantCalibrator, ErrorsNameTheTensor) {
  Calibrator c;
  EXPECT_FALSE(Calibrator::needs_histograms(Algorithm::kMinMax));
  EXPECT_TRUE(Calibrator::needs_histograms(Algorithm::kEntropy));
  EXPECT_TRUE(Calibrator::needs_histograms(Algorithm::kPercentile));
  EXPECT_TRUE(Calibrator::needs_histograms(Algorithm::kMse));
  expect_error([&] { c.observe_histogram("conv1 out", f32({1.0f})); },
               {"'conv1 out'", "before its range"});
  c.observe_range("conv1 out", f32({1.0f, -2.0f}));
  EXPECT_EQ(c.compute_amax(options(Algorithm::kMinMax)).at("conv1 out"), 2.0f);
  expect_error([&] { c.compute_amax(options(Algorithm::kEntropy)); },
               {"'conv1 out'", "entropy", "histogram"});
  expect_error([&] { c.stats("nope"); }, {"'nope'", "never observed"});
  c.observe_histogram("conv1 out", f32({1.0f, -2.0f}));
  expect_error([&] { c.compute_amax(options(Algorithm::kPercentile, 0.0)); },
               {"'conv1 out'", "percentile"});
  expect_error([&] { c.observe_range("ids", Tensor(DataType::kInt64, {2})); }, {"'ids'", "i64"});
}

TEST(QuantAlgorithms, NamesRoundTrip) {
  for (Algorithm a : kAll) EXPECT_EQ(algorithm_from_name(algorithm_name(a)), a);
  EXPECT_FALSE(algorithm_from_name("kl").has_value());
}

// Uniform data has no outliers: every algorithm keeps (nearly) the whole range.
TEST(QuantAlgorithms, UniformDataKeepsNearlyTheFullRange) {
  const TensorStats s = two_pass(uniform(400000, -3.0f, 3.0f, 5));
  const float amax = s.amax();
  EXPECT_EQ(compute_amax(s, options(Algorithm::kMinMax)), amax);
  EXPECT_GT(compute_amax(s, options(Algorithm::kEntropy)), 0.97f * amax);
  EXPECT_LE(compute_amax(s, options(Algorithm::kEntropy)), amax);
  const float p = compute_amax(s, options(Algorithm::kPercentile));
  EXPECT_GE(p, 0.9999f * amax - static_cast<float>(s.bin_width()));
  EXPECT_LE(p, amax);
  EXPECT_GT(compute_amax(s, options(Algorithm::kMse)), 0.97f * amax);
  EXPECT_LE(compute_amax(s, options(Algorithm::kMse)), amax);
}

// A gaussian bulk with rare outliers at 30..44 sigma: minmax keeps them, the others clip them.
TEST(QuantAlgorithms, GaussianOutliersAreClipped) {
  std::vector<float> values = gaussian_with_outliers();
  const TensorStats s = two_pass(values);
  EXPECT_EQ(compute_amax(s, options(Algorithm::kMinMax)), 44.0f);
  for (Algorithm a : {Algorithm::kEntropy, Algorithm::kPercentile, Algorithm::kMse}) {
    const float amax = compute_amax(s, options(a));
    EXPECT_GT(amax, 2.5f) << algorithm_name(a);
    EXPECT_LT(amax, 22.0f) << algorithm_name(a);
  }
  // The percentile's bin holds the value of that rank among the sorted |x|.
  for (float& x : values) x = std::fabs(x);
  std::sort(values.begin(), values.end());
  for (double percentile : {99.99, 99.0, 50.0}) {
    const float p = compute_amax(s, options(Algorithm::kPercentile, percentile));
    const float at_rank =
        values[static_cast<size_t>(std::ceil(percentile / 100 * values.size())) - 1];
    EXPECT_GE(p, at_rank) << percentile;
    EXPECT_LT(p - s.bin_width(), at_rank) << percentile;
  }
}

// ReLU outputs: the spike of exact zeros does not move the entropy or mse threshold.
TEST(QuantAlgorithms, ExactZerosDoNotMoveTheSearch) {
  std::vector<float> positive = gaussian(100000, 9);
  for (float& x : positive) x = std::fabs(x);
  std::vector<float> relu = positive;
  relu.resize(300000, 0.0f);
  const TensorStats with_zeros = two_pass(relu), without = two_pass(positive);
  EXPECT_EQ(with_zeros.zero_count(), 200000);
  for (Algorithm a : {Algorithm::kEntropy, Algorithm::kMse})
    EXPECT_EQ(compute_amax(with_zeros, options(a)), compute_amax(without, options(a)))
        << algorithm_name(a);
}

TEST(QuantAlgorithms, ConstantTensorKeepsItsValue) {
  const TensorStats s = two_pass(std::vector<float>(1000, -0.75f));
  for (Algorithm a : {Algorithm::kMinMax, Algorithm::kEntropy, Algorithm::kPercentile})
    EXPECT_EQ(compute_amax(s, options(a)), 0.75f) << algorithm_name(a);
  // mse sees the bin's centre, half a bin below the value: the top thresholds tie within rounding.
  EXPECT_NEAR(compute_amax(s, options(Algorithm::kMse)), 0.75f, s.bin_width());
}

TEST(QuantAlgorithms, PercentileIsTheUpperEdgeOfItsBin) {
  std::vector<int64_t> h(kBins, 0);
  h[99] = 9999;
  h[2047] = 1;
  const TensorStats s = TensorStats::from_histogram(2048.0f, h);
  EXPECT_EQ(amax_percentile(s, 99.99), 100.0f);
  EXPECT_EQ(amax_percentile(s, 100.0), 2048.0f);
  EXPECT_EQ(amax_percentile(s, 50.0), 100.0f);
  expect_error([&] { amax_percentile(s, 100.5); }, {"percentile", "(0, 100]"});
}

// The squared error of int8 fake quantization of the bin centres at threshold `i` bins,
// written out directly (the library works in bin units).
double reference_mse(const std::vector<int64_t>& h, double amax, int i) {
  const double width = amax / kBins, threshold = i * width, scale = threshold / 127;
  double error = 0;
  for (int k = 0; k < kBins; ++k) {
    const double x = (k + 0.5) * width;
    const double q = std::min(127.0, std::nearbyint(x / scale)) * scale;
    error += static_cast<double>(h[k]) * (x - q) * (x - q);
  }
  return error;
}

TEST(QuantAlgorithms, MseChoosesTheMinimumOfTheDirectError) {
  const TensorStats s = two_pass(gaussian_with_outliers());
  const float amax = amax_mse(s);
  const int chosen = static_cast<int>(std::lround(amax / s.bin_width()));
  EXPECT_EQ(static_cast<float>(chosen * s.bin_width()), amax);
  const double best = reference_mse(s.histogram(), s.amax(), chosen);
  for (int i = 128; i <= kBins; ++i)
    EXPECT_GE(reference_mse(s.histogram(), s.amax(), i), best * (1 - 1e-12)) << i;
}

// KL(P||Q) at threshold i transcribed step by step from NVIDIA's published pseudocode
// (GTC 2017, "8-bit Inference with TensorRT"), with explicit P and Q vectors.
double reference_kl(const std::vector<int64_t>& hist, int i) {
  std::vector<double> p(hist.begin(), hist.begin() + i);
  double outliers = 0;
  for (int k = i; k < kBins; ++k) outliers += static_cast<double>(hist[k]);
  p[i - 1] += outliers;
  // Quantize hist[0..i) into 128 levels and expand back over P's non-zero bins.
  std::vector<double> merged(128, 0.0);
  std::vector<int> nonzero(128, 0);
  for (int k = 0; k < i; ++k) {
    merged[k * 128 / i] += static_cast<double>(hist[k]);
    nonzero[k * 128 / i] += p[k] > 0;
  }
  std::vector<double> q(i, 0.0);
  for (int k = 0; k < i; ++k) {
    const int level = k * 128 / i;
    if (p[k] > 0) q[k] = merged[level] > 0 ? merged[level] / nonzero[level] : 1e-4;
  }
  double p_sum = 0, q_sum = 0;
  for (int k = 0; k < i; ++k) p_sum += p[k], q_sum += q[k];
  if (q_sum == 0) return std::numeric_limits<double>::infinity();
  double kl = 0;
  for (int k = 0; k < i; ++k)
    if (p[k] > 0) kl += p[k] / p_sum * std::log((p[k] / p_sum) / (q[k] / q_sum));
  return kl;
}

void expect_entropy_matches_reference(const TensorStats& s) {
  const float amax = amax_entropy(s);
  const int chosen = static_cast<int>(std::floor(amax / s.bin_width()));
  if (chosen >= kBins) return;  // clamped at amax: i = 2048 is checked below
  std::vector<double> kl(kBins + 1);
  double best = std::numeric_limits<double>::infinity();
  for (int i = 128; i <= kBins; ++i) best = std::min(best, kl[i] = reference_kl(s.histogram(), i));
  EXPECT_EQ(amax, static_cast<float>((chosen + 0.5) * s.bin_width()));
  EXPECT_NEAR(kl[chosen], best, 1e-12) << "chosen " << chosen;
}

// On histograms without point masses (those are left out, see below).
TEST(QuantAlgorithms, EntropyMatchesTheLiteralPseudocode) {
  expect_entropy_matches_reference(two_pass(gaussian_with_outliers()));
  std::vector<float> skewed = uniform(50000, 0.0f, 1.0f, 13);
  for (float& x : skewed) x = -std::log(x) * 2.0f;  // exponential: skewed, no peak at 0
  skewed.push_back(25.0f);
  expect_entropy_matches_reference(two_pass(skewed));
}

TEST(QuantAlgorithms, EntropyOnAGaussianClipsNearFourSigma) {
  // Bulk gaussian, range set by a far value: the known behaviour of the KL search is a threshold
  // of a few sigma, where the tail's remaining mass costs as much as the coarser levels.
  const float amax = amax_entropy(two_pass(gaussian_with_outliers()));
  EXPECT_GT(amax, 3.0f);
  EXPECT_LT(amax, 6.0f);
}

// A feature map of an image with a uniform background: every channel gives one identical value
// at each background pixel (16 point masses near zero holding 60% of the values) beside a smooth
// exponential spread of foreground values. TensorRT's KL search, reproducing the point masses at
// one bin per level, clipped at bin 160 here instead of 764, a fifth of the foreground values;
// left out like exact zeros, they no longer move the threshold.
std::vector<int64_t> exponential_histogram(double scale_bins, double count_at_zero) {
  std::vector<int64_t> h(kBins, 0);
  for (int k = 0; k < kBins; ++k) h[k] = std::llround(count_at_zero * std::exp(-k / scale_bins));
  return h;
}

TEST(QuantAlgorithms, EntropyIgnoresPointMassesOfConstantRegions) {
  const std::vector<int64_t> smooth = exponential_histogram(100.0, 1000.0);
  int64_t smooth_total = 0;
  for (int64_t c : smooth) smooth_total += c;
  std::vector<int64_t> spiky = smooth;
  for (int a = 0; a < 16; ++a) spiky[static_cast<size_t>(12 + 5 * a)] += smooth_total * 3 / 32;
  const float without = amax_entropy(TensorStats::from_histogram(2048.0f, smooth));
  const float with = amax_entropy(TensorStats::from_histogram(2048.0f, spiky));
  EXPECT_GT(without, 600.0f);
  // The atoms' neighbours stand in for the smooth count under them: within a few bins.
  EXPECT_NEAR(with, without, 8.0f);
  // mse weighs each atom by its real rounding error and was never pulled down.
  EXPECT_GT(amax_mse(TensorStats::from_histogram(2048.0f, spiky)), 400.0f);
}

// A point mass beyond the smooth values' threshold is still clipped mass: the search keeps it.
TEST(QuantAlgorithms, EntropyKeepsAPointMassItWouldClip) {
  std::vector<int64_t> h = exponential_histogram(60.0, 1000.0);
  const float smooth_only = amax_entropy(TensorStats::from_histogram(2048.0f, h));
  ASSERT_LT(smooth_only, 1500.0f);
  h[1800] += 20000;  // a saturated value, e.g. a clipped input, far above the bulk
  EXPECT_GT(amax_entropy(TensorStats::from_histogram(2048.0f, h)), 1800.0f);
}

// Data made of point masses only (an 8-bit image's 256 levels): nothing to trade, the full range.
TEST(QuantAlgorithms, EntropyOfOnlyPointMassesKeepsTheRange) {
  std::vector<int64_t> h(kBins, 0);
  for (int k = 8; k < kBins; k += 8) h[static_cast<size_t>(k)] = 1000 + k;
  EXPECT_EQ(amax_entropy(TensorStats::from_histogram(2048.0f, h)), 2048.0f);
}

}  // namespace
}  // namespace qrt::quant
