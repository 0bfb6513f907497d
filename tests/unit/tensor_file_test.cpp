// Tensor files: .npy read/write (against bytes NumPy writes) and ONNX TensorProto .pb files.
#include "io/tensor_file.h"

#include <gtest/gtest.h>

#include <cstring>

#include "onnx_test_util.h"

namespace qrt::io {
namespace {

using qrt::test::expect_error;
using qrt::test::TempDir;

std::string from_hex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

// A .npy file laid out as NumPy writes it: magic, version, little-endian header length, the
// dict padded with spaces and a newline to a multiple of 64 bytes, then the data.
std::string npy_file(int version, const std::string& dict, const std::string& data) {
  const size_t prelude = version == 1 ? 10 : 12;
  std::string header = dict;
  const size_t total = (prelude + header.size() + 1 + 63) / 64 * 64;
  header.append(total - prelude - header.size() - 1, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(version);
  out += '\0';
  for (size_t i = 0; i < prelude - 8; ++i)
    out += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return out + header + data;
}

// Files written by NumPy 1.24 (np.save, or np.lib.format.write_array for versions 2 and 3);
// `size` is the file size NumPy produced, checking that the layout above matches it.
struct NumpyFixture {
  const char* name;
  int version;
  const char* dict;
  const char* data_hex;
  size_t size;
  DataType dtype;
  std::vector<int64_t> shape;
  std::vector<float> values;
};

const std::vector<NumpyFixture>& numpy_fixtures() {
  static const std::vector<NumpyFixture> fixtures = {
      {"f32",
       1,
       "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
       "000000000000803f0000004000004040000080400000a040",
       152,
       DataType::kFloat32,
       {2, 3},
       {0, 1, 2, 3, 4, 5}},
      {"bool",
       1,
       "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }",
       "010001",
       131,
       DataType::kBool,
       {3},
       {1, 0, 1}},
      {"i64_scalar",
       1,
       "{'descr': '<i8', 'fortran_order': False, 'shape': (), }",
       "fdffffffffffffff",
       136,
       DataType::kInt64,
       {},
       {-3}},
      {"f16",
       1,
       "{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }",
       "003c00c0",
       132,
       DataType::kFloat16,
       {2},
       {1, -2}},
      {"u8_v2",
       2,
       "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2), }",
       "010203ff",
       132,
       DataType::kUInt8,
       {2, 2},
       {1, 2, 3, 255}},
      {"i32_v3",
       3,
       "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }",
       "07000000f8ffffff",
       136,
       DataType::kInt32,
       {2},
       {7, -8}},
      {"f64_empty",
       1,
       "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 3), }",
       "",
       128,
       DataType::kFloat64,
       {0, 3},
       {}},
      {"i8",
       1,
       "{'descr': '|i1', 'fortran_order': False, 'shape': (2,), }",
       "807f",
       130,
       DataType::kInt8,
       {2},
       {-128, 127}},
  };
  return fixtures;
}

std::string fixture_bytes(const NumpyFixture& f) {
  return npy_file(f.version, f.dict, from_hex(f.data_hex));
}

TEST(Npy, ReadsFilesWrittenByNumpy) {
  TempDir dir;
  for (const auto& f : numpy_fixtures()) {
    SCOPED_TRACE(f.name);
    const std::string bytes = fixture_bytes(f);
    ASSERT_EQ(bytes.size(), f.size);
    const Tensor t = load_npy(dir.write(std::string(f.name) + ".npy", bytes));
    EXPECT_EQ(t.dtype(), f.dtype);
    EXPECT_EQ(t.shape(), f.shape);
    EXPECT_EQ(t.to_float_vector(), f.values);
  }
}

TEST(Npy, WritesWhatNumpyWrites) {
  for (const auto& f : numpy_fixtures()) {
    if (f.version != 1) continue;  // NumPy picks version 1 whenever the header fits
    SCOPED_TRACE(f.name);
    const Tensor t = npy_from_bytes(fixture_bytes(f), f.name);
    EXPECT_EQ(npy_to_bytes(t, f.name), fixture_bytes(f));
  }
}

Tensor patterned(DataType dtype, std::vector<int64_t> shape) {
  Tensor t(dtype, std::move(shape));
  auto* bytes = static_cast<uint8_t*>(t.data());
  for (size_t i = 0; i < t.nbytes(); ++i)
    bytes[i] = dtype == DataType::kBool ? static_cast<uint8_t>(i % 3 == 0)
                                        : static_cast<uint8_t>(i * 37 + 11);
  return t;
}

TEST(Npy, RoundTripsEveryDtypeAndRank) {
  TempDir dir;
  for (DataType dtype :
       {DataType::kFloat32, DataType::kFloat16, DataType::kFloat64, DataType::kInt8,
        DataType::kUInt8, DataType::kInt32, DataType::kInt64, DataType::kBool})
    for (const std::vector<int64_t>& shape :
         std::vector<std::vector<int64_t>>{{}, {0}, {7}, {2, 3, 4}, {1, 1, 1, 1, 2}}) {
      SCOPED_TRACE(std::string(dtype_name(dtype)) + " " + shape_to_string(shape));
      const Tensor t = patterned(dtype, shape);
      const std::string path = dir.file("t.npy");
      save_npy(path, t);
      const Tensor back = load_npy(path);
      EXPECT_EQ(back.dtype(), dtype);
      EXPECT_EQ(back.shape(), shape);
      ASSERT_EQ(back.nbytes(), t.nbytes());
      EXPECT_EQ(std::memcmp(back.data(), t.data(), t.nbytes()), 0);
      const std::string bytes = npy_to_bytes(t, "t.npy");
      EXPECT_EQ((bytes.size() - t.nbytes()) % 64, 0u) << "data must start 64-byte aligned";
      EXPECT_EQ(load_tensor_file(path).nbytes(), t.nbytes());
    }
}

TEST(Npy, LongHeadersUseVersion2) {
  const Tensor t(DataType::kUInt8, std::vector<int64_t>(25000, 1));
  const std::string bytes = npy_to_bytes(t, "long.npy");
  EXPECT_EQ(bytes[6], '\x02');
  const Tensor back = npy_from_bytes(bytes, "long.npy");
  EXPECT_EQ(back.rank(), 25000u);
}

TEST(Npy, RefusesWhatItCannotStore) {
  TempDir dir;
  expect_error([&] { save_npy(dir.file("b.npy"), Tensor(DataType::kBFloat16, {2})); },
               {dir.file("b.npy"), "bf16 has no NumPy dtype"});
  expect_error([&] { save_npy(dir.file("u.npy"), Tensor()); }, {"cannot save an undefined tensor"});
  expect_error([&] { save_npy(dir.file("no/such/dir/x.npy"), Tensor(DataType::kFloat32, {1})); },
               {dir.file("no/such/dir/x.npy"), "cannot write"});
}

TEST(Npy, BadInputsAreOneLineErrors) {
  TempDir dir;
  auto load_bytes = [&](const std::string& bytes) {
    const std::string path = dir.write("bad.npy", bytes);
    return [path] { load_npy(path); };
  };
  const std::string path = dir.file("bad.npy");
  auto dict = [](const std::string& descr, const std::string& fortran, const std::string& shape) {
    return "{'descr': " + descr + ", 'fortran_order': " + fortran + ", 'shape': " + shape + ", }";
  };
  const std::string f32_ok = fixture_bytes(numpy_fixtures()[0]);

  expect_error(load_bytes("hello, this is not a numpy file"),
               {path, "not a .npy file (bad magic)"});
  expect_error(load_bytes("\x93NUM"), {path, "bad magic"});
  std::string v4 = f32_ok;
  v4[6] = 4;
  expect_error(load_bytes(v4), {path, "unsupported .npy version 4.0"});
  expect_error(load_bytes(f32_ok.substr(0, 50)), {path, "truncated .npy header"});
  expect_error(load_bytes(f32_ok.substr(0, 9)), {path, "truncated .npy header"});
  expect_error(load_bytes(f32_ok.substr(0, f32_ok.size() - 4)),
               {path, "truncated: 20 data bytes, expected 24 for f32 [2,3]"});
  // Fortran order and big-endian exactly as NumPy writes them.
  expect_error(load_bytes(npy_file(1, dict("'<f4'", "True", "(2, 3)"), std::string(24, '\0'))),
               {path, "Fortran-order arrays are not supported"});
  expect_error(load_bytes(npy_file(1, dict("'>f4'", "False", "(1,)"), from_hex("3f800000"))),
               {path, "big-endian data ('>f4') is not supported"});
  expect_error(load_bytes(npy_file(1, dict("'|O'", "False", "(2,)"), std::string(16, '\0'))),
               {path, "object arrays are not supported"});
  expect_error(load_bytes(npy_file(1, dict("'<u2'", "False", "(1,)"), from_hex("0100"))),
               {path, "unsupported dtype '<u2'"});
  expect_error(load_bytes(npy_file(1, dict("'<c8'", "False", "(1,)"), std::string(8, '\0'))),
               {path, "unsupported dtype '<c8'"});
  expect_error(
      load_bytes(npy_file(1, dict("[('a', '<f4')]", "False", "(1,)"), std::string(4, '\0'))),
      {path, "structured dtypes are not supported"});
  expect_error(load_bytes(npy_file(1, "{'descr': '<f4', 'shape': (2,), }", std::string(8, '\0'))),
               {path, "lacks 'descr', 'fortran_order' or 'shape'"});
  expect_error(load_bytes(npy_file(1, "{'descr' '<f4'}", "")), {path, "malformed .npy header"});
  expect_error(load_bytes(npy_file(1, dict("'<f4'", "Maybe", "(1,)"), "")),
               {path, "malformed .npy header"});
  expect_error(load_bytes(npy_file(1, dict("'<f4'", "False", "(-1,)"), "")),
               {path, "negative dimension"});
  expect_error(load_bytes(npy_file(1, dict("'<f4'", "False", "(99999999999, 99999999999)"), "")),
               {path, "is too large"});
  expect_error([] { load_npy("/nonexistent/t.npy"); }, {"/nonexistent/t.npy: cannot open"});
}

::onnx::TensorProto small_proto() {
  ::onnx::TensorProto p;
  p.set_name("t");
  p.set_data_type(::onnx::TensorProto::FLOAT);
  p.add_dims(2);
  p.add_dims(2);
  const std::vector<float> v{1, 2, 3, 4};
  p.set_raw_data(qrt::test::bytes_of(v));
  return p;
}

TEST(TensorProtoFile, LoadsOnnxTestDataTensors) {
  TempDir dir;
  const std::string path = dir.write("input_0.pb", small_proto().SerializeAsString());
  for (const Tensor& t : {load_tensor_proto_file(path), load_tensor_file(path)}) {
    EXPECT_EQ(t.dtype(), DataType::kFloat32);
    EXPECT_EQ(t.shape(), (std::vector<int64_t>{2, 2}));
    EXPECT_EQ(t.to_float_vector(), (std::vector<float>{1, 2, 3, 4}));
  }
  // External data is resolved beside the .pb file.
  ::onnx::TensorProto ext = small_proto();
  ext.clear_raw_data();
  ext.set_data_location(::onnx::TensorProto::EXTERNAL);
  auto* loc = ext.add_external_data();
  loc->set_key("location");
  loc->set_value("t.bin");
  dir.write("t.bin", qrt::test::bytes_of(std::vector<float>{5, 6, 7, 8}));
  const std::string ext_path = dir.write("ext.pb", ext.SerializeAsString());
  EXPECT_EQ(load_tensor_file(ext_path).to_float_vector(), (std::vector<float>{5, 6, 7, 8}));
}

TEST(TensorProtoFile, BadInputsAreOneLineErrors) {
  TempDir dir;
  const std::string garbage = dir.write("g.pb", "\x01\x02\x03 not protobuf");
  expect_error([&] { load_tensor_proto_file(garbage); },
               {garbage, "not an ONNX TensorProto (protobuf parse failed)"});
  const std::string empty = dir.write("e.pb", "");
  expect_error([&] { load_tensor_file(empty); }, {empty, "empty file"});
  ::onnx::TensorProto no_type = small_proto();
  no_type.clear_data_type();
  const std::string untyped = dir.write("n.pb", no_type.SerializeAsString());
  expect_error([&] { load_tensor_file(untyped); }, {untyped, "no data type"});
  ::onnx::TensorProto short_data = small_proto();
  short_data.set_raw_data(std::string(4, '\0'));
  const std::string shorted = dir.write("s.pb", short_data.SerializeAsString());
  expect_error([&] { load_tensor_file(shorted); },
               {shorted + ": raw_data holds 4 bytes, expected 16 for FLOAT [2,2]"});
  const std::string text = dir.write("t.txt", "1 2 3");
  expect_error([&] { load_tensor_file(text); },
               {text, "unknown tensor file type '.txt' (expected .npy or .pb)"});
  expect_error([] { load_tensor_file("/nonexistent/x.pb"); }, {"/nonexistent/x.pb: cannot open"});
}

TEST(TensorFile, ExtensionIsCaseInsensitive) {
  TempDir dir;
  const std::string path = dir.file("UPPER.NPY");
  save_npy(path, Tensor::from_vector(DataType::kInt64, {2}, std::vector<int64_t>{4, 5}));
  EXPECT_EQ(load_tensor_file(path).to_int64_vector(), (std::vector<int64_t>{4, 5}));
}

}  // namespace
}  // namespace qrt::io
