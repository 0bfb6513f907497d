// Elementwise math functions.
#include <cmath>

#include "backends/reference/elementwise.h"

namespace qrt::reference {
namespace {

#define QRT_FLOAT_UNARY(op, expr) \
  QRT_REFERENCE_KERNELS(op, FloatTypes{}, unary_kernel([](auto x) { return expr; }))

QRT_FLOAT_UNARY("Sqrt", std::sqrt(x));
QRT_FLOAT_UNARY("Exp", std::exp(x));
QRT_FLOAT_UNARY("Log", std::log(x));
QRT_FLOAT_UNARY("Erf", std::erf(x));
QRT_FLOAT_UNARY("Reciprocal", 1 / x);
QRT_FLOAT_UNARY("Floor", std::floor(x));
QRT_FLOAT_UNARY("Ceil", std::ceil(x));
// Halves round to even, as ONNX specifies (the default rounding mode).
QRT_FLOAT_UNARY("Round", std::nearbyint(x));
QRT_FLOAT_UNARY("Sin", std::sin(x));
QRT_FLOAT_UNARY("Cos", std::cos(x));
QRT_FLOAT_UNARY("Tan", std::tan(x));
QRT_FLOAT_UNARY("Asin", std::asin(x));
QRT_FLOAT_UNARY("Acos", std::acos(x));
QRT_FLOAT_UNARY("Atan", std::atan(x));
QRT_FLOAT_UNARY("IsNaN", std::isnan(x));

#undef QRT_FLOAT_UNARY

QRT_REFERENCE_KERNELS("IsInf", FloatTypes{}, unary_kernel_with_attrs([](const ir::Node& node) {
                        const bool negative = node.attr_int("detect_negative", 1) != 0;
                        const bool positive = node.attr_int("detect_positive", 1) != 0;
                        return [negative, positive](auto x) {
                          return std::isinf(x) && (x < 0 ? negative : positive);
                        };
                      }));

// Integer negation wraps (-INT_MIN == INT_MIN) rather than being undefined.
template <typename T>
T negate(T x) {
  return wrapping(T{0}, x, [](auto a, auto b) { return a - b; });
}

QRT_REFERENCE_KERNELS("Neg", NumericTypes{}, unary_kernel([](auto x) { return negate(x); }));
QRT_REFERENCE_KERNELS("Abs", NumericTypes{},
                      unary_kernel([](auto x) { return x < 0 ? negate(x) : x; }));
// Sign(0) = 0 and Sign(NaN) = NaN, as numpy.
QRT_REFERENCE_KERNELS("Sign", NumericTypes{}, unary_kernel([](auto x) {
                        using T = decltype(x);
                        return x > 0 ? T{1} : x < 0 ? T{-1} : x;
                      }));

}  // namespace
}  // namespace qrt::reference
