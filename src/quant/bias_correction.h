// Empirical bias correction (Nagel et al. 2019, "Data-Free Quantization Through Weight
// Equalization and Bias Correction", section 4.2, the empirical variant; OpenVINO POT applies it
// by default). Rounding a layer's weights W to W_q shifts each output channel's mean by
// E[(W_q - W) x] over the layer's FP32 inputs x; the shift is measured on the calibration data
// and subtracted from the layer's bias.
//
// The layer is linear in x, so E[(W_q - W) x] = (W_q - W) E[x]: only the mean of each input over
// the calibration samples is gathered, and the correction is computed once from it, in double:
//   - Conv / ConvTranspose: the mean input over the batch, one [C, spatial..] image, is convolved
//     with W_q - W (the layer's own strides, pads, dilations and groups, so border positions
//     with zero padding are exact), then averaged over the output's positions per channel;
//   - Gemm / MatMul: the mean row of the input (over every dimension but the last) times W_q - W.
// The means are sums on a fixed grid of 2^-60 in 128-bit integers, so they do not depend on the
// order, the batch size or the grouping of the samples (as the calibration histograms do not).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ir/graph.h"
#include "quant/precision.h"

namespace qrt::quant {

// How an input's mean is taken: over the batch (dimension 0; Conv, ConvTranspose) or over every
// dimension but the last (Gemm, MatMul rows).
enum class MeanOver { kBatch, kRows };

class InputMeans {
 public:
  // Adds the values of t (a float32 tensor). Throws qrt::Error naming the tensor when its
  // per-sample shape changes between calls or a value is not finite or beyond 2^40.
  void observe(const std::string& name, const Tensor& t, MeanOver over);
  bool has(const std::string& name, MeanOver over) const { return sums_.count({name, over}) != 0; }
  // The mean (of the kept shape: the sample's for kBatch, [last dim] for kRows) and that shape.
  std::vector<double> mean(const std::string& name, MeanOver over) const;
  const std::vector<int64_t>& kept_shape(const std::string& name, MeanOver over) const;
  int64_t count(const std::string& name, MeanOver over) const;

 private:
  struct Sums;
  std::map<std::pair<std::string, MeanOver>, std::shared_ptr<Sums>> sums_;
};

// The inputs whose means the corrections need: the data input of every Conv, ConvTranspose,
// Gemm and MatMul whose weights int8 lowering can quantize (int8_weights).
std::vector<std::pair<std::string, MeanOver>> bias_correction_inputs(const ir::Graph& graph);

// E[(W_q - W) x] per output channel of every such layer whose input mean was gathered, W_q the
// weights lower_to_int8 makes (int8_weights, dequantized), keyed by the layer's output name.
BiasCorrections compute_bias_corrections(const ir::Graph& graph, const InputMeans& means);

// The same for one layer from its input's mean (kept shape as InputMeans gives it).
std::vector<double> layer_bias_correction(const ir::Node& node, const std::vector<double>& mean,
                                          const std::vector<int64_t>& kept_shape);

}  // namespace qrt::quant
