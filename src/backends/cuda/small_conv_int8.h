// The "small16" tactic of ConvInt8 (small_conv_int8.cu): narrow convolutions, few input or few
// output channels, that the implicit GEMM's tiles mostly waste.
#pragma once

#include <cuda_runtime.h>

#include <string>

#include "backends/cuda/int8_gemm.h"

namespace qrt::cuda {

// Ungrouped, input channels not a multiple of 16 or at most 16 output channels, all weights
// within 32 KB, sizes within 32-bit indices; *reason says why not.
bool small_conv_fits(const Int8ConvShape& s, std::string* reason = nullptr);

// Enqueues Y = epilogue(conv(X, W)); weights in any Int8Weights order.
void launch_small_conv(const Int8ConvShape& s, const int8_t* x, const Int8Weights& w,
                       const Int8Epilogue& e, cudaStream_t stream);

}  // namespace qrt::cuda
