// Reference GlobalAveragePool and GlobalMaxPool: one value per (n, c) plane.
#include <algorithm>
#include <limits>

#include "backends/kernel_registry.h"
#include "backends/reference/channels_last.h"

namespace qrt::reference {
namespace {

template <typename T, bool kAverage>
void global_pool(const KernelArgs& args) {
  const Tensor& x = args.in(0);
  const int64_t planes = x.dim(0) * x.dim(1), size = x.numel() / std::max<int64_t>(planes, 1);
  const T* xp = x.data_as<T>();
  T* yp = args.out(0).data_as<T>();
  for (int64_t p = 0; p < planes; ++p, xp += size) {
    if constexpr (kAverage) {
      T sum = 0;
      for (int64_t i = 0; i < size; ++i) sum += xp[i];
      yp[p] = sum / static_cast<T>(size);
    } else {
      yp[p] = size ? *std::max_element(xp, xp + size) : std::numeric_limits<T>::lowest();
    }
  }
}

}  // namespace

QRT_REGISTER_KERNEL("GlobalAveragePool", "reference", DataType::kFloat32,
                    channels_last_kernel(global_pool<float, true>));
QRT_REGISTER_KERNEL("GlobalAveragePool", "reference", DataType::kFloat64,
                    channels_last_kernel(global_pool<double, true>));
QRT_REGISTER_KERNEL("GlobalMaxPool", "reference", DataType::kFloat32,
                    channels_last_kernel(global_pool<float, false>));
QRT_REGISTER_KERNEL("GlobalMaxPool", "reference", DataType::kFloat64,
                    channels_last_kernel(global_pool<double, false>));

}  // namespace qrt::reference
