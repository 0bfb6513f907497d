#include "backends/reference/int8_epilogue.h"

#include <algorithm>

namespace qrt::reference {

// Cloned for AVX-512 and AVX2 (picked when the library loads): the stages are memory-bound
// loops, worth the wider vectors.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
void Int8Output::write_run(int64_t i, const int32_t* acc, int64_t count, float multiplier,
                           float bias) const {
  constexpr int64_t kBlock = 256;
  float v[kBlock], t[kBlock];
  for (int64_t s = 0; s < count; s += kBlock, i += kBlock, acc += kBlock) {
    const int64_t n = std::min(kBlock, count - s);
    for (int64_t j = 0; j < n; ++j) t[j] = static_cast<float>(acc[j]) * multiplier;
    for (int64_t j = 0; j < n; ++j) v[j] = t[j] + bias;
    if (r_i8_) {
      for (int64_t j = 0; j < n; ++j) t[j] = static_cast<float>(r_i8_[i + j]) * r_scale_;
      for (int64_t j = 0; j < n; ++j) v[j] = v[j] + t[j];
    } else if (r_f32_) {
      for (int64_t j = 0; j < n; ++j) v[j] = v[j] + r_f32_[i + j];
    }
    if (clamps_)
      for (int64_t j = 0; j < n; ++j) {
        const float low = v[j] < lo_ ? lo_ : v[j];
        v[j] = low > hi_ ? hi_ : low;
      }
    if (y_f32_) {
      std::copy_n(v, n, y_f32_ + i);
      continue;
    }
    for (int64_t j = 0; j < n; ++j) t[j] = v[j] * inv_y_scale_;
    round_saturate(t, y_i8_ + i, n);
  }
}

}  // namespace qrt::reference
