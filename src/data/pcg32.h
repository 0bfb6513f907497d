// PCG32 (XSH-RR), the generator docs/fashion_seg_dataset.md specifies so that Python and C++
// draw the same numbers.
#pragma once

#include <cstdint>

namespace qrt::data {

class Pcg32 {
 public:
  Pcg32(uint64_t seed, uint64_t stream) : inc_((stream << 1) | 1) {
    next_u32();
    state_ += seed;
    next_u32();
  }

  uint32_t next_u32() {
    const uint64_t old = state_;
    state_ = old * 6364136223846793005ULL + inc_;
    const auto x = static_cast<uint32_t>(((old >> 18) ^ old) >> 27);
    const auto r = static_cast<uint32_t>(old >> 59);
    return (x >> r) | (x << ((32 - r) & 31));
  }

  // next_u32() % n: the spec's (slightly biased) uniform integer in [0, n).
  uint32_t uniform(uint32_t n) { return next_u32() % n; }

 private:
  uint64_t state_ = 0;
  uint64_t inc_;
};

}  // namespace qrt::data
