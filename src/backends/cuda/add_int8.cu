// qrt.AddInt8: float(a) * a_scale + float(b) * b_scale (each product rounded on its own), with
// numpy broadcasting, then activation and requantization (an f32 output when y_scale is 0).
#include "backends/cuda/elementwise.cuh"
#include "backends/cuda/int8_numerics.cuh"

namespace qrt::cuda {
namespace {

template <bool kQuantized>
struct AddInt8Fn {
  float a_scale, b_scale;
  Int8Epilogue epilogue;
  explicit AddInt8Fn(const ir::Node& node)
      : a_scale(node.attr_float("a_scale", 0.f)),
        b_scale(node.attr_float("b_scale", 0.f)),
        epilogue(node) {}
  __device__ auto operator()(int8_t a, int8_t b) const {
    const float v = epilogue.activate(__fadd_rn(__fmul_rn(static_cast<float>(a), a_scale),
                                                __fmul_rn(static_cast<float>(b), b_scale)));
    if constexpr (kQuantized)
      return epilogue.quantize(v);
    else
      return v;
  }
};

void add_int8(const KernelArgs& args) {
  const Resources& res = resources(args);
  if (args.out(0).dtype() == DataType::kInt8)
    elementwise_map<int8_t, int8_t, int8_t>(res, AddInt8Fn<true>(args.node), args.out(0),
                                            args.in(0), args.in(1));
  else
    elementwise_map<float, int8_t, int8_t>(res, AddInt8Fn<false>(args.node), args.out(0),
                                           args.in(0), args.in(1));
}

}  // namespace

QRT_REGISTER_KERNEL("AddInt8", "cuda", DataType::kInt8, add_int8);

}  // namespace qrt::cuda
