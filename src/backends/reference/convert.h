// Element conversion between any two dtypes, with Cast's rules: float -> int truncates toward
// zero; anything -> bool is "!= 0"; half / bfloat16 go through float.
#pragma once

#include <cmath>
#include <limits>
#include <type_traits>

#include "backends/reference/dtype_dispatch.h"

namespace qrt::reference {

// The value of a stored element in a C++ arithmetic type (float for half / bfloat16).
template <DataType D>
auto load_value(storage_t<D> v) {
  if constexpr (D == DataType::kFloat16)
    return half_to_float(v);
  else if constexpr (D == DataType::kBFloat16)
    return bfloat16_to_float(v);
  else
    return v;
}

// Stores an arithmetic value as dtype To.
template <DataType To, typename V>
storage_t<To> store_value(V v) {
  using Out = storage_t<To>;
  if constexpr (To == DataType::kBool) {
    return static_cast<Out>(v != 0);
  } else if constexpr (To == DataType::kFloat16) {
    return float_to_half(static_cast<float>(v));
  } else if constexpr (To == DataType::kBFloat16) {
    return float_to_bfloat16(static_cast<float>(v));
  } else if constexpr (std::is_integral_v<Out> && std::is_floating_point_v<V>) {
    // ONNX leaves out-of-range values undefined; NaN gives 0 and others saturate to int64
    // before wrapping to narrower types, instead of C++'s undefined behaviour.
    if (std::isnan(v)) return Out{0};
    constexpr auto kLimit = static_cast<V>(std::numeric_limits<int64_t>::max());
    const int64_t wide = v >= kLimit    ? std::numeric_limits<int64_t>::max()
                         : v <= -kLimit ? std::numeric_limits<int64_t>::min()
                                        : static_cast<int64_t>(v);
    return static_cast<Out>(wide);
  } else {
    return static_cast<Out>(v);
  }
}

template <DataType From, DataType To>
storage_t<To> convert_element(storage_t<From> v) {
  return store_value<To>(load_value<From>(v));
}

}  // namespace qrt::reference
