// Broadcasting arithmetic: Add, Sub, Mul, Div, Mod, Pow and the variadic Min, Max, Sum, Mean.
#include <cmath>
#include <limits>

#include "backends/reference/elementwise.h"

namespace qrt::reference {
namespace {

// Integer division truncates toward zero (C semantics, as onnxruntime); x / -1 is negation
// so INT_MIN / -1 wraps instead of trapping.
template <typename T>
T divide(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    if (b == 0) throw ElementError{"integer division by zero"};
    if (b == -1) return wrapping(T{0}, a, [](auto x, auto y) { return x - y; });
  }
  return a / b;
}

// fmod=0: the remainder takes the divisor's sign (numpy / Python); fmod=1: the dividend's (C).
template <typename T>
T modulo(T a, T b, bool c_fmod) {
  if constexpr (std::is_integral_v<T>) {
    if (b == 0) throw ElementError{"integer modulo by zero"};
    if (b == -1) return 0;
    const T r = static_cast<T>(a % b);
    return !c_fmod && r != 0 && ((r < 0) != (b < 0)) ? static_cast<T>(r + b) : r;
  } else {
    return std::fmod(a, b);  // the schema rejects fmod=0 for floating types
  }
}

constexpr auto kAdd = [](auto a, auto b) {
  return wrapping(a, b, [](auto x, auto y) { return x + y; });
};
constexpr auto kMul = [](auto a, auto b) {
  return wrapping(a, b, [](auto x, auto y) { return x * y; });
};

QRT_REFERENCE_KERNELS("Add", NumericTypes{}, binary_kernel(kAdd));
QRT_REFERENCE_KERNELS("Sub", NumericTypes{}, binary_kernel([](auto a, auto b) {
                        return wrapping(a, b, [](auto x, auto y) { return x - y; });
                      }));
QRT_REFERENCE_KERNELS("Mul", NumericTypes{}, binary_kernel(kMul));
QRT_REFERENCE_KERNELS("Div", NumericTypes{},
                      binary_kernel([](auto a, auto b) { return divide(a, b); }));
QRT_REFERENCE_KERNELS("Mod", NumericTypes{}, binary_kernel_with_attrs([](const ir::Node& node) {
                        const bool c_fmod = node.attr_int("fmod", 0) != 0;
                        return [c_fmod](auto a, auto b) { return modulo(a, b, c_fmod); };
                      }));

QRT_REFERENCE_KERNELS("Min", NumericTypes{},
                      variadic_kernel([](auto a, auto b) { return nan_min(a, b); }));
QRT_REFERENCE_KERNELS("Max", NumericTypes{},
                      variadic_kernel([](auto a, auto b) { return nan_max(a, b); }));
QRT_REFERENCE_KERNELS("Sum", NumericTypes{}, variadic_kernel(kAdd));
QRT_REFERENCE_KERNELS("Mean", FloatTypes{}, [](auto tag) -> KernelFn {
  using T = storage_t<decltype(tag)::value>;
  return [](const KernelArgs& args) {
    fold_inputs<T>(args, kAdd);
    const T count = static_cast<T>(args.inputs.size());
    unary_map<T>(args.out(0), args.out(0), [count](T x) { return x / count; });
  };
});

// Pow: the exponent's dtype is independent of the base's. Integer results are computed in
// double and truncated, as onnxruntime does.
template <typename Base, typename Exponent>
Base power(Base x, Exponent y) {
  if constexpr (std::is_same_v<Base, float> && !std::is_same_v<Exponent, double>)
    return std::pow(x, static_cast<float>(y));
  else
    return static_cast<Base>(std::pow(static_cast<double>(x), static_cast<double>(y)));
}

constexpr bool is_numeric(DataType t) {
  return t == DataType::kFloat32 || t == DataType::kFloat64 || t == DataType::kInt32 ||
         t == DataType::kInt64;
}

bool pow_supports(const ir::Node&, const NodeTypes& types, std::string* reason) {
  if (types.inputs.size() > 1 && is_numeric(types.inputs[1].dtype)) return true;
  if (reason) *reason = "Pow: the reference backend supports f32, f64, i32 and i64 exponents";
  return false;
}

QRT_REFERENCE_KERNELS(
    "Pow", NumericTypes{},
    [](auto base_tag) -> KernelFn {
      using Base = storage_t<decltype(base_tag)::value>;
      return [](const KernelArgs& args) {
        visit_dtype(args.in(1).dtype(), [&](auto exp_tag) {
          if constexpr (is_numeric(decltype(exp_tag)::value)) {
            using Exponent = storage_t<decltype(exp_tag)::value>;
            binary_map<Base, Exponent>(args.in(0), args.in(1), args.out(0),
                                       [](Base x, Exponent y) { return power(x, y); });
          }
        });
      };
    },
    pow_supports);

}  // namespace
}  // namespace qrt::reference
