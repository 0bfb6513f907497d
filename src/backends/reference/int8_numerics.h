// Float <-> integer steps of the low-precision ops, written once so every reference kernel
// rounds the same way (docs/quantization.md, "Exact numerics").
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

namespace qrt::reference {

// a * b rounded to f32 on its own: the volatile keeps the compiler from fusing the multiply
// into a following add (an FMA rounds once), which GCC does for C++ whenever the target has
// FMA, even with -std=c++20.
inline float mul_rn(float a, float b) {
  volatile float product = a * b;
  return product;
}

// An integral float (the result of std::nearbyint or round_half_even, or NaN) clamped to Q's
// range; NaN gives 0. Branch-free, so loops over it vectorise.
template <typename Q>
Q saturate(float v) {
  constexpr float kLo = static_cast<float>(std::numeric_limits<Q>::min());
  constexpr float kHi = static_cast<float>(std::numeric_limits<Q>::max());
  // Two unconditional compares (nested ones would not vectorise under -ftrapping-math).
  const float low = v < kLo ? kLo : v;
  const float clamped = low > kHi ? kHi : low;
  return static_cast<Q>(std::isnan(v) ? 0.f : clamped);
}

// std::nearbyint(x) in the default rounding mode (to nearest, ties to even) for |x| <= 2^22,
// a few vector instructions where nearbyint is a library call. Adding 1.5 * 2^23 moves such x
// into [2^23, 2^24), where the floats are the integers, so the add rounds; subtracting is
// exact. Larger x keep their sign and a magnitude above 2^21 (infinities and NaN stay), so
// saturate() to an 8- or 16-bit type gives what it gives for nearbyint(x). x must not be a
// product in the same expression: an FMA would skip its rounding. (No clamp first: a select
// feeding the add keeps GCC from vectorising under -ftrapping-math.)
inline float round_half_even(float x) {
  constexpr float kShift = 12582912.f;  // 1.5 * 2^23
  return (x + kShift) - kShift;
}

// q[j] = saturate<Q>(round_half_even(x[j])) for j < n.
template <typename Q>
void round_saturate(const float* __restrict x, Q* __restrict q, int64_t n) {
  for (int64_t j = 0; j < n; ++j) q[j] = saturate<Q>(round_half_even(x[j]));
}

}  // namespace qrt::reference
