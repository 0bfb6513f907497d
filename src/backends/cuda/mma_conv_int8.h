// The "pwmma" and "patchmma" tactics of ConvInt8 (mma_conv_int8.cu): convolutions whose GEMM
// depth is at most 64 (1x1 over few channels, RGB and grey first layers) on the int8 tensor
// cores, 32 pixels per warp, the epilogue in its fast exact form and int8 rows written out of
// shared memory as 16-byte vectors.
#pragma once

#include <cuda_runtime.h>

#include <string>

#include "backends/cuda/int8_gemm.h"

namespace qrt::cuda {

// "pwmma": 1x1, stride 1, no pads, ungrouped, c a multiple of 4 and at most 64, output channels
// a multiple of 8 (above 192 a multiple of 16), 32-bit sizes; *reason says why not. The launch
// returns false (nothing enqueued) when X is not 4-byte aligned or Y not 16-byte (int8) / 8-byte
// (f32) aligned.
bool pointwise_mma_fits(const Int8ConvShape& s, std::string* reason = nullptr);
bool launch_pointwise_mma(const Int8ConvShape& s, const int8_t* x, const Int8Weights& w,
                          const Int8Epilogue& e, const Resources& res);

// "patchmma": any convolution (group 1) whose patch is at most 64 bytes deep (kernel_h *
// kernel_w * c: MobileNetV2's 3x3 RGB stem is 27, a grey 3x3 first layer 9) on the same kernel,
// each pixel's patch gathered byte by byte (zero padding) into the A fragments. Int8 output
// without an f32 residual only: otherwise false (nothing enqueued), as for a misaligned Y.
bool patch_mma_fits(const Int8ConvShape& s, std::string* reason = nullptr);
bool launch_patch_mma(const Int8ConvShape& s, const int8_t* x, const Int8Weights& w,
                      const Int8Epilogue& e, const Resources& res);

}  // namespace qrt::cuda
