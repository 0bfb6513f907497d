// Compile-time element types for reference kernels: the C++ storage type of each DataType, a
// runtime -> compile-time dtype switch, and registration of one kernel per dtype of a list.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>

#include "backends/kernel_registry.h"

namespace qrt::reference {

template <DataType D>
struct StorageOf;
template <>
struct StorageOf<DataType::kFloat32> {
  using type = float;
};
template <>
struct StorageOf<DataType::kFloat64> {
  using type = double;
};
// Half and bfloat16 are stored as raw bits; convert with half_to_float / bfloat16_to_float.
template <>
struct StorageOf<DataType::kFloat16> {
  using type = uint16_t;
};
template <>
struct StorageOf<DataType::kBFloat16> {
  using type = uint16_t;
};
template <>
struct StorageOf<DataType::kInt8> {
  using type = int8_t;
};
template <>
struct StorageOf<DataType::kUInt8> {
  using type = uint8_t;
};
template <>
struct StorageOf<DataType::kInt32> {
  using type = int32_t;
};
template <>
struct StorageOf<DataType::kInt64> {
  using type = int64_t;
};
// Bools are one byte holding 0 or 1 (never C++ bool, whose other byte values are UB to read).
template <>
struct StorageOf<DataType::kBool> {
  using type = uint8_t;
};
template <DataType D>
using storage_t = typename StorageOf<D>::type;

template <DataType D>
using DTypeTag = std::integral_constant<DataType, D>;

// Calls fn(DTypeTag<D>{}) for the runtime dtype `t`; throws for kUndefined.
template <typename Fn>
decltype(auto) visit_dtype(DataType t, Fn&& fn) {
  switch (t) {
    case DataType::kFloat32:
      return fn(DTypeTag<DataType::kFloat32>{});
    case DataType::kFloat16:
      return fn(DTypeTag<DataType::kFloat16>{});
    case DataType::kBFloat16:
      return fn(DTypeTag<DataType::kBFloat16>{});
    case DataType::kFloat64:
      return fn(DTypeTag<DataType::kFloat64>{});
    case DataType::kInt8:
      return fn(DTypeTag<DataType::kInt8>{});
    case DataType::kUInt8:
      return fn(DTypeTag<DataType::kUInt8>{});
    case DataType::kInt32:
      return fn(DTypeTag<DataType::kInt32>{});
    case DataType::kInt64:
      return fn(DTypeTag<DataType::kInt64>{});
    case DataType::kBool:
      return fn(DTypeTag<DataType::kBool>{});
    case DataType::kUndefined:
      break;
  }
  throw Error("reference kernel: undefined element type");
}

// Calls fn(U{}) with the unsigned integer type as wide as one element, so data movement
// kernels copy whole elements of any dtype.
template <typename Fn>
void visit_element_size(size_t bytes, Fn&& fn) {
  switch (bytes) {
    case 1:
      return fn(uint8_t{});
    case 2:
      return fn(uint16_t{});
    case 4:
      return fn(uint32_t{});
    case 8:
      return fn(uint64_t{});
    default:
      throw Error("reference kernel: unsupported element size " + std::to_string(bytes));
  }
}

// The node's "axis" attribute (default 0) for a tensor of the given rank, negative values
// counted from the end; shape inference has already checked its range.
inline size_t axis_attribute(const KernelArgs& args, size_t rank) {
  const int64_t axis = args.node.attr_int("axis", 0);
  return static_cast<size_t>(axis < 0 ? axis + static_cast<int64_t>(rank) : axis);
}

template <DataType... Ds>
struct DTypes {};
using FloatTypes = DTypes<DataType::kFloat32, DataType::kFloat64>;
using NumericTypes =
    DTypes<DataType::kFloat32, DataType::kFloat64, DataType::kInt32, DataType::kInt64>;
using SignedIntTypes = DTypes<DataType::kInt32, DataType::kInt64>;

// Registers make(DTypeTag<D>{}) as the reference kernel of `op` for every D in the list.
template <typename Maker, DataType... Ds>
int register_kernels(const char* op, DTypes<Ds...>, Maker make, SupportFn supports = {}) {
  (KernelRegistry::instance().add(KernelDef{op, "reference", Ds, make(DTypeTag<Ds>{}), supports}),
   ...);
  return 0;
}

}  // namespace qrt::reference

// QRT_REFERENCE_KERNELS("Add", NumericTypes{}, maker) at namespace scope.
#define QRT_REFERENCE_KERNELS(...)                                                 \
  [[maybe_unused]] static const int QRT_CONCAT(qrt_reference_kernels_, __LINE__) = \
      ::qrt::reference::register_kernels(__VA_ARGS__)
