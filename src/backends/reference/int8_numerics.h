// Float <-> integer steps of the low-precision ops, written once so every reference kernel
// rounds the same way (docs/quantization.md, "Exact numerics").
#pragma once

#include <cmath>
#include <limits>

namespace qrt::reference {

// a * b rounded to f32 on its own: the volatile keeps the compiler from fusing the multiply
// into a following add (an FMA rounds once), which GCC does for C++ whenever the target has
// FMA, even with -std=c++20.
inline float mul_rn(float a, float b) {
  volatile float product = a * b;
  return product;
}

// An integral float (the result of std::nearbyint, or NaN) clamped to Q's range; NaN gives 0.
template <typename Q>
Q saturate(float v) {
  constexpr float kLo = static_cast<float>(std::numeric_limits<Q>::min());
  constexpr float kHi = static_cast<float>(std::numeric_limits<Q>::max());
  if (std::isnan(v)) return Q{0};
  return static_cast<Q>(v < kLo ? kLo : (v > kHi ? kHi : v));
}

}  // namespace qrt::reference
