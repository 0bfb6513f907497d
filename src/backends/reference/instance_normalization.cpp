// Reference InstanceNormalization.
#include "backends/kernel_registry.h"
#include "backends/reference/channels_last.h"
#include "backends/reference/norm_util.h"

namespace qrt::reference {
namespace {

template <typename T>
void instance_normalization(const KernelArgs& args) {
  const Tensor& x = args.in(0);
  const double epsilon = args.node.attr_float("epsilon", 1e-5f);
  const T* scale = args.in(1).data_as<T>();
  const T* bias = args.in(2).data_as<T>();
  const int64_t batch = x.dim(0), channels = x.dim(1);
  const int64_t size = shape_numel(std::span<const int64_t>(x.shape()).subspan(2));
  const T* xp = x.data_as<T>();
  T* yp = args.out(0).data_as<T>();
  for (int64_t p = 0; p < batch * channels; ++p) {
    const T* src = xp + p * size;
    T* dst = yp + p * size;
    const Moments mo = moments(src, size, epsilon);
    const int64_t c = p % channels;
    for (int64_t i = 0; i < size; ++i)
      dst[i] = static_cast<T>((src[i] - mo.mean) * mo.inv_std * scale[c] + bias[c]);
  }
}

}  // namespace

QRT_REGISTER_KERNEL("InstanceNormalization", "reference", DataType::kFloat32,
                    channels_last_kernel(instance_normalization<float>));
QRT_REGISTER_KERNEL("InstanceNormalization", "reference", DataType::kFloat64,
                    channels_last_kernel(instance_normalization<double>));

}  // namespace qrt::reference
