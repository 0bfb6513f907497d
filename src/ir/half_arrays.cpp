// Array conversions between float and IEEE half: F16C (8 values per instruction) on x86 CPUs
// that have it, the scalar conversions elsewhere. F16C rounds to nearest even as the scalar
// code does; only NaN payloads may differ, so blocks holding a NaN take the scalar path.
#include <cstdint>

#include "qrt/types.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define QRT_HALF_F16C 1
#include <immintrin.h>
#endif

namespace qrt {

namespace {

constexpr size_t kBlock = 8;

#ifdef QRT_HALF_F16C
bool has_f16c() {
  static const bool yes = __builtin_cpu_supports("avx") && __builtin_cpu_supports("f16c");
  return yes;
}

// Converts whole blocks of 8 values; returns how many values it converted.
__attribute__((target("avx,f16c"))) size_t halves_to_floats_f16c(const uint16_t* src, float* dst,
                                                                 size_t n) {
  size_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    const __m256 v = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i)));
    if (_mm256_movemask_ps(_mm256_cmp_ps(v, v, _CMP_UNORD_Q)) != 0) {
      for (size_t j = i; j < i + kBlock; ++j) dst[j] = half_to_float(src[j]);
      continue;
    }
    _mm256_storeu_ps(dst + i, v);
  }
  return i;
}

__attribute__((target("avx,f16c"))) size_t floats_to_halves_f16c(const float* src, uint16_t* dst,
                                                                 size_t n) {
  size_t i = 0;
  for (; i + kBlock <= n; i += kBlock) {
    const __m256 v = _mm256_loadu_ps(src + i);
    if (_mm256_movemask_ps(_mm256_cmp_ps(v, v, _CMP_UNORD_Q)) != 0) {
      for (size_t j = i; j < i + kBlock; ++j) dst[j] = float_to_half(src[j]);
      continue;
    }
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + i),
                     _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
  }
  return i;
}
#endif

}  // namespace

void half_to_float(const uint16_t* src, float* dst, size_t n) {
  size_t done = 0;
#ifdef QRT_HALF_F16C
  if (has_f16c()) done = halves_to_floats_f16c(src, dst, n);
#endif
  for (size_t i = done; i < n; ++i) dst[i] = half_to_float(src[i]);
}

void float_to_half(const float* src, uint16_t* dst, size_t n) {
  size_t done = 0;
#ifdef QRT_HALF_F16C
  if (has_f16c()) done = floats_to_halves_f16c(src, dst, n);
#endif
  for (size_t i = done; i < n; ++i) dst[i] = float_to_half(src[i]);
}

}  // namespace qrt
