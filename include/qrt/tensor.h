// A dense, row-major tensor: element type, shape and a (shared or borrowed) buffer.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "qrt/types.h"

namespace qrt {

int64_t shape_numel(std::span<const int64_t> shape);
std::string shape_to_string(std::span<const int64_t> shape);

class Tensor {
 public:
  Tensor() = default;
  // Allocates a zero-filled, 64-byte aligned buffer it owns (shared between copies).
  Tensor(DataType dtype, std::vector<int64_t> shape);
  // A view on memory owned by someone else; the caller keeps it alive.
  static Tensor borrow(DataType dtype, std::vector<int64_t> shape, void* data);
  // A view on memory that `owner` keeps alive: every copy of the tensor shares it, so the
  // memory outlives whoever handed the view out for as long as some copy is in use.
  static Tensor view(DataType dtype, std::vector<int64_t> shape, void* data,
                     std::shared_ptr<void> owner);
  // A tensor holding the given values.
  template <typename T>
  static Tensor from_vector(DataType dtype, std::vector<int64_t> shape, const std::vector<T>& v) {
    Tensor t(dtype, std::move(shape));
    if (static_cast<size_t>(t.numel()) != v.size() || sizeof(T) != dtype_size(dtype))
      throw Error("Tensor::from_vector: size or element type mismatch");
    std::copy(v.begin(), v.end(), t.data_as<T>());
    return t;
  }

  bool defined() const { return dtype_ != DataType::kUndefined; }
  DataType dtype() const { return dtype_; }
  const std::vector<int64_t>& shape() const { return shape_; }
  size_t rank() const { return shape_.size(); }
  int64_t dim(size_t i) const { return shape_.at(i); }
  int64_t numel() const { return shape_numel(shape_); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * dtype_size(dtype_); }

  void* data() { return data_; }
  const void* data() const { return data_; }
  template <typename T>
  T* data_as() {
    return static_cast<T*>(data_);
  }
  template <typename T>
  const T* data_as() const {
    return static_cast<const T*>(data_);
  }

  // A deep copy with its own buffer.
  Tensor clone() const;
  // Same buffer, another shape with the same element count.
  Tensor reshaped(std::vector<int64_t> shape) const;
  // Values as int64 (for shape-like tensors of any integer type); throws for floating types.
  std::vector<int64_t> to_int64_vector() const;
  // Values converted to float (any numeric type).
  std::vector<float> to_float_vector() const;

 private:
  Tensor(DataType dtype, std::vector<int64_t> shape, bool zero_fill);
  DataType dtype_ = DataType::kUndefined;
  std::vector<int64_t> shape_;
  std::shared_ptr<void> storage_;
  void* data_ = nullptr;
};

}  // namespace qrt
