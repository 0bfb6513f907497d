// Calibration statistics for every tensor of a model, gathered over a calibration set.
//
// The caller runs the float model over the calibration batches twice: first calling
// observe_range for each tensor to calibrate, then (only when needs_histograms) observe_histogram
// for the same tensors; compute_amax then gives each tensor's amax. Because pass 2 bins over the
// fixed ranges of pass 1, the result is the same whatever the batch size or sample order.
#pragma once

#include <map>
#include <string>

#include "quant/calibration_algorithms.h"
#include "quant/tensor_stats.h"

namespace qrt::quant {

class Calibrator {
 public:
  static bool needs_histograms(Algorithm a) { return quant::needs_histograms(a); }

  // Errors (wrong element type, pass order) are qrt::Error naming the tensor.
  void observe_range(const std::string& name, const Tensor& t);
  // The tensor must have been seen by observe_range.
  void observe_histogram(const std::string& name, const Tensor& t);
  // Adds stats gathered on other data, e.g. by another thread (see TensorStats::merge).
  void merge(const Calibrator& other);
  // Adds one tensor's stats gathered elsewhere (the GPU's calibration kernels).
  void merge(const std::string& name, const TensorStats& stats);

  bool empty() const { return stats_.empty(); }
  const std::map<std::string, TensorStats>& stats() const { return stats_; }
  // Throws qrt::Error for a tensor that was never observed.
  const TensorStats& stats(const std::string& name) const;

  // amax of every observed tensor.
  std::map<std::string, float> compute_amax(const AlgorithmOptions& options) const;

 private:
  std::map<std::string, TensorStats> stats_;
};

}  // namespace qrt::quant
