// The "pw16" tactic of ConvInt8 (pointwise_int8.cu): 1x1 convolutions over few input channels
// and few output channels: one thread per pixel and 16 output channels on dp4a, the block's
// weights broadcast from shared memory. Where `pwmma` (mma_conv_int8.h) runs it is faster; this
// one also takes output channels that are not a multiple of 8 (the U-Net's 2-class classifier).
#pragma once

#include <cuda_runtime.h>

#include <string>

#include "backends/cuda/int8_gemm.h"

namespace qrt::cuda {

// 1x1, stride 1, no pads, ungrouped, c a multiple of 4 and at most 64, 32-bit sizes; *reason
// says why not.
bool pointwise16_fits(const Int8ConvShape& s, std::string* reason = nullptr);

// Enqueues Y = epilogue(conv(X, W)); weights in any Int8Weights order. False (nothing enqueued)
// when X is not 4-byte aligned.
bool launch_pointwise16(const Int8ConvShape& s, const int8_t* x, const Int8Weights& w,
                        const Int8Epilogue& e, cudaStream_t stream);

}  // namespace qrt::cuda
