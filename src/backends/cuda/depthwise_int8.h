// The dp4a depthwise kernels of ConvInt8 (tactics "dw16x2" and "dw16x4", depthwise_int8.cu).
#pragma once

#include <cuda_runtime.h>

#include <string>

#include "backends/cuda/int8_gemm.h"

namespace qrt::cuda {

// Whether the shape is one the kernels take: 3x3 depthwise (one output channel per group),
// channels a multiple of 16, sizes within 32-bit indices; *reason says why not.
bool depthwise16_fits(const Int8ConvShape& s, std::string* reason = nullptr);

// Enqueues Y = epilogue(depthwise conv(X, W)) with `pixels_per_thread` (2 or 4) output pixels per
// thread; false (nothing enqueued) when the operands do not suit the kernel: weights not
// contiguous per channel, X or W not 16-byte aligned.
bool launch_depthwise16(const Int8ConvShape& s, const int8_t* x, const Int8Weights& w,
                        const Int8Epilogue& e, int pixels_per_thread, cudaStream_t stream);

}  // namespace qrt::cuda
