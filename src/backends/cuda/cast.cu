// Cast between f32, f16, f64, the integer types and bool, with the reference's conversion
// rules (convert<> in elementwise.cuh).
#include "backends/cuda/elementwise.cuh"

namespace qrt::cuda {
namespace {

struct IdentityFn {
  template <typename T>
  __device__ T operator()(T x) const {
    return x;
  }
};

void cast(const KernelArgs& args) {
  const Resources& res = resources(args);
  const Tensor& x = args.in(0);
  Tensor& y = args.out(0);
  visit_device_dtype(x.dtype(), [&](auto from) {
    visit_device_dtype(y.dtype(), [&](auto to) {
      using From = device_t<decltype(from)::value>;
      using To = device_t<decltype(to)::value>;
      // f16 -> f16 moves bits; otherwise the identity on compute types, converted once.
      same_shape_map<To, From>(res, IdentityFn{}, y, x);
    });
  });
}

bool device_dtype(DataType t) {
  bool known = true;
  try {
    visit_device_dtype(t, [](auto) {});
  } catch (const Error&) {
    known = false;
  }
  return known;
}

bool cast_supported(const ir::Node&, const NodeTypes& types, std::string* reason) {
  if (device_dtype(types.inputs.at(0).dtype) && device_dtype(types.outputs.at(0).dtype))
    return true;
  if (reason) *reason = "the CUDA Cast handles f32, f16, f64, int8/uint8/int32/int64 and bool";
  return false;
}

}  // namespace

QRT_REGISTER_KERNEL("Cast", "cuda", DataType::kUndefined, cast, cast_supported);

}  // namespace qrt::cuda
