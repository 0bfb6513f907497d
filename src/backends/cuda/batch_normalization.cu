// BatchNormalization (inference): y = (x - mean) * inv_std * scale + B with
// inv_std = 1 / sqrt(var + epsilon) in double, as the reference, and each product rounded on
// its own. The per-channel parameters are read through views that broadcast along the
// channel axis (dim 1, or the last dim with channels_last = 1).
#include "backends/cuda/elementwise.cuh"

namespace qrt::cuda {
namespace {

struct BatchNormFn {
  double epsilon;
  explicit BatchNormFn(const ir::Node& node) : epsilon(node.attr_float("epsilon", 1e-5f)) {}
  __device__ float operator()(float x, float scale, float bias, float mean, float var) const {
    const float inv_std = static_cast<float>(1.0 / sqrt(static_cast<double>(var) + epsilon));
    return __fadd_rn(__fmul_rn(__fmul_rn(__fsub_rn(x, mean), inv_std), scale), bias);
  }
};

struct BatchNormKernel {
  template <DataType D>
  KernelFn operator()(std::integral_constant<DataType, D>) const {
    return [](const KernelArgs& args) {
      using T = device_t<D>;
      const Tensor& x = args.in(0);
      const bool channels_last = args.node.attr_int("channels_last", 0) != 0;
      const int64_t channels = channels_last ? x.shape().back() : x.dim(1);
      std::vector<int64_t> shape(channels_last ? 1 : x.shape().size() - 1, 1);
      shape[0] = channels;
      auto view = [&](size_t i) {
        if (args.in(i).dtype() != x.dtype())
          throw Error(args.node.describe() + ": parameters of another type than X");
        return Tensor::borrow(x.dtype(), shape, const_cast<void*>(args.in(i).data()));
      };
      elementwise_map<T, T, T, T, T, T>(resources(args), BatchNormFn(args.node), args.out(0), x,
                                        view(1), view(2), view(3), view(4));
    };
  }
};

bool batch_norm_supported(const ir::Node&, const NodeTypes& types, std::string* reason) {
  for (size_t i = 1; i < 5 && i < types.inputs.size(); ++i)
    if (types.inputs[i].dtype != types.inputs[0].dtype) {
      if (reason) *reason = "the CUDA kernel wants scale, B, mean and var of X's type";
      return false;
    }
  if (types.inputs.size() >= 5 && types.inputs[0].shape.size() >= 2) return true;
  if (reason) *reason = "BatchNormalization needs X of rank >= 2 and 5 inputs";
  return false;
}

[[maybe_unused]] const bool kRegistered = [] {
  register_for<DataType::kFloat32, DataType::kFloat16>("BatchNormalization", BatchNormKernel{},
                                                       batch_norm_supported);
  return true;
}();

}  // namespace
}  // namespace qrt::cuda
