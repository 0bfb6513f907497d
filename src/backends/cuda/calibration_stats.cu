// Calibration statistics on the GPU (quant/device_calibration_stats.h): per tensor, one small
// device record that the range and histogram kernels accumulate into with atomics; the host
// reads the records once per pass.
#include <cuda_fp16.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "backends/cuda/cuda_check.h"
#include "backends/cuda/cuda_device.h"
#include "quant/device_calibration_stats.h"

namespace qrt::cuda {
namespace {

constexpr int kBins = quant::TensorStats::kNumBins;
constexpr int kThreads = 256;

// Everything one tensor accumulates over a pass. Counts are 64-bit: a calibration set can hold
// more than 2^32 values of one tensor.
struct StatsRecord {
  unsigned long long histogram[kBins];
  unsigned long long zeros, above, finite, nonfinite;
  int lo_key, hi_key;  // floats as order-preserving ints (see order_key)
};

// A float's bits as an int whose signed order is the floats' order (-0 just below +0), so
// atomicMin/atomicMax on ints give min and max of floats.
__host__ __device__ inline int order_key(float v) {
  int bits;
  std::memcpy(&bits, &v, sizeof bits);
  return bits >= 0 ? bits : bits ^ 0x7fffffff;
}
inline float from_order_key(int key) {
  const int bits = key >= 0 ? key : key ^ 0x7fffffff;
  float v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

__device__ inline float to_float(float v) { return v; }
__device__ inline float to_float(__half v) { return __half2float(v); }

__global__ void reset_record(StatsRecord* r) {
  for (int i = threadIdx.x; i < kBins; i += blockDim.x) r->histogram[i] = 0;
  if (threadIdx.x == 0) {
    r->zeros = r->above = r->finite = r->nonfinite = 0;
    r->lo_key = order_key(INFINITY);
    r->hi_key = order_key(-INFINITY);
  }
}

template <typename T>
__global__ void range_kernel(const T* x, size_t n, StatsRecord* r) {
  float lo = INFINITY, hi = -INFINITY;
  unsigned long long finite = 0, nonfinite = 0;
  for (size_t i = blockIdx.x * size_t{blockDim.x} + threadIdx.x; i < n;
       i += size_t{gridDim.x} * blockDim.x) {
    const float v = to_float(x[i]);
    if (isfinite(v)) {
      lo = fminf(lo, v);
      hi = fmaxf(hi, v);
      ++finite;
    } else {
      ++nonfinite;
    }
  }
  for (int offset = 16; offset > 0; offset /= 2) {
    lo = fminf(lo, __shfl_down_sync(0xffffffffu, lo, offset));
    hi = fmaxf(hi, __shfl_down_sync(0xffffffffu, hi, offset));
    finite += __shfl_down_sync(0xffffffffu, finite, offset);
    nonfinite += __shfl_down_sync(0xffffffffu, nonfinite, offset);
  }
  if ((threadIdx.x & 31) == 0) {
    if (finite) {
      atomicMin(&r->lo_key, order_key(lo));
      atomicMax(&r->hi_key, order_key(hi));
      atomicAdd(&r->finite, finite);
    }
    if (nonfinite) atomicAdd(&r->nonfinite, nonfinite);
  }
}

// The host's rule (TensorStats::observe_histogram): finite |x| above the range goes to the last
// bin and counts as above; else bin floor(|x| * bins_per_unit), the product in double.
template <typename T>
__global__ void histogram_kernel(const T* x, size_t n, float range, double bins_per_unit,
                                 StatsRecord* r) {
  __shared__ unsigned int bins[kBins];
  for (int i = threadIdx.x; i < kBins; i += blockDim.x) bins[i] = 0;
  __syncthreads();
  unsigned long long zeros = 0, above = 0;
  for (size_t i = blockIdx.x * size_t{blockDim.x} + threadIdx.x; i < n;
       i += size_t{gridDim.x} * blockDim.x) {
    const float v = to_float(x[i]);
    if (!isfinite(v)) continue;
    const float a = fabsf(v);
    if (a > range) {
      ++above;
      continue;
    }
    // Zeros (half of every ReLU output) are counted aside: all lanes hitting bin 0 at once
    // would serialise the shared-memory atomics.
    if (a == 0.0f) {
      ++zeros;
      continue;
    }
    const double position = static_cast<double>(a) * bins_per_unit;
    atomicAdd(&bins[position >= kBins - 1 ? kBins - 1 : static_cast<int>(position)], 1u);
  }
  for (int offset = 16; offset > 0; offset /= 2) {
    zeros += __shfl_down_sync(0xffffffffu, zeros, offset);
    above += __shfl_down_sync(0xffffffffu, above, offset);
  }
  if ((threadIdx.x & 31) == 0) {
    if (zeros) {
      atomicAdd(&r->zeros, zeros);
      atomicAdd(&r->histogram[0], zeros);
    }
    if (above) {
      atomicAdd(&r->above, above);
      atomicAdd(&r->histogram[kBins - 1], above);
    }
  }
  __syncthreads();
  for (int i = threadIdx.x; i < kBins; i += blockDim.x)
    if (bins[i]) atomicAdd(&r->histogram[i], static_cast<unsigned long long>(bins[i]));
}

int grid_for(size_t n) {
  // Enough blocks to fill the GPU, few enough that the per-block flush stays cheap.
  const size_t blocks = (n + kThreads * 8 - 1) / (kThreads * 8);
  return static_cast<int>(std::max<size_t>(1, std::min<size_t>(blocks, 1024)));
}

class CudaCalibrationStats final : public quant::DeviceCalibrationStats {
 public:
  void observe(const std::string& name, const Tensor& t, void* stream_ptr) override {
    if (t.dtype() != DataType::kFloat32 && t.dtype() != DataType::kFloat16)
      throw Error("calibration of tensor '" + name + "' on the GPU needs f32 or f16, got " +
                  std::string(dtype_name(t.dtype())));
    const auto stream = static_cast<cudaStream_t>(stream_ptr);
    last_stream_ = stream;
    observed_ = true;
    Entry& e = entry(name, stream);
    const size_t n = static_cast<size_t>(t.numel());
    if (n == 0) return;
    auto* r = static_cast<StatsRecord*>(e.record.get());
    if (!histograms_) {
      if (t.dtype() == DataType::kFloat32)
        range_kernel<<<grid_for(n), kThreads, 0, stream>>>(t.data_as<float>(), n, r);
      else
        range_kernel<<<grid_for(n), kThreads, 0, stream>>>(static_cast<const __half*>(t.data()), n,
                                                           r);
    } else {
      auto it = amax_.find(name);
      if (it == amax_.end())
        throw Error("calibration of tensor '" + name + "': histogram observed before its range");
      const float range = it->second;
      const double bins_per_unit = range > 0 ? kBins / static_cast<double>(range) : 0.0;
      if (t.dtype() == DataType::kFloat32)
        histogram_kernel<<<grid_for(n), kThreads, 0, stream>>>(t.data_as<float>(), n, range,
                                                               bins_per_unit, r);
      else
        histogram_kernel<<<grid_for(n), kThreads, 0, stream>>>(static_cast<const __half*>(t.data()),
                                                               n, range, bins_per_unit, r);
    }
    QRT_CUDA_CHECK_LAUNCH();
  }

  std::map<std::string, quant::TensorStats> take_ranges() override {
    std::map<std::string, quant::TensorStats> out;
    for (const auto& [name, record] : read_records())
      out[name] = quant::TensorStats::from_range(
          static_cast<int64_t>(record.finite), static_cast<int64_t>(record.nonfinite),
          record.finite ? from_order_key(record.lo_key) : 0.0f,
          record.finite ? from_order_key(record.hi_key) : 0.0f);
    return out;
  }

  void begin_histograms(const std::map<std::string, float>& amax) override {
    amax_ = amax;
    histograms_ = true;
  }

  std::map<std::string, quant::TensorStats> take_histograms() override {
    std::map<std::string, quant::TensorStats> out;
    for (const auto& [name, record] : read_records()) {
      std::vector<int64_t> histogram(record.histogram, record.histogram + kBins);
      out[name] = quant::TensorStats::from_histogram(amax_.at(name), histogram,
                                                     static_cast<int64_t>(record.zeros),
                                                     static_cast<int64_t>(record.above));
    }
    return out;
  }

 private:
  struct Entry {
    DeviceBuffer record;
  };

  Entry& entry(const std::string& name, cudaStream_t stream) {
    auto it = entries_.find(name);
    if (it != entries_.end()) return it->second;
    Entry& e = entries_[name];
    e.record = DeviceBuffer(sizeof(StatsRecord), "calibration statistics of '" + name + "'");
    reset_record<<<1, kThreads, 0, stream>>>(static_cast<StatsRecord*>(e.record.get()));
    QRT_CUDA_CHECK_LAUNCH();
    return e;
  }

  // Every record, read back and reset for the next pass.
  std::map<std::string, StatsRecord> read_records() {
    if (observed_) QRT_CUDA_CHECK(cudaStreamSynchronize(last_stream_));
    observed_ = false;
    std::map<std::string, StatsRecord> out;
    for (auto& [name, e] : entries_) {
      StatsRecord& r = out[name];
      QRT_CUDA_CHECK(cudaMemcpy(&r, e.record.get(), sizeof r, cudaMemcpyDeviceToHost));
    }
    entries_.clear();
    return out;
  }

  std::map<std::string, Entry> entries_;
  std::map<std::string, float> amax_;
  bool histograms_ = false;
  cudaStream_t last_stream_ = nullptr;
  bool observed_ = false;
};

}  // namespace
}  // namespace qrt::cuda

namespace qrt::quant {
std::unique_ptr<DeviceCalibrationStats> make_cuda_calibration_stats() {
  return std::make_unique<cuda::CudaCalibrationStats>();
}
}  // namespace qrt::quant
