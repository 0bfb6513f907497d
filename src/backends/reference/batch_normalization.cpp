// Reference BatchNormalization (inference): y = (x - mean) / sqrt(var + epsilon) * scale + B.
#include <cmath>

#include "backends/kernel_registry.h"
#include "backends/reference/channels_last.h"

namespace qrt::reference {
namespace {

template <typename T>
void batch_normalization(const KernelArgs& args) {
  const Tensor& x = args.in(0);
  const double epsilon = args.node.attr_float("epsilon", 1e-5f);
  const T* scale = args.in(1).data_as<T>();
  const T* bias = args.in(2).data_as<T>();
  const T* mean = args.in(3).data_as<T>();
  const T* var = args.in(4).data_as<T>();
  const int64_t batch = x.dim(0), channels = x.dim(1);
  const int64_t size = shape_numel(std::span<const int64_t>(x.shape()).subspan(2));
  const T* xp = x.data_as<T>();
  T* yp = args.out(0).data_as<T>();
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t c = 0; c < channels; ++c) {
      const T inv_std = static_cast<T>(1.0 / std::sqrt(double(var[c]) + epsilon));
      const T* src = xp + (n * channels + c) * size;
      T* dst = yp + (n * channels + c) * size;
      for (int64_t i = 0; i < size; ++i) dst[i] = (src[i] - mean[c]) * inv_std * scale[c] + bias[c];
    }
}

}  // namespace

QRT_REGISTER_KERNEL("BatchNormalization", "reference", DataType::kFloat32,
                    channels_last_kernel(batch_normalization<float>));
QRT_REGISTER_KERNEL("BatchNormalization", "reference", DataType::kFloat64,
                    channels_last_kernel(batch_normalization<double>));

}  // namespace qrt::reference
