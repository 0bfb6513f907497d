// The f32 epilogue of the CUDA int8 convolutions and GEMMs (int8_gemm.h's Int8Epilogue) as
// device functions, shared by the kernels of int8_gemm.cu and depthwise_int8.cu so that every
// tactic computes the same bits.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "backends/cuda/int8_gemm.h"

namespace qrt::cuda {

// The epilogue, exactly docs/quantization.md: every product rounded on its own (__fmul_rn),
// every sum too (__fadd_rn), so that no FMA forms.
// The residual and the activation, from v = float(acc) * m + bias.
__device__ __forceinline__ float residual_activation(const Int8Epilogue& e, int64_t i, float v) {
  if (e.residual_i8)
    v = __fadd_rn(v, __fmul_rn(static_cast<float>(e.residual_i8[i]), e.r_scale));
  else if (e.residual_f32)
    v = __fadd_rn(v, e.residual_f32[i]);
  if (e.clamps) {
    // Compares, not fminf/fmaxf: NaN stays NaN here (and becomes 0 below), as in the reference.
    if (v < e.lo) v = e.lo;
    if (v > e.hi) v = e.hi;
  }
  return v;
}

__device__ __forceinline__ float epilogue_value(const Int8Epilogue& e, int64_t i, int64_t c,
                                                int32_t acc) {
  const float m = __fmul_rn(e.in_scale, e.scales[c]);
  return residual_activation(
      e, i, __fadd_rn(__fmul_rn(static_cast<float>(acc), m), e.bias ? e.bias[c] : 0.f));
}

__device__ __forceinline__ int8_t quantize(const Int8Epilogue& e, float v) {
  const float q = __fmul_rn(v, e.inv_y_scale);
  // __float2int_rn rounds half to even and saturates to int32; NaN -> 0 explicitly.
  return static_cast<int8_t>(q != q ? 0 : min(max(__float2int_rn(q), -128), 127));
}

// Output element i (flat index, also the residual's) of channel c from its int32 sum.
__device__ __forceinline__ void finish(const Int8Epilogue& e, int64_t i, int64_t c, int32_t acc) {
  const float v = epilogue_value(e, i, c, acc);
  if (e.y_i8)
    e.y_i8[i] = quantize(e, v);
  else
    e.y_f32[i] = v;
}

// Elements i and i + 1 (channels c, c + 1; i even) stored together.
__device__ __forceinline__ void finish_pair(const Int8Epilogue& e, int64_t i, int64_t c,
                                            int32_t acc0, int32_t acc1) {
  const float v0 = epilogue_value(e, i, c, acc0), v1 = epilogue_value(e, i + 1, c + 1, acc1);
  if (e.y_i8) {
    char2 q;
    q.x = quantize(e, v0);
    q.y = quantize(e, v1);
    *reinterpret_cast<char2*>(e.y_i8 + i) = q;
  } else {
    *reinterpret_cast<float2*>(e.y_f32 + i) = make_float2(v0, v1);
  }
}

// Elements i .. i + 3 (channels c .. c + 3) stored as one vector; y + i must be aligned to it.
__device__ __forceinline__ void finish_quad(const Int8Epilogue& e, int64_t i, int64_t c,
                                            const int4& acc) {
  const float v0 = epilogue_value(e, i, c, acc.x), v1 = epilogue_value(e, i + 1, c + 1, acc.y);
  const float v2 = epilogue_value(e, i + 2, c + 2, acc.z),
              v3 = epilogue_value(e, i + 3, c + 3, acc.w);
  if (e.y_i8) {
    char4 q;
    q.x = quantize(e, v0);
    q.y = quantize(e, v1);
    q.z = quantize(e, v2);
    q.w = quantize(e, v3);
    *reinterpret_cast<char4*>(e.y_i8 + i) = q;
  } else {
    *reinterpret_cast<float4*>(e.y_f32 + i) = make_float4(v0, v1, v2, v3);
  }
}

// Whether output elements i .. i + n - 1 can be stored as one vector (n = 2 or 4).
__device__ __forceinline__ bool vector_aligned(const Int8Epilogue& e, int64_t i, int n) {
  const uintptr_t address =
      e.y_i8 ? reinterpret_cast<uintptr_t>(e.y_i8 + i) : reinterpret_cast<uintptr_t>(e.y_f32 + i);
  return address % (static_cast<uintptr_t>(n) * (e.y_i8 ? 1 : 4)) == 0;
}

// Stores 16 finished values (residual and activation applied) of channels i .. i + 15: one
// 16-byte int8 store or four float4 stores; Y + i must be 16-byte aligned.
__device__ __forceinline__ void store16(const Int8Epilogue& e, int64_t i, const float (&r)[16]) {
  if (e.y_i8) {
    uint32_t packed[4];
#pragma unroll
    for (int q = 0; q < 4; ++q) {
      uint32_t word = 0;
#pragma unroll
      for (int j = 0; j < 4; ++j)
        word |= static_cast<uint32_t>(static_cast<uint8_t>(quantize(e, r[4 * q + j]))) << (8 * j);
      packed[q] = word;
    }
    *reinterpret_cast<int4*>(e.y_i8 + i) =
        make_int4(static_cast<int>(packed[0]), static_cast<int>(packed[1]),
                  static_cast<int>(packed[2]), static_cast<int>(packed[3]));
  } else {
#pragma unroll
    for (int q = 0; q < 4; ++q)
      *reinterpret_cast<float4*>(e.y_f32 + i + 4 * q) =
          make_float4(r[4 * q], r[4 * q + 1], r[4 * q + 2], r[4 * q + 3]);
  }
}

// ---------------------------------------------------------------------------------------------
// The same bits with fewer instructions, for the kernels whose time is their epilogue (the
// narrow pointwise and depthwise layers). Valid where v is finite: no f32 residual (float(acc)
// * m + bias and an int8 residual are finite), int8 output.
//   - float(acc) for |acc| < 2^22 is an integer add and a float subtract of 1.5 * 2^23 (exact),
//     instead of the quarter-rate conversion;
//   - x -> x * inv_y_scale rounds monotonically (inv_y_scale > 0), so clamping v to the
//     activation's [lo, hi] and then the scaled value to [-128, 127] equals clamping the scaled
//     value once to [max(lo * inv, -128), min(hi * inv, 127)] (QuantBounds): two min/max;
//   - rint is the add of 1.5 * 2^23 (round half to even in that binade), and the int8 is the low
//     byte of the sum's bits.
constexpr float kRoundMagic = 12582912.f;  // 1.5 * 2^23
constexpr int32_t kRoundMagicBits = 0x4B400000;

struct QuantBounds {
  float lo = -128.f, hi = 127.f;
};

// The bounds of an int8-output epilogue (host or device).
__host__ __device__ inline QuantBounds quant_bounds(const Int8Epilogue& e) {
  const float lo = e.clamps ? e.lo : -INFINITY, hi = e.clamps ? e.hi : INFINITY;
  return {fmaxf(lo * e.inv_y_scale, -128.f), fminf(hi * e.inv_y_scale, 127.f)};
}

// float(acc) for |acc| < 2^22, exactly.
__device__ __forceinline__ float exact_float(int32_t acc) {
  return __fsub_rn(__int_as_float(kRoundMagicBits + acc), kRoundMagic);
}

// quantize(e, activation(v)) for a finite v, in the low byte of the result.
__device__ __forceinline__ uint32_t quantized_bits(float v, float inv_y_scale, QuantBounds b) {
  const float q = fminf(fmaxf(__fmul_rn(v, inv_y_scale), b.lo), b.hi);
  return static_cast<uint32_t>(__float_as_int(__fadd_rn(q, kRoundMagic)));
}

// The low bytes of four quantized_bits results as one word (first in byte 0).
__device__ __forceinline__ uint32_t pack_low_bytes(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  return __byte_perm(__byte_perm(a, b, 0x0040), __byte_perm(c, d, 0x0040), 0x5410);
}

}  // namespace qrt::cuda
