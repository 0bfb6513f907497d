#include <cuda_fp16.h>

#include "backends/cuda/cuda_check.h"
#include "backends/cuda/epilogue_kernels.h"

namespace qrt::cuda {
namespace {

__device__ inline float load(const float* p, int64_t i) { return p[i]; }
__device__ inline float load(const __half* p, int64_t i) { return __half2float(p[i]); }
__device__ inline void store(float* p, int64_t i, float v) { p[i] = v; }
__device__ inline void store(__half* p, int64_t i, float v) { p[i] = __float2half_rn(v); }

constexpr int kThreads = 256;

int blocks_for(int64_t count) {
  const int64_t blocks = (count + kThreads - 1) / kThreads;
  return static_cast<int>(blocks < 65535 * 32 ? blocks : 65535 * 32);
}

template <typename T>
__global__ void channel_epilogue(T* y, int64_t count, const T* bias, const T* residual, bool relu,
                                 bool clip, float lo, float hi, int64_t channels, int64_t inner) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < count;
       i += int64_t{gridDim.x} * blockDim.x) {
    float v = load(y, i);
    if (bias) v = __fadd_rn(v, load(bias, (i / inner) % channels));
    if (residual) v = __fadd_rn(v, load(residual, i));
    if (relu) v = v < 0.f ? 0.f : v;
    if (clip) {  // as the reference Clip: min > max gives max, NaN passes
      const float raised = v < lo ? lo : v;
      v = hi < raised ? hi : raised;
    }
    store(y, i, v);
  }
}

template <typename T>
__global__ void broadcast_2d(const T* c, int64_t stride_m, int64_t stride_n, T* y, int64_t m,
                             int64_t n) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < m * n;
       i += int64_t{gridDim.x} * blockDim.x)
    y[i] = c[(i / n) * stride_m + (i % n) * stride_n];
}

template <typename T>
__global__ void fill_random(T* p, int64_t count, uint32_t seed) {
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < count;
       i += int64_t{gridDim.x} * blockDim.x) {
    uint32_t h = static_cast<uint32_t>(i) * 0x9E3779B9u ^ seed;
    h ^= h >> 16;
    h *= 0x85EBCA6Bu;
    h ^= h >> 13;
    h *= 0xC2B2AE35u;
    h ^= h >> 16;
    store(p, i, static_cast<float>(h >> 8) * (2.f / 16777216.f) - 1.f);
  }
}

}  // namespace

void launch_channel_epilogue(DataType dtype, void* y, int64_t count, const ChannelEpilogue& e,
                             cudaStream_t stream) {
  if (count == 0 || !e.any()) return;
  const int64_t inner = e.inner > 0 ? e.inner : 1, channels = e.channels > 0 ? e.channels : 1;
  if (dtype == DataType::kFloat16)
    channel_epilogue<<<blocks_for(count), kThreads, 0, stream>>>(
        static_cast<__half*>(y), count, static_cast<const __half*>(e.bias),
        static_cast<const __half*>(e.residual), e.relu, e.clip, e.clip_min, e.clip_max, channels,
        inner);
  else
    channel_epilogue<<<blocks_for(count), kThreads, 0, stream>>>(
        static_cast<float*>(y), count, static_cast<const float*>(e.bias),
        static_cast<const float*>(e.residual), e.relu, e.clip, e.clip_min, e.clip_max, channels,
        inner);
  QRT_CUDA_CHECK_LAUNCH();
}

void launch_broadcast_2d(DataType dtype, const void* c, int64_t stride_m, int64_t stride_n, void* y,
                         int64_t m, int64_t n, cudaStream_t stream) {
  if (m * n == 0) return;
  if (dtype == DataType::kFloat16)
    broadcast_2d<<<blocks_for(m * n), kThreads, 0, stream>>>(
        static_cast<const __half*>(c), stride_m, stride_n, static_cast<__half*>(y), m, n);
  else
    broadcast_2d<<<blocks_for(m * n), kThreads, 0, stream>>>(
        static_cast<const float*>(c), stride_m, stride_n, static_cast<float*>(y), m, n);
  QRT_CUDA_CHECK_LAUNCH();
}

void launch_fill_random(DataType dtype, void* p, int64_t count, uint32_t seed,
                        cudaStream_t stream) {
  if (count == 0) return;
  if (dtype == DataType::kFloat16)
    fill_random<<<blocks_for(count), kThreads, 0, stream>>>(static_cast<__half*>(p), count, seed);
  else
    fill_random<<<blocks_for(count), kThreads, 0, stream>>>(static_cast<float*>(p), count, seed);
  QRT_CUDA_CHECK_LAUNCH();
}

}  // namespace qrt::cuda
