// Reference LayerNormalization, including the optional Mean and InvStdDev outputs.
#include <vector>

#include "backends/kernel_registry.h"
#include "backends/reference/norm_util.h"

namespace qrt::reference {
namespace {

// The values of `t` broadcast (right-aligned, unidirectionally) to `dims`, as doubles.
template <typename T>
std::vector<double> broadcast_to(const Tensor& t, const std::vector<int64_t>& dims) {
  const int64_t count = shape_numel(dims);
  std::vector<double> out(static_cast<size_t>(count));
  const size_t lead = dims.size() - t.rank();
  for (int64_t i = 0; i < count; ++i) {
    int64_t rest = i, src = 0, stride = 1;
    for (size_t d = dims.size(); d-- > lead;) {
      const int64_t idx = rest % dims[d];
      rest /= dims[d];
      const int64_t size = t.dim(d - lead);
      if (size != 1) src += idx * stride;
      stride *= size;
    }
    out[static_cast<size_t>(i)] = static_cast<double>(t.data_as<T>()[src]);
  }
  return out;
}

// Stores a statistic in a float32 / float64 / bfloat16 (stash_type) output.
void store(Tensor& t, int64_t i, double v) {
  switch (t.dtype()) {
    case DataType::kFloat64:
      t.data_as<double>()[i] = v;
      break;
    case DataType::kBFloat16:
      t.data_as<uint16_t>()[i] = float_to_bfloat16(float(v));
      break;
    case DataType::kFloat16:
      t.data_as<uint16_t>()[i] = float_to_half(float(v));
      break;
    default:
      t.data_as<float>()[i] = float(v);
      break;
  }
}

template <typename T>
void layer_normalization(const KernelArgs& args) {
  const Tensor& x = args.in(0);
  const int64_t rank = static_cast<int64_t>(x.rank());
  int64_t axis = args.node.attr_int("axis", -1);
  if (axis < 0) axis += rank;
  const double epsilon = args.node.attr_float("epsilon", 1e-5f);
  const std::vector<int64_t> dims(x.shape().begin() + axis, x.shape().end());
  const int64_t size = shape_numel(dims);
  const int64_t rows = shape_numel(std::span<const int64_t>(x.shape()).first(axis));
  const std::vector<double> scale = broadcast_to<T>(args.in(1), dims);
  const std::vector<double> bias =
      args.has_in(2) ? broadcast_to<T>(args.in(2), dims) : std::vector<double>(size, 0.0);
  Tensor* mean_out = args.outputs.size() > 1 && args.out(1).defined() ? &args.out(1) : nullptr;
  Tensor* inv_std_out = args.outputs.size() > 2 && args.out(2).defined() ? &args.out(2) : nullptr;
  const T* xp = x.data_as<T>();
  T* yp = args.out(0).data_as<T>();
  for (int64_t r = 0; r < rows; ++r) {
    const T* src = xp + r * size;
    T* dst = yp + r * size;
    const Moments mo = moments(src, size, epsilon);
    for (int64_t i = 0; i < size; ++i)
      dst[i] = static_cast<T>((src[i] - mo.mean) * mo.inv_std * scale[i] + bias[i]);
    if (mean_out) store(*mean_out, r, mo.mean);
    if (inv_std_out) store(*inv_std_out, r, mo.inv_std);
  }
}

}  // namespace

QRT_REGISTER_KERNEL("LayerNormalization", "reference", DataType::kFloat32,
                    layer_normalization<float>);
QRT_REGISTER_KERNEL("LayerNormalization", "reference", DataType::kFloat64,
                    layer_normalization<double>);

}  // namespace qrt::reference
