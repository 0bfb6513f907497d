// The "graph" tactic of f16 Conv and FusedConv in NHWC: one cuDNN graph (backend API) per shape
// and epilogue form, ConvolutionFwd (half NHWC x half KRSC, f32 compute) -> [ADD bias[c]] ->
// [ADD residual] -> [RELU with clip bounds] -> half Y, so that bias, residual and ReLU or ReLU6
// run inside cuDNN's fused kernel. The legacy API fuses only ReLU: a clip (MobileNetV2's ReLU6)
// costs it a second pass over the output. Plans are built once per shape and cached
// process-wide, as the int8 graph's (cudnn_int8_conv.h).
#pragma once

#include <cstddef>
#include <string>

#include "backends/cuda/int8_gemm.h"

namespace qrt::cuda {

// What the graph computes besides the convolution of `shape` (an NHWC problem; the int8 shape
// type serves both).
struct F16ConvForm {
  bool bias = false;
  bool residual = false;
  bool clamps = false;  // relu: lo = 0, hi = +inf; clip: its bounds
  float lo = 0.f, hi = 0.f;
};

// Whether cuDNN has a plan for the shape and form (ungrouped 2-D only). With `build`, makes it
// when not cached yet (heuristics and a timing of the candidates; not while a stream is being
// captured); *reason says why not.
bool cudnn_f16_conv_ready(const Int8ConvShape& s, const F16ConvForm& f, bool build,
                          std::string* reason = nullptr);

// Runs the cached plan on res.stream with res.cudnn and res.workspace: X [n, h, w, c], W
// [k, kh, kw, c] (OHWI), bias [k] or null, residual like Y or null, Y [n, out_h, out_w, k], all
// half. False (nothing enqueued) when no plan is cached or it needs more workspace than res has.
bool cudnn_f16_conv_run(const Int8ConvShape& s, const F16ConvForm& f, const void* x,
                        const void* w_ohwi, const void* bias, const void* residual, void* y,
                        const Resources& res);

// How many times cudnn_f16_conv_run enqueued a plan (process-wide; tests).
int64_t cudnn_f16_conv_runs();

}  // namespace qrt::cuda
