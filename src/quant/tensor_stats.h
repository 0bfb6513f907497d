// Statistics of one tensor's values over a calibration set, gathered in two passes so that the
// result depends only on the multiset of values seen, never on batch size or sample order.
//
// Pass 1 (observe_range) keeps the exact min, max and amax = max|x|. Pass 2 (observe_histogram)
// counts |x| into kNumBins bins over the fixed range [0, amax of pass 1]:
//   bin = min(kNumBins - 1, floor(|x| * (kNumBins / amax)))      (the product taken in double)
// Integer counts make the histogram exactly independent of how the data was split or ordered;
// a histogram that grows its range as data arrives (TensorRT's, by report) is not.
#pragma once

#include <cstdint>
#include <vector>

#include "qrt/tensor.h"

namespace qrt::quant {

class TensorStats {
 public:
  static constexpr int kNumBins = 2048;

  // Pass 1. Accepts f32, f16, bf16 and f64 tensors; NaN and +-inf are not part of the range
  // (they are counted in nonfinite_count() for the caller to warn about). Throws qrt::Error for
  // other element types or once pass 2 has begun (the histogram's range is then fixed).
  void observe_range(const Tensor& t);
  // Pass 2, over the range fixed by pass 1. Values above that range (the data changed between
  // the passes) land in the last bin and are counted in above_range_count().
  void observe_histogram(const Tensor& t);
  // Adds another TensorStats gathered on other data (e.g. by another thread). Both must be in
  // the same pass: ranges are merged before pass 2, histograms only over the same amax.
  void merge(const TensorStats& other);

  // Builds stats from a ready histogram of |x| over [0, amax]; `zeros` of the bin-0 count are
  // exact zeros. For tests and for tools holding histograms gathered elsewhere.
  static TensorStats from_histogram(float amax, const std::vector<int64_t>& histogram,
                                    int64_t zeros = 0, int64_t above_range = 0);
  // Builds pass-1 stats from a range gathered elsewhere (the GPU's calibration kernels):
  // `count` finite values in [lo, hi], `nonfinite` NaN or inf.
  static TensorStats from_range(int64_t count, int64_t nonfinite, float lo, float hi);

  // Pass-1 results. amax() is 0 when only zeros (or nothing finite) were seen.
  int64_t count() const { return count_; }
  // Smallest and largest finite value; 0 when none was seen. A zero's sign is not kept.
  float min() const { return count_ ? lo_ : 0.0f; }
  float max() const { return count_ ? hi_ : 0.0f; }
  float amax() const;
  int64_t nonfinite_count() const { return nonfinite_; }

  // Pass-2 results. The histogram is empty until observe_histogram was called.
  bool has_histogram() const { return !histogram_.empty(); }
  const std::vector<int64_t>& histogram() const { return histogram_; }
  int64_t histogram_count() const;
  // Exact zeros among the values in bin 0: quantization represents them exactly, so the
  // clipping searches leave them out (a ReLU output's spike at 0 must not pull a threshold).
  int64_t zero_count() const { return zeros_; }
  int64_t above_range_count() const { return above_range_; }
  // Width of one bin: amax() / kNumBins.
  double bin_width() const { return static_cast<double>(amax()) / kNumBins; }

 private:
  int64_t count_ = 0;
  int64_t nonfinite_ = 0;
  float lo_ = 0.0f;
  float hi_ = 0.0f;
  std::vector<int64_t> histogram_;
  int64_t zeros_ = 0;
  int64_t above_range_ = 0;
};

}  // namespace qrt::quant
