// The float -> int8 steps of the int8 ops on the GPU, exactly as docs/quantization.md writes
// them (and the reference computes): rint rounds half to even, saturation clamps to the
// type's range and maps NaN to 0; products are rounded on their own (no FMA contraction).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <limits>
#include <string>

#include "ir/graph.h"

namespace qrt::cuda {

// An integral (or NaN / infinite) float clamped to Q's range; NaN gives 0.
template <typename Q>
__device__ __forceinline__ Q saturate_int(float v) {
  constexpr float kLo = static_cast<float>(std::numeric_limits<Q>::min());
  constexpr float kHi = static_cast<float>(std::numeric_limits<Q>::max());
  if (isnan(v)) return Q(0);
  return static_cast<Q>(__float2int_rn(fminf(fmaxf(v, kLo), kHi)));
}

// QuantizeLinear of one element (docs/quantization.md): saturate(rint(x / scale) + zero_point)
// with a true f32 division, rint rounding half to even, NaN -> 0. The zero point is optional
// (omitted: nothing is added). QuantizeLinear and the fused input quantization
// (qrt.QuantizeToNhwc) both call it, so they round alike.
template <typename Q>
struct QuantizeLinearFn {
  template <typename S, typename... Z>
  __device__ __forceinline__ Q operator()(float x, S scale, Z... zero_point) const {
    float r = rintf(__fdiv_rn(x, static_cast<float>(scale)));
    ((r = __fadd_rn(r, static_cast<float>(zero_point))), ...);
    return saturate_int<Q>(r);
  }
};

// The activation and requantization of an int8 op's f32 result (attributes activation,
// clip_min, clip_max, y_scale): relu is max(v, 0); clip is max(v, lo) then min(v, hi).
struct Int8Epilogue {
  bool clamps = false;
  float lo = -INFINITY;
  float hi = INFINITY;
  float inv_y_scale = 0.f;  // 1 / y_scale computed once in f32; 0 for an f32 output

  explicit Int8Epilogue(const ir::Node& node) {
    const std::string activation = node.attr_string("activation", "");
    if (activation == "relu") {
      lo = 0.f;
    } else if (activation == "clip") {
      lo = node.attr_float("clip_min", -INFINITY);
      hi = node.attr_float("clip_max", INFINITY);
    }
    clamps = !activation.empty();
    const float y_scale = node.attr_float("y_scale", 0.f);
    if (y_scale > 0.f) inv_y_scale = 1.f / y_scale;
  }

  __device__ __forceinline__ float activate(float v) const {
    if (clamps) {
      if (v < lo) v = lo;
      if (v > hi) v = hi;
    }
    return v;
  }
  __device__ __forceinline__ int8_t quantize(float v) const {
    return saturate_int<int8_t>(rintf(__fmul_rn(v, inv_y_scale)));
  }
};

}  // namespace qrt::cuda
