// The "cudnn" tactic of the CUDA int8 convolution: one cuDNN graph (backend API) per shape and
// epilogue form, ConvolutionFwd (int8 NHWC x int8 KRSC, INT32 compute) -> MUL m[c] -> ADD bias[c]
// -> [ADD residual] -> [RELU with clip bounds] -> [MUL 1/y_scale -> int8], its execution plan
// built once and cached process-wide. docs/cuda_int8.md says what cuDNN accepts and how its
// numerics differ from the reference.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "backends/cuda/int8_gemm.h"

namespace qrt::cuda {

// The per-channel and scalar operands the graph reads, written on the stream (by
// conv_int8_nhwc) into the workspace before each run: m[c] = x_scale * w_scale[c] (f32), the
// bias or zeros, 1 / y_scale, r_scale, each at a 256-byte aligned offset.
struct CudnnInt8ConstantsLayout {
  size_t m = 0, bias = 0, inv_y = 0, r_scale = 0, bytes = 0;
};
CudnnInt8ConstantsLayout cudnn_int8_constants_layout(int64_t k);

// Whether cuDNN has a plan for the shape and the epilogue's form (residual kind, output type,
// clip bounds). With `build`, makes it when not cached yet (slow: heuristics, finalization and
// a timing of the candidate plans; not while the stream is being captured); *reason says why
// not. Only int8 outputs: cuDNN's f32 epilogue is not the reference's (an FMA).
bool cudnn_int8_conv_ready(const Int8ConvShape& s, const Int8Epilogue& e, bool build,
                           std::string* reason = nullptr);

// Runs the cached plan (cudnn_int8_conv_ready must have said yes) on res.stream with res.cudnn:
// `constants` is the device block of cudnn_int8_constants_layout, `workspace` cuDNN's scratch.
void cudnn_int8_conv_run(const Int8ConvShape& s, const int8_t* x, const int8_t* w_ohwi,
                         const Int8Epilogue& e, const void* constants, void* workspace,
                         size_t workspace_bytes, const Resources& res);

// The workspace the cached plan needs (0 when none is cached).
size_t cudnn_int8_conv_workspace(const Int8ConvShape& s, const Int8Epilogue& e);

// Tests: forgets every cached plan, as in a fresh process that loads a plan file.
void cudnn_int8_conv_forget_plans();
// Convolutions with tactic `cudnn` that ran the default tactic instead, because no plan was
// cached while the stream was being captured (process-wide count).
int64_t cudnn_int8_conv_capture_fallbacks();
void count_cudnn_int8_capture_fallback();

// Diagnostics: builds the graph (int8 NHWC, or int8x32 vectorised tensors with vector_count
// 32) and reports, line by line, what heuristics modes A and FALLBACK return and what every
// engine of the graph says when finalized (engine id, behaviour notes, status, workspace).
std::string cudnn_int8_conv_probe(const Int8ConvShape& s, const Int8Epilogue& e,
                                  int vector_count = 1);

}  // namespace qrt::cuda
