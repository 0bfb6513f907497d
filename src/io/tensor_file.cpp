#include "io/tensor_file.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>

#include "io/file_bytes.h"
#include "io/printable.h"
#include "onnx/tensor_proto.h"

namespace qrt::io {

namespace {

constexpr char kNpyMagic[] = "\x93NUMPY";
constexpr size_t kNpyMagicSize = 6;

struct NpyType {
  const char* code;  // kind and size, as in descr without the byte-order character
  DataType dtype;
};
constexpr NpyType kNpyTypes[] = {
    {"f4", DataType::kFloat32}, {"f2", DataType::kFloat16}, {"f8", DataType::kFloat64},
    {"i1", DataType::kInt8},    {"u1", DataType::kUInt8},   {"i4", DataType::kInt32},
    {"i8", DataType::kInt64},   {"b1", DataType::kBool},
};

// The header is a Python dict literal, e.g.
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// This reads exactly the subset NumPy writes: string keys, string / bool / int-tuple values.
class HeaderParser {
 public:
  struct Fields {
    std::optional<std::string> descr;
    std::optional<bool> fortran_order;
    std::optional<std::vector<int64_t>> shape;
  };

  HeaderParser(const std::string& text, const std::string& file) : text_(text), file_(file) {}

  Fields parse() {
    Fields f;
    expect('{');
    while (true) {
      skip_space();
      if (peek() == '}') break;
      const std::string key = string_literal();
      expect(':');
      skip_space();
      if (key == "descr") {
        if (peek() != '\'' && peek() != '"')
          fail("structured dtypes are not supported (descr is not a simple type)");
        f.descr = string_literal();
      } else if (key == "fortran_order") {
        f.fortran_order = bool_literal();
      } else if (key == "shape") {
        f.shape = int_tuple();
      } else {
        fail("unexpected header key '" + key + "'");
      }
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == '}') break;
      fail_syntax();
    }
    return f;
  }

 private:
  [[noreturn]] void fail(const std::string& message) const {
    throw Error(printable(file_ + ": " + message));
  }
  [[noreturn]] void fail_syntax() const {
    fail("malformed .npy header at byte " + std::to_string(pos_) + ": '" + printable_header() +
         "'");
  }
  std::string printable_header() const {
    std::string s = text_.substr(0, 120);
    for (char& c : s)
      if (!std::isprint(static_cast<unsigned char>(c))) c = '?';
    return s;
  }
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  void expect(char c) {
    skip_space();
    if (peek() != c) fail_syntax();
    ++pos_;
  }
  std::string string_literal() {
    skip_space();
    const char quote = peek();
    if (quote != '\'' && quote != '"') fail_syntax();
    const size_t end = text_.find(quote, pos_ + 1);
    if (end == std::string::npos) fail_syntax();
    std::string s = text_.substr(pos_ + 1, end - pos_ - 1);
    pos_ = end + 1;
    return s;
  }
  bool bool_literal() {
    if (text_.compare(pos_, 4, "True") == 0) {
      pos_ += 4;
      return true;
    }
    if (text_.compare(pos_, 5, "False") == 0) {
      pos_ += 5;
      return false;
    }
    fail_syntax();
  }
  std::vector<int64_t> int_tuple() {
    expect('(');
    std::vector<int64_t> dims;
    while (true) {
      skip_space();
      if (peek() == ')') break;
      if (!std::isdigit(static_cast<unsigned char>(peek()))) {
        if (peek() == '-') fail("negative dimension in shape");
        fail_syntax();
      }
      int64_t v = 0;
      while (std::isdigit(static_cast<unsigned char>(peek()))) {
        if (v > (INT64_MAX - 9) / 10) fail("shape dimension is too large");
        v = v * 10 + (text_[pos_++] - '0');
      }
      if (peek() == 'L') ++pos_;  // Python 2 long literal
      dims.push_back(v);
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() != ')') fail_syntax();
    }
    ++pos_;
    return dims;
  }

  const std::string& text_;
  const std::string& file_;
  size_t pos_ = 0;
};

DataType npy_dtype(const std::string& descr, const std::string& file) {
  auto fail = [&](const std::string& why) { throw Error(printable(file + ": " + why)); };
  if (descr.size() < 2) fail("unsupported dtype '" + descr + "'");
  const char order = descr[0];
  const std::string code =
      std::string("<>|=").find(order) != std::string::npos ? descr.substr(1) : descr;
  if (code[0] == 'O') fail("object arrays are not supported");
  for (const auto& t : kNpyTypes) {
    if (code != t.code) continue;
    if (order == '>' && dtype_size(t.dtype) > 1)
      fail("big-endian data ('" + descr + "') is not supported; save it as little-endian");
    return t.dtype;
  }
  fail("unsupported dtype '" + descr + "' (supported: f4, f2, f8, i1, u1, i4, i8, b1)");
  return DataType::kUndefined;
}

const char* npy_descr(DataType t) {
  switch (t) {
    case DataType::kFloat32:
      return "<f4";
    case DataType::kFloat16:
      return "<f2";
    case DataType::kFloat64:
      return "<f8";
    case DataType::kInt8:
      return "|i1";
    case DataType::kUInt8:
      return "|u1";
    case DataType::kInt32:
      return "<i4";
    case DataType::kInt64:
      return "<i8";
    case DataType::kBool:
      return "|b1";
    default:
      return nullptr;
  }
}

uint32_t read_le(const std::string& bytes, size_t offset, size_t size) {
  uint32_t v = 0;
  for (size_t i = 0; i < size; ++i)
    v |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[offset + i])) << (8 * i);
  return v;
}

}  // namespace

Tensor npy_from_bytes(const std::string& bytes, const std::string& file) {
  auto fail = [&](const std::string& why) { throw Error(printable(file + ": " + why)); };
  if (bytes.size() < kNpyMagicSize + 2 || bytes.compare(0, kNpyMagicSize, kNpyMagic) != 0)
    fail("not a .npy file (bad magic)");
  const int major = static_cast<uint8_t>(bytes[6]);
  const int minor = static_cast<uint8_t>(bytes[7]);
  if (major < 1 || major > 3 || minor != 0)
    fail("unsupported .npy version " + std::to_string(major) + "." + std::to_string(minor));
  // Version 1 stores the header length in 2 bytes, versions 2 and 3 in 4.
  const size_t len_size = major == 1 ? 2 : 4;
  const size_t header_start = 8 + len_size;
  if (bytes.size() < header_start) fail("truncated .npy header");
  const size_t header_len = read_le(bytes, 8, len_size);
  if (bytes.size() - header_start < header_len) fail("truncated .npy header");
  const std::string header = bytes.substr(header_start, header_len);
  const auto fields = HeaderParser(header, file).parse();
  if (!fields.descr || !fields.fortran_order || !fields.shape)
    fail("the .npy header lacks 'descr', 'fortran_order' or 'shape'");
  const DataType dtype = npy_dtype(*fields.descr, file);
  const std::vector<int64_t>& shape = *fields.shape;
  // Up to one dimension both orders are the same layout.
  if (*fields.fortran_order && shape.size() > 1)
    fail("Fortran-order arrays are not supported (save with np.ascontiguousarray)");
  uint64_t numel = 1;
  for (int64_t d : shape) {
    if (d != 0 && numel > (uint64_t{1} << 48) / static_cast<uint64_t>(d))
      fail("shape " + shape_to_string(shape) + " is too large");
    numel *= static_cast<uint64_t>(d);
  }
  const uint64_t nbytes = numel * dtype_size(dtype);
  const size_t data_start = header_start + header_len;
  const size_t available = bytes.size() - data_start;
  if (available < nbytes)
    fail("truncated: " + std::to_string(available) + " data bytes, expected " +
         std::to_string(nbytes) + " for " + std::string(dtype_name(dtype)) + " " +
         shape_to_string(shape));
  Tensor t(dtype, shape);
  if (nbytes) std::memcpy(t.data(), bytes.data() + data_start, nbytes);
  if (dtype == DataType::kBool) {
    auto* p = t.data_as<uint8_t>();
    for (uint64_t i = 0; i < numel; ++i) p[i] = p[i] != 0;
  }
  return t;
}

std::string npy_to_bytes(const Tensor& tensor, const std::string& file) {
  if (!tensor.defined()) throw Error(file + ": cannot save an undefined tensor");
  const char* descr = npy_descr(tensor.dtype());
  if (!descr)
    throw Error(file + ": " + std::string(dtype_name(tensor.dtype())) +
                " has no NumPy dtype; convert it (e.g. to f32) before saving as .npy");
  std::string shape = "(";
  for (size_t i = 0; i < tensor.rank(); ++i)
    shape += (i ? ", " : "") + std::to_string(tensor.dim(i));
  if (tensor.rank() == 1) shape += ",";
  shape += ")";
  std::string header = "{'descr': '";
  header += descr;
  header += "', 'fortran_order': False, 'shape': ";
  header += shape;
  header += ", }";
  // Like NumPy: pad with spaces and a final newline so the data starts 64-byte aligned; use
  // version 2 only when the header does not fit version 1's 16-bit length.
  auto padded_total = [&](size_t prelude_size) {
    return (prelude_size + header.size() + 1 + 63) / 64 * 64;
  };
  size_t prelude = kNpyMagicSize + 2 + 2;
  if (padded_total(prelude) - prelude > 65535) prelude += 2;
  const size_t total = padded_total(prelude);
  header.append(total - prelude - header.size() - 1, ' ');
  header += '\n';
  std::string out(kNpyMagic, kNpyMagicSize);
  out += static_cast<char>(prelude == 10 ? 1 : 2);
  out += '\0';
  const size_t len_size = prelude - 8;
  for (size_t i = 0; i < len_size; ++i) out += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  out += header;
  out.append(static_cast<const char*>(tensor.data()), tensor.nbytes());
  return out;
}

Tensor load_npy(const std::string& path) { return npy_from_bytes(read_file_bytes(path), path); }

void save_npy(const std::string& path, const Tensor& tensor) {
  const std::string bytes = npy_to_bytes(tensor, path);
  errno = 0;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw Error(path + ": cannot write (" + std::strerror(errno ? errno : EIO) + ")");
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) throw Error(path + ": write failed");
}

Tensor load_tensor_proto_file(const std::string& path) {
  const std::string bytes = read_file_bytes(path);
  if (bytes.empty()) throw Error(path + ": empty file, not an ONNX TensorProto");
  ::onnx::TensorProto proto;
  if (bytes.size() > static_cast<size_t>(INT32_MAX) ||
      !proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    throw Error(path + ": not an ONNX TensorProto (protobuf parse failed)");
  if (!proto.has_data_type()) throw Error(path + ": not an ONNX TensorProto (no data type)");
  const std::string dir = std::filesystem::path(path).parent_path().string();
  return onnx_import::tensor_from_proto(proto, path, dir.empty() ? "." : dir);
}

Tensor load_tensor_file(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".npy") return load_npy(path);
  if (ext == ".pb") return load_tensor_proto_file(path);
  throw Error(path + ": unknown tensor file type '" + ext + "' (expected .npy or .pb)");
}

}  // namespace qrt::io
