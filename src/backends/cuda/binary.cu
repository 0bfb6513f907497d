// Broadcasting arithmetic (Add, Sub, Mul, Div, Pow, the variadic Sum / Mean / Max / Min),
// comparisons and Where. f16 is computed in f32 and rounded once, as the reference; variadic
// ops fold all their inputs in one pass (left to right, as the reference).
#include "backends/cuda/elementwise.cuh"

namespace qrt::cuda {
namespace {

constexpr DataType kF32 = DataType::kFloat32, kF16 = DataType::kFloat16;
constexpr DataType kI32 = DataType::kInt32, kI64 = DataType::kInt64;

struct AddOp {
  template <typename T>
  __device__ static T apply(T a, T b) {
    return a + b;
  }
};
struct SubOp {
  template <typename T>
  __device__ static T apply(T a, T b) {
    return a - b;
  }
};
struct MulOp {
  template <typename T>
  __device__ static T apply(T a, T b) {
    return a * b;
  }
};
struct DivOp {
  template <typename T>
  __device__ static T apply(T a, T b) {
    return a / b;
  }
};
// NaN-propagating, as the reference (numpy).
struct MaxOp {
  template <typename T>
  __device__ static T apply(T a, T b) {
    if constexpr (std::is_floating_point_v<T>)
      if (isnan(a) || isnan(b)) return isnan(a) ? a : b;
    return a < b ? b : a;
  }
};
struct MinOp {
  template <typename T>
  __device__ static T apply(T a, T b) {
    if constexpr (std::is_floating_point_v<T>)
      if (isnan(a) || isnan(b)) return isnan(a) ? a : b;
    return b < a ? b : a;
  }
};

// ((x0 op x1) op x2) ...
template <typename Op>
struct FoldFn {
  template <typename T, typename... Rest>
  __device__ T operator()(T a, Rest... rest) const {
    ((a = Op::apply(a, static_cast<T>(rest))), ...);
    return a;
  }
};
struct MeanFn {
  float count;
  explicit MeanFn(const KernelArgs& args) : count(static_cast<float>(args.inputs.size())) {}
  template <typename... T>
  __device__ float operator()(float a, T... rest) const {
    return FoldFn<AddOp>{}(a, rest...) / count;
  }
};

template <typename Fn>
struct BinaryKernel {
  template <DataType D>
  KernelFn operator()(std::integral_constant<DataType, D>) const {
    return [](const KernelArgs& args) {
      using T = device_t<D>;
      elementwise_map<T, T, T>(resources(args), make_functor<Fn>(args), args.out(0), args.in(0),
                               args.in(1));
    };
  }
};

// Variadic ops with 1 to 4 inputs, folded in one kernel.
constexpr size_t kMaxVariadicInputs = 4;
bool variadic_supported(const ir::Node& node, const NodeTypes&, std::string* reason) {
  if (node.inputs.size() <= kMaxVariadicInputs) return true;
  if (reason) *reason = "the CUDA kernel folds at most 4 inputs";
  return false;
}
template <typename Fn>
struct VariadicKernel {
  template <DataType D>
  KernelFn operator()(std::integral_constant<DataType, D>) const {
    return [](const KernelArgs& args) {
      using T = device_t<D>;
      const Resources& res = resources(args);
      const Fn fn = make_functor<Fn>(args);
      Tensor& y = args.out(0);
      switch (args.inputs.size()) {
        case 1:
          return elementwise_map<T, T>(res, fn, y, args.in(0));
        case 2:
          return elementwise_map<T, T, T>(res, fn, y, args.in(0), args.in(1));
        case 3:
          return elementwise_map<T, T, T, T>(res, fn, y, args.in(0), args.in(1), args.in(2));
        default:
          return elementwise_map<T, T, T, T, T>(res, fn, y, args.in(0), args.in(1), args.in(2),
                                                args.in(3));
      }
    };
  }
};

// Pow: the exponent's dtype is independent of the base's; computed in f32, as the reference.
struct PowFn {
  template <typename E>
  __device__ float operator()(float x, E y) const {
    return powf(x, static_cast<float>(y));
  }
};
struct PowKernel {
  template <DataType D>
  KernelFn operator()(std::integral_constant<DataType, D>) const {
    return [](const KernelArgs& args) {
      using T = device_t<D>;
      visit_device_dtype(args.in(1).dtype(), [&](auto exponent) {
        using E = device_t<decltype(exponent)::value>;
        if constexpr (std::is_same_v<E, float> || std::is_same_v<E, __half> ||
                      std::is_same_v<E, int32_t> || std::is_same_v<E, int64_t>)
          elementwise_map<T, T, E>(resources(args), PowFn{}, args.out(0), args.in(0), args.in(1));
        else
          throw Error(args.node.describe() + ": unsupported exponent type");
      });
    };
  }
};

// Comparisons give bool.
#define QRT_CUDA_COMPARISON(name, expr)          \
  struct name {                                  \
    template <typename T>                        \
    __device__ bool operator()(T a, T b) const { \
      return expr;                               \
    }                                            \
  }
QRT_CUDA_COMPARISON(EqualFn, a == b);
QRT_CUDA_COMPARISON(LessFn, a < b);
QRT_CUDA_COMPARISON(LessOrEqualFn, a <= b);
QRT_CUDA_COMPARISON(GreaterFn, a > b);
QRT_CUDA_COMPARISON(GreaterOrEqualFn, a >= b);
#undef QRT_CUDA_COMPARISON
template <typename Fn>
struct ComparisonKernel {
  template <DataType D>
  KernelFn operator()(std::integral_constant<DataType, D>) const {
    return [](const KernelArgs& args) {
      using T = device_t<D>;
      elementwise_map<bool, T, T>(resources(args), Fn{}, args.out(0), args.in(0), args.in(1));
    };
  }
};

// Where(cond, x, y): a select, so any element type moves as raw bits of its size.
struct WhereFn {
  template <typename T>
  __device__ T operator()(bool c, T a, T b) const {
    return c ? a : b;
  }
};
void where(const KernelArgs& args) {
  const Resources& res = resources(args);
  Tensor& y = args.out(0);
  auto run = [&](auto element) {
    using U = decltype(element);
    elementwise_map<U, bool, U, U>(res, WhereFn{}, y, args.in(0), args.in(1), args.in(2));
  };
  switch (dtype_size(y.dtype())) {
    case 1:
      return run(uint8_t{});
    case 2:
      return run(uint16_t{});
    case 4:
      return run(uint32_t{});
    default:
      return run(uint64_t{});
  }
}

[[maybe_unused]] const bool kRegistered = [] {
  register_for<kF32, kF16, kI32, kI64>("Add", BinaryKernel<FoldFn<AddOp>>{});
  register_for<kF32, kF16, kI32, kI64>("Sub", BinaryKernel<FoldFn<SubOp>>{});
  register_for<kF32, kF16, kI32, kI64>("Mul", BinaryKernel<FoldFn<MulOp>>{});
  register_for<kF32, kF16>("Div", BinaryKernel<FoldFn<DivOp>>{});
  register_for<kF32, kF16>("Sum", VariadicKernel<FoldFn<AddOp>>{}, variadic_supported);
  register_for<kF32, kF16>("Mean", VariadicKernel<MeanFn>{}, variadic_supported);
  register_for<kF32, kF16>("Max", VariadicKernel<FoldFn<MaxOp>>{}, variadic_supported);
  register_for<kF32, kF16>("Min", VariadicKernel<FoldFn<MinOp>>{}, variadic_supported);
  register_for<kF32, kF16>("Pow", PowKernel{});
  register_for<kF32, kF16, kI32, kI64>("Equal", ComparisonKernel<EqualFn>{});
  register_for<kF32, kF16, kI32, kI64>("Less", ComparisonKernel<LessFn>{});
  register_for<kF32, kF16, kI32, kI64>("LessOrEqual", ComparisonKernel<LessOrEqualFn>{});
  register_for<kF32, kF16, kI32, kI64>("Greater", ComparisonKernel<GreaterFn>{});
  register_for<kF32, kF16, kI32, kI64>("GreaterOrEqual", ComparisonKernel<GreaterOrEqualFn>{});
  KernelRegistry::instance().add(KernelDef::make("Where", "cuda", DataType::kBool, where));
  return true;
}();

}  // namespace
}  // namespace qrt::cuda
