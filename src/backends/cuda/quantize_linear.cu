// QuantizeLinear and DequantizeLinear, per tensor or per axis (docs/quantization.md):
//   q = saturate(rint(x / scale) + zero_point)   (true f32 division, half to even, NaN -> 0)
//   x = float(q - zero_point) * scale             (the difference exact in int64)
// A per-axis scale / zero point is read through a [C, 1, ...] view, which broadcasts along
// the axis, so the elementwise map's per-channel path applies.
#include "backends/cuda/elementwise.cuh"
#include "backends/cuda/int8_numerics.cuh"

namespace qrt::cuda {
namespace {

// Input i (scale or zero point) viewed so that it broadcasts against x along `axis`.
Tensor channel_view(const KernelArgs& args, size_t i) {
  const Tensor& t = args.in(i);
  if (t.numel() == 1) return Tensor::borrow(t.dtype(), {}, const_cast<void*>(t.data()));
  const int64_t rank = static_cast<int64_t>(args.in(0).shape().size());
  int64_t axis = args.node.attr_int("axis", 1);
  if (axis < 0) axis += rank;
  std::vector<int64_t> shape(static_cast<size_t>(rank - axis), 1);
  shape[0] = t.numel();
  return Tensor::borrow(t.dtype(), shape, const_cast<void*>(t.data()));
}

struct DequantizeFn {
  template <typename X, typename S, typename... Z>
  __device__ float operator()(X x, S scale, Z... zero_point) const {
    int64_t centered = x;
    ((centered -= static_cast<int64_t>(zero_point)), ...);
    return __fmul_rn(static_cast<float>(centered), static_cast<float>(scale));
  }
};

// Calls fn(scale element tag) for an f32 or f16 scale.
template <typename Fn>
void visit_scale(const KernelArgs& args, Fn&& fn) {
  if (args.in(1).dtype() == DataType::kFloat16)
    fn(__half{});
  else
    fn(float{});
}

template <typename Fn, typename Out, typename X, typename S, typename Z>
void run_linear(const KernelArgs& args, const Fn& fn) {
  const Resources& res = resources(args);
  const Tensor scale = channel_view(args, 1);
  if (args.has_in(2))
    elementwise_map<Out, X, S, Z>(res, fn, args.out(0), args.in(0), scale, channel_view(args, 2));
  else
    elementwise_map<Out, X, S>(res, fn, args.out(0), args.in(0), scale);
}

struct QuantizeKernel {
  template <DataType D>
  KernelFn operator()(std::integral_constant<DataType, D>) const {
    return [](const KernelArgs& args) {
      using X = device_t<D>;
      visit_scale(args, [&](auto scale) {
        using S = decltype(scale);
        if (args.out(0).dtype() == DataType::kInt8)
          run_linear<QuantizeLinearFn<int8_t>, int8_t, X, S, int8_t>(args, {});
        else
          run_linear<QuantizeLinearFn<uint8_t>, uint8_t, X, S, uint8_t>(args, {});
      });
    };
  }
};

struct DequantizeKernel {
  template <DataType D>
  KernelFn operator()(std::integral_constant<DataType, D>) const {
    return [](const KernelArgs& args) {
      using X = device_t<D>;
      visit_scale(args, [&](auto scale) {
        using S = decltype(scale);
        if (args.out(0).dtype() == DataType::kFloat16)
          run_linear<DequantizeFn, __half, X, S, X>(args, {});
        else
          run_linear<DequantizeFn, float, X, S, X>(args, {});
      });
    };
  }
};

[[maybe_unused]] const bool kRegistered = [] {
  register_for<DataType::kFloat32, DataType::kFloat16>("QuantizeLinear", QuantizeKernel{});
  register_for<DataType::kInt8, DataType::kUInt8, DataType::kInt32>("DequantizeLinear",
                                                                    DequantizeKernel{});
  return true;
}();

}  // namespace
}  // namespace qrt::cuda
