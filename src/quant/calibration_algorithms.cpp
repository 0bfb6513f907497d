#include "quant/calibration_algorithms.h"

#include <algorithm>
#include <array>
#include <cfloat>
#include <cmath>
#include <limits>
#include <vector>

namespace qrt::quant {

namespace {

constexpr int kBins = TensorStats::kNumBins;
// Thresholds searched by entropy and mse: bins [0, i) for i in [kFirstThreshold, kBins].
constexpr int kFirstThreshold = 128;
// Positive int8 levels of the entropy search's candidate distribution.
constexpr int kLevels = 128;
// Where P has mass and the candidate Q has none, Q gets this many counts (a ten-thousandth of one
// value) so that the divergence stays finite but loses to any threshold whose Q covers P.
constexpr double kSmoothingCount = 1e-4;
// Point masses ("atoms") of a histogram: a bin holding more than kAtomRatio times the median of
// the kAtomWindow bins on each side, and at least kAtomMinShare of all non-zero values. A smooth
// density cannot do that (its neighbours share its level); a value repeated thousands of times
// can: a constant image background gives every channel one identical activation at each
// background pixel. Bin 0 is judged against the bins above it; there, the peak of a density
// that rises steeply towards 0 looks like an atom too, and is rightly treated as one: a single
// bin's values stay within one quantization step for every threshold the search tries.
constexpr int kAtomWindow = 8;
constexpr double kAtomRatio = 4.0;
constexpr double kAtomMinShare = 1e-3;

const std::vector<int64_t>& require_histogram(const TensorStats& stats, const char* algorithm) {
  if (!stats.has_histogram())
    throw Error(std::string("the ") + algorithm +
                " algorithm needs the histogram pass (observe_histogram) first");
  return stats.histogram();
}

// The histogram without the exact zeros, which quantize exactly whatever the threshold.
std::vector<double> nonzero_histogram(const TensorStats& stats, const char* algorithm) {
  const auto& hist = require_histogram(stats, algorithm);
  std::vector<double> h(hist.begin(), hist.end());
  h[0] -= static_cast<double>(stats.zero_count());
  return h;
}

// The excess of every atom over its neighbours' level (0 elsewhere). Integer counts in, integer
// counts out (the level is a lower median), so sums stay exact.
std::vector<double> atom_excess(const std::vector<double>& h, double total) {
  std::vector<double> excess(h.size(), 0.0);
  std::vector<double> neighbours;
  for (int k = 0; k < kBins; ++k) {
    if (h[k] < kAtomMinShare * total) continue;
    neighbours.clear();
    for (int j = std::max(0, k - kAtomWindow); j <= std::min(kBins - 1, k + kAtomWindow); ++j)
      if (j != k) neighbours.push_back(h[j]);
    const auto mid = neighbours.begin() + static_cast<std::ptrdiff_t>((neighbours.size() - 1) / 2);
    std::nth_element(neighbours.begin(), mid, neighbours.end());
    if (h[k] > kAtomRatio * std::max(*mid, 1.0)) excess[k] = h[k] - *mid;
  }
  return excess;
}

// KL(P || Q) for the threshold of `i` bins, as TensorRT's entropy calibration defines P and Q:
//  P: h[0..i), with the mass of every bin at or beyond i (the outliers) added to bin i-1.
//  Q: h[0..i) (no outliers) merged into kLevels groups of consecutive bins, bin k going to
//     group floor(k * kLevels / i); each group's count is then spread evenly over the bins of
//     the group where P is non-zero (bins where P is zero stay zero in Q).
// Both are normalised; the sum runs over P's non-zero bins (0 log 0 = 0). `log_h` holds log(h),
// `in_range` the sum of h[0..i). Returns +inf when Q holds no mass at all.
double kl_divergence_at(const std::vector<double>& h, const std::vector<double>& log_h,
                        double in_range, double outliers, int i) {
  if (in_range <= 0) return std::numeric_limits<double>::infinity();
  const double total = in_range + outliers, log_total = std::log(total);
  const int last = i - 1;
  auto p_count = [&](int k) { return k == last ? h[k] + outliers : h[k]; };
  // Q's normaliser includes the smoothing counts given to P's bins that Q leaves empty.
  double q_total = in_range;
  std::array<double, kLevels> group_count{};
  std::array<int, kLevels> group_support{};
  for (int l = 0; l < kLevels; ++l) {
    const int begin = (l * i + kLevels - 1) / kLevels, end = ((l + 1) * i + kLevels - 1) / kLevels;
    for (int k = begin; k < end; ++k) {
      group_count[l] += h[k];
      group_support[l] += p_count(k) > 0 ? 1 : 0;
    }
    if (group_count[l] == 0 && group_support[l] > 0) q_total += kSmoothingCount * group_support[l];
  }
  const double log_q_total = std::log(q_total);
  double kl = 0;
  for (int l = 0; l < kLevels; ++l) {
    if (group_support[l] == 0) continue;
    const double q_count = group_count[l] > 0 ? group_count[l] / group_support[l] : kSmoothingCount;
    const double log_q = std::log(q_count) - log_q_total;
    const int begin = (l * i + kLevels - 1) / kLevels, end = ((l + 1) * i + kLevels - 1) / kLevels;
    for (int k = begin; k < end; ++k) {
      const double count = p_count(k);
      if (count <= 0) continue;
      const double log_count = k == last ? std::log(count) : log_h[k];
      kl += count * (log_count - log_total - log_q);
    }
  }
  return kl / total;
}

float clamp_to_amax(double threshold, const TensorStats& stats) {
  return std::min(static_cast<float>(threshold), stats.amax());
}

}  // namespace

std::string_view algorithm_name(Algorithm a) {
  switch (a) {
    case Algorithm::kMinMax:
      return "minmax";
    case Algorithm::kEntropy:
      return "entropy";
    case Algorithm::kPercentile:
      return "percentile";
    case Algorithm::kMse:
      return "mse";
  }
  return "?";
}

std::optional<Algorithm> algorithm_from_name(std::string_view name) {
  for (Algorithm a :
       {Algorithm::kMinMax, Algorithm::kEntropy, Algorithm::kPercentile, Algorithm::kMse})
    if (algorithm_name(a) == name) return a;
  return std::nullopt;
}

bool needs_histograms(Algorithm a) { return a != Algorithm::kMinMax; }

float amax_entropy(const TensorStats& stats) {
  const std::vector<double> h = nonzero_histogram(stats, "entropy");
  double total = 0;
  for (double c : h) total += c;
  if (total <= 0) return stats.amax();
  // TensorRT's search on the histogram without its atoms. KL compares bins as categories: P's
  // atom set against Q's level spread evenly over the level's bins costs about mass * log(bins
  // per level), so with atoms holding half the mass (a U-Net on canvases with a uniform
  // background) the search shrinks the range until a level is one bin wide, clipping a fifth of
  // the values that are not atoms. Quantization moves an atom by at most half a step like any
  // other value, so atoms are left out as the exact zeros are; an atom beyond a threshold still
  // counts among its clipped outliers.
  const std::vector<double> atoms = atom_excess(h, total);
  std::vector<double> smooth(kBins), log_h(kBins, 0.0);
  for (int k = 0; k < kBins; ++k) {
    smooth[k] = h[k] - atoms[k];
    if (smooth[k] > 0) log_h[k] = std::log(smooth[k]);
  }
  // outliers[i] = mass at or beyond bin i, atoms included; in_range[i] = smooth mass below i.
  std::vector<double> outliers(kBins + 1, 0.0), in_range(kBins + 1, 0.0);
  for (int k = kBins - 1; k >= 0; --k) outliers[k] = outliers[k + 1] + h[k];
  for (int k = 0; k < kBins; ++k) in_range[k + 1] = in_range[k] + smooth[k];

  int best = kBins;
  double best_kl = std::numeric_limits<double>::infinity();
  for (int i = kFirstThreshold; i <= kBins; ++i) {
    const double kl = kl_divergence_at(smooth, log_h, in_range[i], outliers[i], i);
    // Ties go to the larger threshold: KL cannot see how far values move, clipping less can.
    if (kl <= best_kl) best_kl = kl, best = i;
  }
  return clamp_to_amax((best + 0.5) * stats.bin_width(), stats);
}

float amax_percentile(const TensorStats& stats, double percentile) {
  if (!(percentile > 0 && percentile <= 100))
    throw Error("percentile must be in (0, 100], got " + std::to_string(percentile));
  const auto& hist = require_histogram(stats, "percentile");
  const int64_t total = stats.histogram_count();
  if (total == 0) return stats.amax();
  const double target = percentile / 100.0 * static_cast<double>(total);
  int64_t cumulative = 0;
  int k = 0;
  for (; k < kBins - 1; ++k) {
    cumulative += hist[k];
    if (static_cast<double>(cumulative) >= target) break;
  }
  return clamp_to_amax((k + 1) * stats.bin_width(), stats);
}

float amax_mse(const TensorStats& stats) {
  const std::vector<double> h = nonzero_histogram(stats, "mse");
  std::vector<int> occupied;
  for (int k = 0; k < kBins; ++k)
    if (h[k] > 0) occupied.push_back(k);
  if (occupied.empty()) return stats.amax();
  // In units of one bin: the threshold is i, the int8 step i / 127, bin k's centre k + 0.5.
  int best = kBins;
  double best_error = std::numeric_limits<double>::infinity();
  for (int i = kFirstThreshold; i <= kBins; ++i) {
    const double step = i / 127.0;
    double error = 0;
    for (int k : occupied) {
      const double centre = k + 0.5;
      const double level = std::min(127.0, std::nearbyint(centre / step));
      const double diff = centre - level * step;
      error += h[k] * diff * diff;
    }
    if (error <= best_error) best_error = error, best = i;
  }
  return clamp_to_amax(best * stats.bin_width(), stats);
}

float compute_amax(const TensorStats& stats, const AlgorithmOptions& options) {
  switch (options.algorithm) {
    case Algorithm::kMinMax:
      return stats.amax();
    case Algorithm::kEntropy:
      return amax_entropy(stats);
    case Algorithm::kPercentile:
      return amax_percentile(stats, options.percentile);
    case Algorithm::kMse:
      return amax_mse(stats);
  }
  throw Error("unknown calibration algorithm");
}

float scale_from_amax(float amax) {
  const float scale = amax / 127.0f;
  return std::isfinite(scale) && scale >= FLT_MIN ? scale : 1.0f / 127.0f;
}

}  // namespace qrt::quant
