#include "qrt/tensor.h"

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <sstream>

namespace qrt {

int64_t shape_numel(std::span<const int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string shape_to_string(std::span<const int64_t> shape) {
  std::ostringstream os;
  os << '[';
  for (size_t i = 0; i < shape.size(); ++i) os << (i ? "," : "") << shape[i];
  os << ']';
  return os.str();
}

Tensor::Tensor(DataType dtype, std::vector<int64_t> shape)
    : Tensor(dtype, std::move(shape), true) {}

Tensor::Tensor(DataType dtype, std::vector<int64_t> shape, bool zero_fill)
    : dtype_(dtype), shape_(std::move(shape)) {
  for (int64_t d : shape_)
    if (d < 0) throw Error("tensor shape " + shape_to_string(shape_) + " has a negative dimension");
  // Round up so zero-size tensors still get a valid, aligned pointer.
  const size_t bytes = (nbytes() + 63) / 64 * 64 + 64;
  void* p = std::aligned_alloc(64, bytes);
  if (!p) throw Error("out of host memory allocating " + std::to_string(bytes) + " bytes");
  // clone() fills the data itself: only the padding needs zeros then.
  if (zero_fill)
    std::memset(p, 0, bytes);
  else
    std::memset(static_cast<std::byte*>(p) + nbytes(), 0, bytes - nbytes());
  storage_ = std::shared_ptr<void>(p, std::free);
  data_ = p;
}

Tensor Tensor::borrow(DataType dtype, std::vector<int64_t> shape, void* data) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.data_ = data;
  return t;
}

Tensor Tensor::view(DataType dtype, std::vector<int64_t> shape, void* data,
                    std::shared_ptr<void> owner) {
  Tensor t = borrow(dtype, std::move(shape), data);
  t.storage_ = std::move(owner);
  return t;
}

Tensor Tensor::clone() const {
  Tensor t(dtype_, shape_, false);
  if (nbytes()) std::memcpy(t.data_, data_, nbytes());
  return t;
}

Tensor Tensor::reshaped(std::vector<int64_t> shape) const {
  if (shape_numel(shape) != numel())
    throw Error("cannot reshape " + shape_to_string(shape_) + " to " + shape_to_string(shape));
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

namespace {
template <typename Out, typename Fn>
std::vector<Out> convert_all(const Tensor& t, Fn&& fn) {
  std::vector<Out> out(static_cast<size_t>(t.numel()));
  for (size_t i = 0; i < out.size(); ++i) out[i] = fn(i);
  return out;
}
}  // namespace

std::vector<int64_t> Tensor::to_int64_vector() const {
  switch (dtype_) {
    case DataType::kInt64:
      return convert_all<int64_t>(*this, [&](size_t i) { return data_as<int64_t>()[i]; });
    case DataType::kInt32:
      return convert_all<int64_t>(*this, [&](size_t i) { return int64_t{data_as<int32_t>()[i]}; });
    case DataType::kInt8:
      return convert_all<int64_t>(*this, [&](size_t i) { return int64_t{data_as<int8_t>()[i]}; });
    case DataType::kUInt8:
      return convert_all<int64_t>(*this, [&](size_t i) { return int64_t{data_as<uint8_t>()[i]}; });
    case DataType::kBool:
      return convert_all<int64_t>(*this,
                                  [&](size_t i) { return int64_t{data_as<uint8_t>()[i] != 0}; });
    default:
      throw Error(std::string("expected an integer tensor, got ") +
                  std::string(dtype_name(dtype_)));
  }
}

std::vector<float> Tensor::to_float_vector() const {
  switch (dtype_) {
    case DataType::kFloat32:
      return convert_all<float>(*this, [&](size_t i) { return data_as<float>()[i]; });
    case DataType::kFloat64:
      return convert_all<float>(*this,
                                [&](size_t i) { return static_cast<float>(data_as<double>()[i]); });
    case DataType::kFloat16:
      return convert_all<float>(*this,
                                [&](size_t i) { return half_to_float(data_as<uint16_t>()[i]); });
    case DataType::kBFloat16:
      return convert_all<float>(
          *this, [&](size_t i) { return bfloat16_to_float(data_as<uint16_t>()[i]); });
    default: {
      auto ints = to_int64_vector();
      return std::vector<float>(ints.begin(), ints.end());
    }
  }
}

}  // namespace qrt
