// Elementwise kernel templates: unary maps, broadcasting binary maps and variadic folds. Op
// files register a generic lambda (auto x) / (auto a, auto b) and get one kernel per dtype.
#pragma once

#include <cmath>
#include <type_traits>

#include "backends/reference/broadcast.h"
#include "backends/reference/dtype_dispatch.h"
#include "backends/reference/thread_pool.h"

namespace qrt::reference {

// Thrown by elementwise functions for data they cannot handle (integer division by zero);
// the kernel turns it into a qrt::Error naming the node.
struct ElementError {
  const char* message;
};

// Elementwise functions returning bool store it as one byte.
template <typename R>
using stored_t = std::conditional_t<std::is_same_v<R, bool>, uint8_t, R>;

// Elements per task when an elementwise map is spread over the thread pool.
constexpr int64_t kElementwiseGrain = int64_t{1} << 16;

template <typename T, typename Fn>
void unary_map(const Tensor& in, Tensor& out, Fn&& fn) {
  using Out = stored_t<decltype(fn(T{}))>;
  const T* src = in.data_as<T>();
  Out* dst = out.data_as<Out>();
  // Pointers captured by value: a byte-sized store could alias them in the closure.
  parallel_for(in.numel(), kElementwiseGrain, [src, dst, &fn](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) dst[i] = static_cast<Out>(fn(src[i]));
  });
}

// out = fn(a, b) with numpy broadcasting; `a` may alias `out`.
template <typename A, typename B, typename Fn>
void binary_map(const Tensor& a, const Tensor& b, Tensor& out, Fn&& fn) {
  using Out = stored_t<decltype(fn(A{}, B{}))>;
  const A* pa = a.data_as<A>();
  const B* pb = b.data_as<B>();
  Out* dst = out.data_as<Out>();
  if (a.shape() == out.shape() && b.shape() == out.shape()) {  // no broadcast: in chunks
    parallel_for(out.numel(), kElementwiseGrain, [pa, pb, dst, &fn](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) dst[i] = static_cast<Out>(fn(pa[i], pb[i]));
    });
    return;
  }
  for_each_broadcast<2>(out.shape(), {a.shape(), b.shape()},
                        [&](int64_t i, const std::array<int64_t, 2>& off) {
                          dst[i] = static_cast<Out>(fn(pa[off[0]], pb[off[1]]));
                        });
}

// out = fn(fn(in0, in1), in2) ... over all inputs with broadcasting (Sum, Max, ...).
template <typename T, typename Fn>
void fold_inputs(const KernelArgs& args, Fn&& fn) {
  Tensor& out = args.out(0);
  if (args.inputs.size() == 1) {
    copy_strided(args.in(0), out, broadcast_strides(args.in(0).shape(), out.shape()));
    return;
  }
  binary_map<T, T>(args.in(0), args.in(1), out, fn);
  for (size_t k = 2; k < args.inputs.size(); ++k) binary_map<T, T>(out, args.in(k), out, fn);
}

// Runs body, reporting an ElementError as a qrt::Error naming the node.
template <typename Body>
void run_elementwise(const KernelArgs& args, Body&& body) {
  try {
    body();
  } catch (const ElementError& e) {
    throw Error(args.node.describe() + ": " + e.message);
  }
}

// Kernel makers for register_kernels. The *_with_attrs forms take make_fn(node), which reads
// the node's attributes and returns the elementwise function.
template <typename MakeFn>
auto unary_kernel_with_attrs(MakeFn make_fn) {
  return [make_fn](auto tag) -> KernelFn {
    using T = storage_t<decltype(tag)::value>;
    return [make_fn](const KernelArgs& args) {
      unary_map<T>(args.in(0), args.out(0), make_fn(args.node));
    };
  };
}
template <typename Fn>
auto unary_kernel(Fn fn) {
  return unary_kernel_with_attrs([fn](const ir::Node&) { return fn; });
}

template <typename MakeFn>
auto binary_kernel_with_attrs(MakeFn make_fn) {
  return [make_fn](auto tag) -> KernelFn {
    using T = storage_t<decltype(tag)::value>;
    return [make_fn](const KernelArgs& args) {
      run_elementwise(
          args, [&] { binary_map<T, T>(args.in(0), args.in(1), args.out(0), make_fn(args.node)); });
    };
  };
}
template <typename Fn>
auto binary_kernel(Fn fn) {
  return binary_kernel_with_attrs([fn](const ir::Node&) { return fn; });
}

template <typename Fn>
auto variadic_kernel(Fn fn) {
  return [fn](auto tag) -> KernelFn {
    using T = storage_t<decltype(tag)::value>;
    return [fn](const KernelArgs& args) { fold_inputs<T>(args, fn); };
  };
}

// Signed integer arithmetic wraps around (two's complement) instead of being undefined.
template <typename T, typename Fn>
T wrapping(T a, T b, Fn&& fn) {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(fn(static_cast<U>(a), static_cast<U>(b)));
  } else {
    return fn(a, b);
  }
}

// NaN-propagating min / max (as numpy and PyTorch).
template <typename T>
T nan_min(T a, T b) {
  if constexpr (std::is_floating_point_v<T>)
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) ? a : b;
  return b < a ? b : a;
}
template <typename T>
T nan_max(T a, T b) {
  if constexpr (std::is_floating_point_v<T>)
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) ? a : b;
  return a < b ? b : a;
}

}  // namespace qrt::reference
