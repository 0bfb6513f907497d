// Unary elementwise ops (activations and math), f32 and f16 (computed in f32, rounded once).
// Attribute defaults are the ONNX ones; formulas follow the reference kernels, with products
// rounded on their own (__fmul_rn) where the reference cannot contract them either.
#include "backends/cuda/elementwise.cuh"

namespace qrt::cuda {
namespace {

constexpr DataType kF32 = DataType::kFloat32, kF16 = DataType::kFloat16, kI8 = DataType::kInt8;

struct ReluFn {
  template <typename T>
  __device__ T operator()(T x) const {
    return x < T(0) ? T(0) : x;
  }
};
struct LeakyReluFn {
  float alpha;
  explicit LeakyReluFn(const ir::Node& node) : alpha(node.attr_float("alpha", 0.01f)) {}
  __device__ float operator()(float x) const { return x < 0.f ? __fmul_rn(alpha, x) : x; }
};
struct EluFn {
  float alpha;
  explicit EluFn(const ir::Node& node) : alpha(node.attr_float("alpha", 1.f)) {}
  __device__ float operator()(float x) const { return x < 0.f ? __fmul_rn(alpha, expm1f(x)) : x; }
};
struct HardSigmoidFn {
  float alpha, beta;
  explicit HardSigmoidFn(const ir::Node& node)
      : alpha(node.attr_float("alpha", 0.2f)), beta(node.attr_float("beta", 0.5f)) {}
  __device__ float operator()(float x) const {
    return fmaxf(0.f, fminf(1.f, __fadd_rn(__fmul_rn(alpha, x), beta)));
  }
};
struct HardSwishFn {
  __device__ float operator()(float x) const {
    return __fmul_rn(x, fmaxf(0.f, fminf(1.f, __fadd_rn(__fdiv_rn(x, 6.f), 0.5f))));
  }
};
// Split by sign so exp never overflows, as the reference.
struct SigmoidFn {
  __device__ float operator()(float x) const {
    if (x >= 0.f) return 1.f / (1.f + expf(-x));
    const float e = expf(x);
    return e / (1.f + e);
  }
};
struct SoftplusFn {
  __device__ float operator()(float x) const {
    return x > 0.f ? x + log1pf(expf(-x)) : log1pf(expf(x));
  }
};
struct GeluFn {
  bool tanh_approximation;
  explicit GeluFn(const ir::Node& node)
      : tanh_approximation(node.attr_string("approximate", "none") == "tanh") {}
  __device__ float operator()(float x) const {
    if (tanh_approximation) {
      const float k = sqrtf(2.f / 3.14159265358979323846f);
      return 0.5f * x * (1.f + tanhf(k * (x + 0.044715f * x * x * x)));
    }
    return 0.5f * x * (1.f + erff(x / 1.41421356237309504880f));
  }
};
#define QRT_CUDA_MATH_FN(name, expr)                            \
  struct name {                                                 \
    __device__ float operator()(float x) const { return expr; } \
  }
QRT_CUDA_MATH_FN(TanhFn, tanhf(x));
QRT_CUDA_MATH_FN(ErfFn, erff(x));
QRT_CUDA_MATH_FN(ExpFn, expf(x));
QRT_CUDA_MATH_FN(LogFn, logf(x));
QRT_CUDA_MATH_FN(SqrtFn, sqrtf(x));
QRT_CUDA_MATH_FN(ReciprocalFn, 1.f / x);
QRT_CUDA_MATH_FN(NegFn, -x);
QRT_CUDA_MATH_FN(AbsFn, fabsf(x));
QRT_CUDA_MATH_FN(FloorFn, floorf(x));
QRT_CUDA_MATH_FN(CeilFn, ceilf(x));
QRT_CUDA_MATH_FN(RoundFn, rintf(x));
QRT_CUDA_MATH_FN(SoftsignFn, x / (1.f + fabsf(x)));
#undef QRT_CUDA_MATH_FN

// min / max are optional scalar inputs, f32 or f16 whatever x is (device memory, read by every
// thread from cache); two comparisons so min > max gives max, as the reference.
struct ClipFn {
  struct Bound {
    const void* ptr = nullptr;
    bool half = false;
    __device__ float load() const {
      return half ? __half2float(*static_cast<const __half*>(ptr))
                  : *static_cast<const float*>(ptr);
    }
  };
  Bound lo, hi;
  explicit ClipFn(const KernelArgs& args) : lo(bound(args, 1)), hi(bound(args, 2)) {}
  static Bound bound(const KernelArgs& args, size_t i) {
    if (!args.has_in(i)) return {};
    return {args.in(i).data(), args.in(i).dtype() == DataType::kFloat16};
  }
  __device__ float operator()(float x) const {
    if (lo.ptr) {
      const float l = lo.load();
      x = x < l ? l : x;
    }
    if (hi.ptr) {
      const float h = hi.load();
      x = h < x ? h : x;
    }
    return x;
  }
};

bool clip_supported(const ir::Node&, const NodeTypes& types, std::string* reason) {
  for (size_t i = 1; i < types.inputs.size(); ++i) {
    const DataType t = types.inputs[i].dtype;
    if (t != DataType::kUndefined && t != DataType::kFloat32 && t != DataType::kFloat16) {
      if (reason) *reason = "the CUDA Clip wants f32 or f16 min and max";
      return false;
    }
  }
  return true;
}

[[maybe_unused]] const bool kRegistered = [] {
  register_for<kF32, kF16, kI8>("Relu", UnaryKernel<ReluFn>{});
  register_for<kF32, kF16>("Clip", UnaryKernel<ClipFn>{}, clip_supported);
  register_for<kF32, kF16>("LeakyRelu", UnaryKernel<LeakyReluFn>{});
  register_for<kF32, kF16>("Elu", UnaryKernel<EluFn>{});
  register_for<kF32, kF16>("HardSigmoid", UnaryKernel<HardSigmoidFn>{});
  register_for<kF32, kF16>("HardSwish", UnaryKernel<HardSwishFn>{});
  register_for<kF32, kF16>("Sigmoid", UnaryKernel<SigmoidFn>{});
  register_for<kF32, kF16>("Softplus", UnaryKernel<SoftplusFn>{});
  register_for<kF32, kF16>("Gelu", UnaryKernel<GeluFn>{});
  register_for<kF32, kF16>("Tanh", UnaryKernel<TanhFn>{});
  register_for<kF32, kF16>("Erf", UnaryKernel<ErfFn>{});
  register_for<kF32, kF16>("Exp", UnaryKernel<ExpFn>{});
  register_for<kF32, kF16>("Log", UnaryKernel<LogFn>{});
  register_for<kF32, kF16>("Sqrt", UnaryKernel<SqrtFn>{});
  register_for<kF32, kF16>("Reciprocal", UnaryKernel<ReciprocalFn>{});
  register_for<kF32, kF16>("Neg", UnaryKernel<NegFn>{});
  register_for<kF32, kF16>("Abs", UnaryKernel<AbsFn>{});
  register_for<kF32, kF16>("Floor", UnaryKernel<FloorFn>{});
  register_for<kF32, kF16>("Ceil", UnaryKernel<CeilFn>{});
  register_for<kF32, kF16>("Round", UnaryKernel<RoundFn>{});
  register_for<kF32, kF16>("Softsign", UnaryKernel<SoftsignFn>{});
  return true;
}();

}  // namespace
}  // namespace qrt::cuda
