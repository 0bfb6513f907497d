// Activation functions. Attribute defaults are the ONNX ones.
#include <cmath>
#include <numbers>

#include "backends/reference/elementwise.h"

namespace qrt::reference {
namespace {

// log(1 + exp(x)) without overflow for large x.
template <typename T>
T softplus(T x) {
  return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}

// A kernel maker for an activation with one float attribute `name` (default `fallback`):
// fn(x, alpha) with alpha converted to x's type.
template <typename Fn>
auto with_alpha(const char* name, float fallback, Fn fn) {
  return unary_kernel_with_attrs([name, fallback, fn](const ir::Node& node) {
    const float alpha = node.attr_float(name, fallback);
    return [alpha, fn](auto x) { return fn(x, static_cast<decltype(x)>(alpha)); };
  });
}

// max(x, 0) keeping NaN; int8 too, where it is exact on quantized tensors (zero point 0).
using ReluTypes = DTypes<DataType::kFloat32, DataType::kFloat64, DataType::kInt32, DataType::kInt64,
                         DataType::kInt8>;
QRT_REFERENCE_KERNELS("Relu", ReluTypes{},
                      unary_kernel([](auto x) { return x < 0 ? decltype(x){0} : x; }));
QRT_REFERENCE_KERNELS("LeakyRelu", FloatTypes{}, with_alpha("alpha", 0.01f, [](auto x, auto alpha) {
                        return x < 0 ? alpha * x : x;
                      }));
QRT_REFERENCE_KERNELS("ThresholdedRelu", FloatTypes{},
                      with_alpha("alpha", 1.f, [](auto x, auto alpha) {
                        return x > alpha ? x : decltype(x){0};
                      }));
QRT_REFERENCE_KERNELS("Elu", FloatTypes{}, with_alpha("alpha", 1.f, [](auto x, auto alpha) {
                        return x < 0 ? alpha * std::expm1(x) : x;
                      }));
QRT_REFERENCE_KERNELS("Celu", FloatTypes{}, with_alpha("alpha", 1.f, [](auto x, auto alpha) {
                        return x < 0 ? alpha * std::expm1(x / alpha) : x;
                      }));
QRT_REFERENCE_KERNELS("Selu", FloatTypes{}, unary_kernel_with_attrs([](const ir::Node& node) {
                        const float alpha = node.attr_float("alpha", 1.67326319217681884765625f);
                        const float gamma = node.attr_float("gamma", 1.05070102214813232421875f);
                        return [alpha, gamma](auto x) {
                          using T = decltype(x);
                          return static_cast<T>(gamma) *
                                 (x > 0 ? x : static_cast<T>(alpha) * std::expm1(x));
                        };
                      }));
QRT_REFERENCE_KERNELS("HardSigmoid", FloatTypes{},
                      unary_kernel_with_attrs([](const ir::Node& node) {
                        const float alpha = node.attr_float("alpha", 0.2f);
                        const float beta = node.attr_float("beta", 0.5f);
                        return [alpha, beta](auto x) {
                          using T = decltype(x);
                          const T y = static_cast<T>(alpha) * x + static_cast<T>(beta);
                          return std::fmax(T{0}, std::fmin(T{1}, y));
                        };
                      }));
QRT_REFERENCE_KERNELS("HardSwish", FloatTypes{}, unary_kernel([](auto x) {
                        using T = decltype(x);
                        return x * std::fmax(T{0}, std::fmin(T{1}, x / T{6} + T{0.5}));
                      }));
// Split by sign so exp never overflows.
QRT_REFERENCE_KERNELS("Sigmoid", FloatTypes{}, unary_kernel([](auto x) {
                        using T = decltype(x);
                        if (x >= 0) return T{1} / (T{1} + std::exp(-x));
                        const T e = std::exp(x);
                        return e / (T{1} + e);
                      }));
QRT_REFERENCE_KERNELS("Tanh", FloatTypes{}, unary_kernel([](auto x) { return std::tanh(x); }));
QRT_REFERENCE_KERNELS("Softplus", FloatTypes{}, unary_kernel([](auto x) { return softplus(x); }));
QRT_REFERENCE_KERNELS("Softsign", FloatTypes{},
                      unary_kernel([](auto x) { return x / (decltype(x){1} + std::fabs(x)); }));
QRT_REFERENCE_KERNELS("Mish", FloatTypes{},
                      unary_kernel([](auto x) { return x * std::tanh(softplus(x)); }));
QRT_REFERENCE_KERNELS("Gelu", FloatTypes{}, unary_kernel_with_attrs([](const ir::Node& node) {
                        const bool tanh_approximation =
                            node.attr_string("approximate", "none") == "tanh";
                        return [tanh_approximation](auto x) {
                          using T = decltype(x);
                          if (tanh_approximation) {
                            const T k = std::sqrt(T{2} / std::numbers::pi_v<T>);
                            return T{0.5} * x *
                                   (T{1} + std::tanh(k * (x + T{0.044715} * x * x * x)));
                          }
                          return T{0.5} * x * (T{1} + std::erf(x / std::numbers::sqrt2_v<T>));
                        };
                      }));

}  // namespace
}  // namespace qrt::reference
