// Calibration statistics gathered where a GPU engine's tensors live: copying every activation
// of every calibration batch to the host (twice, for the histogram algorithms) and binning it
// there is what made GPU INT8 builds slow. The kernels compute exactly what TensorStats computes
// on the host (same finite range, same double-precision bin rule), so tables do not depend on
// where calibration ran.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "qrt/tensor.h"
#include "quant/tensor_stats.h"

namespace qrt::quant {

class DeviceCalibrationStats {
 public:
  virtual ~DeviceCalibrationStats() = default;
  // Queues the statistics of one tensor in device memory (f32 or f16) on `stream` (a
  // cudaStream_t): its range during the range pass, its histogram once begin_histograms was
  // called. Throws qrt::Error for other element types.
  virtual void observe(const std::string& name, const Tensor& device_value, void* stream) = 0;
  // Ends the range pass: per tensor observed, its range stats (as TensorStats::observe_range
  // would have gathered them).
  virtual std::map<std::string, TensorStats> take_ranges() = 0;
  // Starts the histogram pass over [0, amax] per tensor (from the merged range stats).
  virtual void begin_histograms(const std::map<std::string, float>& amax) = 0;
  // Ends the histogram pass: per tensor, histogram-only stats to merge into its range stats.
  virtual std::map<std::string, TensorStats> take_histograms() = 0;
};

// Throws qrt::Error in builds without the CUDA backend.
std::unique_ptr<DeviceCalibrationStats> make_cuda_calibration_stats();

}  // namespace qrt::quant
