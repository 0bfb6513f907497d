// Choosing a tensor's clipping threshold amax (scale = amax / 127) from its calibration stats.
//
//  minmax      amax = max|x| (pass 1 only).
//  entropy     TensorRT EntropyCalibration2's KL-divergence search over the 2048-bin histogram
//              with 128 quantization levels; see calibration_algorithms.cpp for the exact steps.
//  percentile  the upper edge of the bin holding the given percentile of |x|.
//  mse         the bin edge (bins 128..2048) minimising the squared error of symmetric int8
//              fake quantization of the histogram's bin centres.
// Every algorithm is a deterministic function of TensorStats, so equal stats give bit-identical
// amax. Exact zeros are left out of the entropy and mse searches (int8 holds 0 exactly), and
// the entropy search also leaves out the histogram's other point masses (bins far above their
// neighbours, such as the one activation a channel gives on a uniform image background), which
// TensorRT's KL search otherwise trades for clipping a large share of the remaining values.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "quant/tensor_stats.h"

namespace qrt::quant {

enum class Algorithm { kMinMax, kEntropy, kPercentile, kMse };

// "minmax", "entropy", "percentile", "mse".
std::string_view algorithm_name(Algorithm a);
std::optional<Algorithm> algorithm_from_name(std::string_view name);
// Whether the algorithm needs pass 2 (the histogram); minmax does not.
bool needs_histograms(Algorithm a);

struct AlgorithmOptions {
  Algorithm algorithm = Algorithm::kEntropy;
  // For kPercentile: in (0, 100].
  double percentile = 99.99;
};

// amax for one tensor. Histogram algorithms throw qrt::Error when the stats have no histogram;
// a tensor that held only zeros gets 0 (see scale_from_amax).
float compute_amax(const TensorStats& stats, const AlgorithmOptions& options);

float amax_entropy(const TensorStats& stats);
float amax_percentile(const TensorStats& stats, double percentile);
float amax_mse(const TensorStats& stats);

// scale = amax / 127. A tensor with amax 0 (only zeros seen) gets 1/127: any positive scale
// represents zero exactly, and tables and kernels need a positive one.
float scale_from_amax(float amax);

}  // namespace qrt::quant
