#include "onnx/tensor_proto.h"

#include <charconv>
#include <cstring>
#include <filesystem>
#include <limits>
#include <optional>

#include "io/file_bytes.h"
#include "io/printable.h"
#include "ir/onnx_dtype.h"

namespace qrt::onnx_import {

namespace {

namespace fs = std::filesystem;

class Converter {
 public:
  Converter(const ::onnx::TensorProto& proto, const std::string& where, const std::string& base_dir)
      : proto_(proto), where_(where), base_dir_(base_dir) {}

  Tensor run() {
    if (proto_.has_segment()) fail("segmented tensors are not supported");
    if (proto_.data_type() == ::onnx::TensorProto::UNDEFINED) fail("has no element type");
    const auto dtype = ir::dtype_from_onnx(proto_.data_type());
    if (!dtype) fail("unsupported element type " + elem_type_text(proto_.data_type()));
    dtype_ = *dtype;
    shape_.assign(proto_.dims().begin(), proto_.dims().end());
    compute_size();
    if (proto_.data_location() == ::onnx::TensorProto::EXTERNAL) return read_external();
    if (proto_.has_raw_data()) return read_raw();
    return read_typed();
  }

 private:
  [[noreturn]] void fail(const std::string& message) const {
    throw Error(io::printable(where_ + ": " + message));
  }

  std::string type_and_shape() const {
    return elem_type_text(proto_.data_type()) + " " + shape_to_string(shape_);
  }

  void compute_size() {
    // Checked so that hostile dims cannot overflow into a small allocation.
    constexpr uint64_t kLimit = uint64_t{1} << 48;
    uint64_t n = 1;
    for (int64_t d : shape_) {
      if (d < 0) fail("negative dimension in shape " + shape_to_string(shape_));
      if (d != 0 && n > kLimit / static_cast<uint64_t>(d))
        fail("shape " + shape_to_string(shape_) + " is too large");
      n *= static_cast<uint64_t>(d);
    }
    numel_ = n;
    nbytes_ = n * dtype_size(dtype_);
    if (nbytes_ > kLimit) fail("shape " + shape_to_string(shape_) + " is too large");
  }

  Tensor read_raw() const {
    const std::string& raw = proto_.raw_data();
    if (raw.size() != nbytes_)
      fail("raw_data holds " + std::to_string(raw.size()) + " bytes, expected " +
           std::to_string(nbytes_) + " for " + type_and_shape());
    Tensor t(dtype_, shape_);
    if (nbytes_) std::memcpy(t.data(), raw.data(), nbytes_);
    if (dtype_ == DataType::kBool) normalize_bools(t);
    return t;
  }

  static void normalize_bools(Tensor& t) {
    auto* p = t.data_as<uint8_t>();
    for (int64_t i = 0; i < t.numel(); ++i) p[i] = p[i] != 0;
  }

  template <typename Dst, typename Field, typename Fn>
  Tensor copy_field(const Field& field, const char* field_name, Fn convert) const {
    if (static_cast<uint64_t>(field.size()) != numel_) {
      if (field.empty()) fail("has no data for " + type_and_shape());
      fail(std::string(field_name) + " holds " + std::to_string(field.size()) +
           " values, expected " + std::to_string(numel_) + " for " + type_and_shape());
    }
    Tensor t(dtype_, shape_);
    Dst* out = t.data_as<Dst>();
    for (int i = 0; i < field.size(); ++i) out[i] = convert(field[i]);
    return t;
  }

  template <typename Dst, typename Field>
  Tensor copy_field(const Field& field, const char* field_name) const {
    return copy_field<Dst>(field, field_name, [](auto v) { return static_cast<Dst>(v); });
  }

  Tensor read_typed() const {
    switch (dtype_) {
      case DataType::kFloat32:
        return copy_field<float>(proto_.float_data(), "float_data");
      case DataType::kFloat64:
        return copy_field<double>(proto_.double_data(), "double_data");
      case DataType::kInt64:
        return copy_field<int64_t>(proto_.int64_data(), "int64_data");
      case DataType::kInt32:
        return copy_field<int32_t>(proto_.int32_data(), "int32_data");
      case DataType::kInt8:
        return copy_field<int8_t>(proto_.int32_data(), "int32_data");
      case DataType::kUInt8:
        return copy_field<uint8_t>(proto_.int32_data(), "int32_data");
      // float16 / bfloat16 store their bit patterns in the low 16 bits of int32_data.
      case DataType::kFloat16:
      case DataType::kBFloat16:
        return copy_field<uint16_t>(proto_.int32_data(), "int32_data");
      case DataType::kBool:
        return copy_field<uint8_t>(proto_.int32_data(), "int32_data",
                                   [](int32_t v) { return static_cast<uint8_t>(v != 0); });
      default:
        fail("unsupported element type " + type_and_shape());
    }
  }

  uint64_t parse_uint(const std::string& key, const std::string& text) const {
    uint64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty())
      fail("external data " + key + " '" + text + "' is not a non-negative integer");
    return v;
  }

  Tensor read_external() const {
    std::string location;
    uint64_t offset = 0;
    std::optional<uint64_t> length;
    for (const auto& entry : proto_.external_data()) {
      if (entry.key() == "location")
        location = entry.value();
      else if (entry.key() == "offset")
        offset = parse_uint("offset", entry.value());
      else if (entry.key() == "length")
        length = parse_uint("length", entry.value());
    }
    if (location.empty()) fail("external data has no location");
    const fs::path rel(location);
    if (rel.is_absolute())
      fail("external data location '" + location + "' must be relative to the model's directory");
    for (const auto& part : rel)
      if (part == "..")
        fail("external data location '" + location + "' leaves the model's directory");
    const std::string dir = base_dir_.empty() ? "." : base_dir_;
    const std::string path = (fs::path(dir) / rel).string();
    const int64_t size = io::file_size(path);
    if (size < 0) fail("external data file '" + location + "' not found in '" + dir + "'");
    const uint64_t file_bytes = static_cast<uint64_t>(size);
    if (offset > file_bytes)
      fail("external data offset " + std::to_string(offset) + " is beyond the end of '" + location +
           "' (" + std::to_string(file_bytes) + " bytes)");
    const uint64_t len = length.value_or(file_bytes - offset);
    if (len > file_bytes - offset)
      fail("external data range [" + std::to_string(offset) + ", " + std::to_string(offset + len) +
           ") is outside '" + location + "' (" + std::to_string(file_bytes) + " bytes)");
    if (len != nbytes_)
      fail("external data holds " + std::to_string(len) + " bytes, expected " +
           std::to_string(nbytes_) + " for " + type_and_shape());
    Tensor t(dtype_, shape_);
    io::read_file_range(path, offset, len, t.data());
    if (dtype_ == DataType::kBool) normalize_bools(t);
    return t;
  }

  const ::onnx::TensorProto& proto_;
  const std::string& where_;
  const std::string& base_dir_;
  DataType dtype_ = DataType::kUndefined;
  std::vector<int64_t> shape_;
  uint64_t numel_ = 0;
  uint64_t nbytes_ = 0;
};

}  // namespace

std::string elem_type_text(int64_t onnx_type) {
  const std::string name = ir::onnx_type_name(onnx_type);
  return name == "UNKNOWN" ? "code " + std::to_string(onnx_type) : name;
}

Tensor tensor_from_proto(const ::onnx::TensorProto& proto, const std::string& where,
                         const std::string& base_dir) {
  return Converter(proto, where, base_dir).run();
}

}  // namespace qrt::onnx_import
