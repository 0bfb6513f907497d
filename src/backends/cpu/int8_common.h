// The int8 epilogue of docs/quantization.md as oneDNN attributes, shared by ConvInt8 and
// MatMulInt8:
//   reference: v = float(acc) * m[c] + bias[c];  v += r * r_scale (or + r);  v = act(v);
//              y = saturate_i8(rint(v / y_scale)) (or v for f32 output)
//   oneDNN:    v = (float(acc) + bias[c] / m[c]) * m[c]   (output scales m[c], folded bias)
//              v += r_scale * y_prev                      (sum post-op; R copied into Y first)
//              y = (1 / y_scale) * act(v)                 (eltwise post-op with scale), then
//              rounded to nearest even and saturated by the s8 store.
// The folded bias differs from the reference's order by rounding only (a few ulp before the
// final rounding), so an int8 output may differ by one step where v / y_scale lies within
// those ulps of a half.
#pragma once

#include <vector>

#include "backends/cpu/dnnl_util.h"

namespace qrt::cpu {

struct Int8Epilogue {
  dnnl::primitive_attr attr;
  std::vector<float> bias;             // bias[c] / m[c]
  std::vector<int64_t> dead_channels;  // m[c] == 0: their weights are zeroed, y = bias[c]
};

// `in_scale_attr`: "x_scale" or "a_scale"; scales at input 2, bias at input 3, residual at 4.
Int8Epilogue int8_epilogue(const KernelArgs& args, const char* in_scale_attr);

// Copies R into Y when R is present (the sum post-op reads it from Y); `dst_md` is Y's
// descriptor (its size is the buffer's, padding included).
void stage_residual(const KernelArgs& args, const dnnl::memory::desc& dst_md);

// The output, residual and activation combinations the epilogue handles.
bool int8_epilogue_supported(const ir::Node& node, const NodeTypes& types, std::string* reason);

}  // namespace qrt::cpu
