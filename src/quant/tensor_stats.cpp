#include "quant/tensor_stats.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "backends/reference/thread_pool.h"

namespace qrt::quant {

namespace {

constexpr size_t kChunk = 4096;

// Calls fn(const float*, size_t) over the tensor's values as float, converting narrower and wider
// floating types chunk by chunk (f64 values beyond float's range become inf: non-finite).
template <typename Fn>
void for_each_float_chunk(const Tensor& t, Fn&& fn) {
  const size_t n = static_cast<size_t>(t.numel());
  if (t.dtype() == DataType::kFloat32) {
    if (n) fn(t.data_as<float>(), n);
    return;
  }
  float buffer[kChunk];
  auto convert = [&](auto to_float) {
    for (size_t start = 0; start < n; start += kChunk) {
      const size_t len = std::min(kChunk, n - start);
      for (size_t i = 0; i < len; ++i) buffer[i] = to_float(start + i);
      fn(buffer, len);
    }
  };
  switch (t.dtype()) {
    case DataType::kFloat16:
      convert([&](size_t i) { return half_to_float(t.data_as<uint16_t>()[i]); });
      break;
    case DataType::kBFloat16:
      convert([&](size_t i) { return bfloat16_to_float(t.data_as<uint16_t>()[i]); });
      break;
    case DataType::kFloat64:
      convert([&](size_t i) { return static_cast<float>(t.data_as<double>()[i]); });
      break;
    default:
      throw Error("calibration needs a floating-point tensor, got " +
                  std::string(dtype_name(t.dtype())));
  }
}

bool is_finite_bits(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return (bits & 0x7f800000u) != 0x7f800000u;
}

struct RangeSummary {
  float lo = std::numeric_limits<float>::infinity();
  float hi = -std::numeric_limits<float>::infinity();
  int64_t finite = 0;
  int64_t nonfinite = 0;
};

// Min and max of the finite values. The common all-finite chunk takes a branch-free loop the
// compiler can vectorise; a chunk holding NaN or inf is redone value by value.
void summarize_range(const float* x, size_t n, RangeSummary& s) {
  for (size_t start = 0; start < n; start += kChunk) {
    const size_t len = std::min(kChunk, n - start);
    const float* v = x + start;
    size_t nonfinite = 0;
    for (size_t i = 0; i < len; ++i) nonfinite += is_finite_bits(v[i]) ? 0 : 1;
    float lo = s.lo, hi = s.hi;
    if (nonfinite == 0) {
      // Independent lanes: a single running min is a serial chain the compiler may not reorder.
      constexpr size_t kLanes = 8;
      float lo_lane[kLanes], hi_lane[kLanes];
      std::fill_n(lo_lane, kLanes, lo);
      std::fill_n(hi_lane, kLanes, hi);
      size_t i = 0;
      for (; i + kLanes <= len; i += kLanes)
        for (size_t j = 0; j < kLanes; ++j) {
          lo_lane[j] = v[i + j] < lo_lane[j] ? v[i + j] : lo_lane[j];
          hi_lane[j] = v[i + j] > hi_lane[j] ? v[i + j] : hi_lane[j];
        }
      for (; i < len; ++i) lo = std::min(lo, v[i]), hi = std::max(hi, v[i]);
      for (size_t j = 0; j < kLanes; ++j)
        lo = std::min(lo, lo_lane[j]), hi = std::max(hi, hi_lane[j]);
    } else {
      for (size_t i = 0; i < len; ++i) {
        if (!is_finite_bits(v[i])) continue;
        lo = std::min(lo, v[i]);
        hi = std::max(hi, v[i]);
      }
    }
    // -0 and +0 compare equal, so which one a min/max keeps depends on order; keep +0 always.
    s.lo = lo + 0.0f;
    s.hi = hi + 0.0f;
    s.finite += static_cast<int64_t>(len - nonfinite);
    s.nonfinite += static_cast<int64_t>(nonfinite);
  }
}

// Large tensors are summarised in fixed slices on the reference backend's thread pool, then
// merged in slice order: counts and min/max do not depend on the split or the thread count.
constexpr int64_t kSliceValues = int64_t{1} << 18;

int64_t slice_count(const Tensor& t) {
  return std::max<int64_t>(1, (t.numel() + kSliceValues - 1) / kSliceValues);
}

template <typename Fn>
void for_each_slice(const Tensor& t, Fn&& fn) {
  const int64_t n = t.numel(), slices = slice_count(t);
  if (slices == 1) {
    fn(int64_t{0}, t);
    return;
  }
  const size_t element = dtype_size(t.dtype());
  auto* base = static_cast<std::byte*>(const_cast<void*>(t.data()));
  reference::parallel_for(slices, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const int64_t first = i * kSliceValues, len = std::min(kSliceValues, n - first);
      fn(i, Tensor::borrow(t.dtype(), {len}, base + static_cast<size_t>(first) * element));
    }
  });
}

}  // namespace

float TensorStats::amax() const { return count_ ? std::max(std::fabs(lo_), std::fabs(hi_)) : 0.0f; }

int64_t TensorStats::histogram_count() const {
  int64_t total = 0;
  for (int64_t c : histogram_) total += c;
  return total;
}

void TensorStats::observe_range(const Tensor& t) {
  if (has_histogram())
    throw Error("range observed after the histogram pass began (the histogram's range is fixed)");
  std::vector<RangeSummary> parts(static_cast<size_t>(slice_count(t)));
  for_each_slice(t, [&](int64_t i, const Tensor& slice) {
    for_each_float_chunk(slice, [&](const float* x, size_t n) { summarize_range(x, n, parts[i]); });
  });
  RangeSummary s;
  if (count_) s.lo = lo_, s.hi = hi_;
  for (const RangeSummary& p : parts) {
    s.lo = std::min(s.lo, p.lo) + 0.0f;  // +0 for a zero bound, as summarize_range keeps it
    s.hi = std::max(s.hi, p.hi) + 0.0f;
    s.finite += p.finite;
    s.nonfinite += p.nonfinite;
  }
  if (s.finite) lo_ = s.lo, hi_ = s.hi;
  count_ += s.finite;
  nonfinite_ += s.nonfinite;
}

void TensorStats::observe_histogram(const Tensor& t) {
  if (histogram_.empty()) histogram_.assign(kNumBins, 0);
  const float range = amax();
  // The bin of |x| is floor(|x| * kNumBins / amax); double keeps the factor finite for tiny amax.
  const double bins_per_unit = range > 0 ? kNumBins / static_cast<double>(range) : 0.0;
  struct Part {
    std::vector<int64_t> histogram = std::vector<int64_t>(kNumBins, 0);
    int64_t zeros = 0, above = 0;
  };
  std::vector<Part> parts(static_cast<size_t>(slice_count(t)));
  for_each_slice(t, [&](int64_t p, const Tensor& slice) {
    int64_t* hist = parts[p].histogram.data();
    int64_t zeros = 0, above = 0;
    for_each_float_chunk(slice, [&](const float* x, size_t n) {
      for (size_t i = 0; i < n; ++i) {
        if (!is_finite_bits(x[i])) continue;
        const float a = std::fabs(x[i]);
        if (a > range) {
          ++above;
          ++hist[kNumBins - 1];
          continue;
        }
        zeros += a == 0.0f ? 1 : 0;
        const double position = a * bins_per_unit;
        ++hist[position >= kNumBins - 1 ? kNumBins - 1 : static_cast<int>(position)];
      }
    });
    parts[p].zeros = zeros;
    parts[p].above = above;
  });
  for (const Part& part : parts) {
    for (int b = 0; b < kNumBins; ++b) histogram_[b] += part.histogram[b];
    zeros_ += part.zeros;
    above_range_ += part.above;
  }
}

void TensorStats::merge(const TensorStats& other) {
  if (has_histogram() || other.has_histogram()) {
    if (amax() != other.amax())
      throw Error("cannot merge histograms over different ranges (amax " + std::to_string(amax()) +
                  " and " + std::to_string(other.amax()) + ")");
    if (other.has_histogram()) {
      if (histogram_.empty()) histogram_.assign(kNumBins, 0);
      for (int i = 0; i < kNumBins; ++i) histogram_[i] += other.histogram_[i];
    }
    zeros_ += other.zeros_;
    above_range_ += other.above_range_;
    return;
  }
  if (other.count_) {
    lo_ = count_ ? std::min(lo_, other.lo_) : other.lo_;
    hi_ = count_ ? std::max(hi_, other.hi_) : other.hi_;
  }
  count_ += other.count_;
  nonfinite_ += other.nonfinite_;
}

TensorStats TensorStats::from_histogram(float amax, const std::vector<int64_t>& histogram,
                                        int64_t zeros, int64_t above_range) {
  if (!(amax >= 0) || !std::isfinite(amax)) throw Error("histogram amax must be finite and >= 0");
  if (histogram.size() != kNumBins)
    throw Error("histogram needs " + std::to_string(kNumBins) + " bins, got " +
                std::to_string(histogram.size()));
  TensorStats s;
  s.histogram_ = histogram;
  for (int64_t c : histogram)
    if (c < 0) throw Error("histogram counts must be >= 0");
  if (zeros < 0 || zeros > histogram[0]) throw Error("histogram zero count exceeds bin 0");
  if (above_range < 0 || above_range > histogram[kNumBins - 1])
    throw Error("histogram above-range count exceeds the last bin");
  s.zeros_ = zeros;
  s.above_range_ = above_range;
  s.count_ = s.histogram_count();
  s.lo_ = 0.0f;
  s.hi_ = s.count_ ? amax : 0.0f;
  return s;
}

TensorStats TensorStats::from_range(int64_t count, int64_t nonfinite, float lo, float hi) {
  if (count < 0 || nonfinite < 0) throw Error("range counts must be >= 0");
  if (count && !(std::isfinite(lo) && std::isfinite(hi) && lo <= hi))
    throw Error("range needs finite lo <= hi");
  TensorStats s;
  s.count_ = count;
  s.nonfinite_ = nonfinite;
  // As observe_range: +0 for a zero bound whatever its sign.
  s.lo_ = count ? lo + 0.0f : 0.0f;
  s.hi_ = count ? hi + 0.0f : 0.0f;
  return s;
}

}  // namespace qrt::quant
