// Mean and inverse standard deviation of a contiguous block, shared by the reference
// LayerNormalization and InstanceNormalization kernels (accumulated in double, two passes).
#pragma once

#include <cmath>
#include <cstdint>

namespace qrt::reference {

struct Moments {
  double mean = 0;
  double inv_std = 0;  // 1 / sqrt(population variance + epsilon)
};

template <typename T>
Moments moments(const T* x, int64_t n, double epsilon) {
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += x[i];
  const double mean = n ? sum / double(n) : 0.0;
  double sq = 0;
  for (int64_t i = 0; i < n; ++i) sq += (x[i] - mean) * (x[i] - mean);
  const double var = n ? sq / double(n) : 0.0;
  return {mean, 1.0 / std::sqrt(var + epsilon)};
}

}  // namespace qrt::reference
