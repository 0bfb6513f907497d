// Small elementwise kernels shared by the cuDNN / cuBLASLt ops: the per-channel epilogue of a
// convolution (bias, residual, activation), the broadcast of Gemm's C, and random fills for
// build-time timing. f32 or f16 data; arithmetic in f32.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "qrt/types.h"

namespace qrt::cuda {

struct ChannelEpilogue {
  const void* bias = nullptr;      // [channels] or null
  const void* residual = nullptr;  // the output's shape, or null
  bool relu = false;
  bool clip = false;
  float clip_min = 0, clip_max = 0;
  int64_t channels = 1;
  // Elements sharing one channel index in a row: 1 for channels-last data, the spatial size
  // for channels-first.
  int64_t inner = 1;
  bool any() const { return bias || residual || relu || clip; }
};

// y = act(y + bias[c] + residual) in place over `count` elements, in that order.
void launch_channel_epilogue(DataType dtype, void* y, int64_t count, const ChannelEpilogue& e,
                             cudaStream_t stream);

// y[i, j] = c[i * stride_m + j * stride_n] for an m x n row-major y (strides 0 broadcast).
void launch_broadcast_2d(DataType dtype, const void* c, int64_t stride_m, int64_t stride_n, void* y,
                         int64_t m, int64_t n, cudaStream_t stream);

// Uniform values in [-1, 1) from a hash of (seed, index): data for timing candidates.
void launch_fill_random(DataType dtype, void* p, int64_t count, uint32_t seed, cudaStream_t stream);

}  // namespace qrt::cuda
