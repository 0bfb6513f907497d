// Calibration tables: TensorRT's cache format and JSON, bit-exact round trips, a hand-written
// TensorRT table, checks against a model's tensors, and one test per kind of bad input.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "onnx_test_util.h"
#include "quant/calibration_table.h"

namespace qrt::quant {
namespace {

using qrt::test::expect_error;
using qrt::test::TempDir;

uint32_t bits_of(float f) {
  uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

float from_bits(uint32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}

const std::string kKnownTable = std::string(QRT_SOURCE_DIR) + "/tests/data/calib/trt_known.cache";

TEST(QuantCalibrationTable, HandWrittenTensorRtTableLoadsExactScales) {
  const CalibrationTable t = read_calibration_table(kKnownTable);
  EXPECT_EQ(t.algorithm, "EntropyCalibration2");
  EXPECT_EQ(t.version_tag, "8601");
  const std::map<std::string, uint32_t> expected = {
      {"input", 0x3c000000},                                    // 2^-7
      {"conv1 [relu]", 0x3d800000},                             // 0.0625
      {"(Unnamed Layer* 3) [Convolution]_output", 0x3e800000},  // 0.25
      {"stage2:block 1: out", 0x3f800000},                      // 1, name holds ": "
      {"ratio:", 0x3f000000},                                   // 0.5, name ends in ':'
      {"name with  two spaces", 0x3dcccccd},                    // 0.1f, upper-case hex
      {"pi", 0x40490fdb},                                       // float(pi)
  };
  ASSERT_EQ(t.scales.size(), expected.size());
  for (const auto& [name, bits] : expected) {
    ASSERT_TRUE(t.scales.count(name)) << name;
    EXPECT_EQ(bits_of(t.scales.at(name)), bits) << name;
  }
  EXPECT_EQ(t.scales.at("name with  two spaces"), 0.1f);
  EXPECT_EQ(t.scales.at("input"), 0.0078125f);
}

TEST(QuantCalibrationTable, WritesTensorRtTextExactly) {
  CalibrationTable t;
  t.algorithm = table_algorithm_name(Algorithm::kEntropy);
  t.scales = {{"b: x", 0.25f}, {"a [1]", 0.1f}, {"A", 1.0f}};
  EXPECT_EQ(format_calibration_table(t, TableFormat::kTensorRT),
            "TRT-8601-EntropyCalibration2\n"
            "A: 3f800000\n"
            "a [1]: 3dcccccd\n"
            "b: x: 3e800000\n");
  t.version_tag = "100300";
  t.algorithm = table_algorithm_name(Algorithm::kMinMax);
  EXPECT_EQ(format_calibration_table(t, TableFormat::kTensorRT).substr(0, 31),
            "TRT-100300-MinMaxCalibration\nA:");
}

TEST(QuantCalibrationTable, AlgorithmNames) {
  EXPECT_EQ(table_algorithm_name(Algorithm::kEntropy), "EntropyCalibration2");
  EXPECT_EQ(table_algorithm_name(Algorithm::kMinMax), "MinMaxCalibration");
  EXPECT_EQ(table_algorithm_name(Algorithm::kPercentile), "PercentileCalibration");
  EXPECT_EQ(table_algorithm_name(Algorithm::kMse), "MseCalibration");
  for (const char* name : {"EntropyCalibration2", "EntropyCalibration", "MinMaxCalibration",
                           "LegacyCalibration", "PercentileCalibration", "MseCalibration"}) {
    EXPECT_TRUE(is_table_algorithm(name)) << name;
    const CalibrationTable t =
        parse_calibration_table(std::string("TRT-8601-") + name + "\nx: 3f800000\n", "t");
    EXPECT_EQ(t.algorithm, name);
  }
  EXPECT_FALSE(is_table_algorithm("entropy"));
}

TEST(QuantCalibrationTable, FromCalibrationAmax) {
  const CalibrationTable t =
      table_from_amax({{"a", 12.7f}, {"zeros", 0.0f}}, Algorithm::kPercentile);
  EXPECT_EQ(t.algorithm, "PercentileCalibration");
  EXPECT_EQ(t.version_tag, "8601");
  EXPECT_EQ(t.scales.at("a"), 12.7f / 127.0f);
  EXPECT_EQ(t.scales.at("zeros"), 1.0f / 127.0f);
}

// Random positive finite floats (denormals included) under awkward names survive write + read
// bit for bit, in both formats.
TEST(QuantCalibrationTable, RoundTripIsBitExact) {
  std::mt19937 rng(42);
  CalibrationTable t;
  t.algorithm = "MseCalibration";
  const std::string pieces[] = {"conv", " ", ":", ": ", "[", "]", "(", ")", "/", "é", "_0"};
  for (int i = 0; i < 500; ++i) {
    uint32_t bits;
    do {
      bits = rng() & 0x7fffffffu;  // positive
    } while (bits == 0 || (bits & 0x7f800000u) == 0x7f800000u);
    std::string name = "t";
    name += std::to_string(i);  // not "t" + ...: GCC 12 -O3 warns falsely (-Wrestrict)
    for (int k = 0; k < 4; ++k) name += pieces[rng() % std::size(pieces)];
    t.scales[name] = from_bits(bits);
  }
  t.scales["tiny"] = from_bits(1);  // the smallest denormal
  t.scales["huge"] = from_bits(0x7f7fffff);
  TempDir dir;
  for (TableFormat format : {TableFormat::kTensorRT, TableFormat::kJson}) {
    const std::string path = dir.file(format == TableFormat::kJson ? "t.json" : "t.cache");
    write_calibration_table(path, t, format);
    const CalibrationTable back = read_calibration_table(path);
    EXPECT_EQ(back.algorithm, t.algorithm);
    EXPECT_EQ(back.version_tag, t.version_tag);
    ASSERT_EQ(back.scales.size(), t.scales.size());
    for (const auto& [name, scale] : t.scales) {
      ASSERT_TRUE(back.scales.count(name)) << name;
      EXPECT_EQ(bits_of(back.scales.at(name)), bits_of(scale)) << name;
    }
  }
}

TEST(QuantCalibrationTable, ToleratesCrLfBlankLinesAndTrailingSpace) {
  const CalibrationTable t = parse_calibration_table(
      "TRT-8601-MinMaxCalibration\r\nin put: 3F800000 \r\n\r\nout: 3e800000\r\n", "crlf.cache");
  EXPECT_EQ(t.algorithm, "MinMaxCalibration");
  EXPECT_EQ(t.scales.size(), 2u);
  EXPECT_EQ(t.scales.at("in put"), 1.0f);
  EXPECT_EQ(t.scales.at("out"), 0.25f);
}

TEST(QuantCalibrationTable, JsonScalesAndAmax) {
  const CalibrationTable s = parse_calibration_table(
      R"({"algorithm": "entropy", "version": "8601", "scales": {"a: b": 0.5, "c": 2}})", "t.json");
  EXPECT_EQ(s.algorithm, "EntropyCalibration2");
  EXPECT_EQ(s.scales.at("a: b"), 0.5f);
  EXPECT_EQ(s.scales.at("c"), 2.0f);
  const CalibrationTable a =
      parse_calibration_table(R"({"amax": {"x": 12.7, "y": 1}}  )", "amax.json");
  EXPECT_EQ(a.algorithm, "");
  EXPECT_EQ(a.scales.at("x"), 12.7f / 127.0f);
  EXPECT_EQ(a.scales.at("y"), 1.0f / 127.0f);
  // A JSON table without an algorithm cannot claim one in a TensorRT header.
  expect_error([&] { format_calibration_table(a, TableFormat::kTensorRT); }, {"algorithm", "''"});
  EXPECT_NE(format_calibration_table(a, TableFormat::kJson).find("\"scales\""), std::string::npos);
}

// Each malformed TensorRT table: one line naming the file and the line.
struct BadTable {
  const char* what;
  std::string text;
  std::vector<std::string> fragments;
};

TEST(QuantCalibrationTable, BadTensorRtTablesNameFileAndLine) {
  const std::string head = "TRT-8601-EntropyCalibration2\n";
  const std::vector<BadTable> cases = {
      {"wrong header", "calibration cache\nx: 3f800000\n", {"bad.cache:1:", "TRT-<version>"}},
      {"version not digits",
       "TRT-8.6-EntropyCalibration2\nx: 3f800000\n",
       {"bad.cache:1:", "numeric version"}},
      {"unknown algorithm",
       "TRT-8601-KLCalibration\nx: 3f800000\n",
       {"bad.cache:1:", "'KLCalibration'", "EntropyCalibration2"}},
      {"header missing", "x: 3f800000\ny: 3f800000\n", {"bad.cache:1:", "header"}},
      {"no colon-space",
       head + "a: 3f800000\nconv1 3f800000\n",
       {"bad.cache:3:", "'<tensor name>: <hex scale>'", "'conv1 3f800000'"}},
      {"colon without space", head + "conv1:3f800000\n", {"bad.cache:2:", "'conv1:3f800000'"}},
      {"seven hex digits",
       head + "conv1: 3f80000\n",
       {"bad.cache:2:", "'conv1'", "'3f80000'", "8 hex digits"}},
      {"non-hex digit", head + "conv1: 3f80000g\n", {"bad.cache:2:", "8 hex digits"}},
      {"0x prefix", head + "conv1: 0x3f800000\n", {"bad.cache:2:", "8 hex digits"}},
      {"decimal scale", head + "conv1: 0.5\n", {"bad.cache:2:", "8 hex digits"}},
      {"zero scale", head + "conv1: 00000000\n", {"bad.cache:2:", "positive and finite"}},
      {"negative scale",
       head + "ok: 3f800000\nconv1: bf800000\n",
       {"bad.cache:3:", "'conv1'", "-1", "positive"}},
      {"NaN scale", head + "conv1: 7fc00000\n", {"bad.cache:2:", "nan", "positive and finite"}},
      {"inf scale", head + "conv1: 7f800000\n", {"bad.cache:2:", "inf", "positive and finite"}},
      {"duplicate name",
       head + "a b: 3f800000\nc: 3f800000\na b: 3e800000\n",
       {"bad.cache:4:", "'a b'", "twice", "line 2"}},
      {"empty name", head + ": 3f800000\n", {"bad.cache:2:", "empty tensor name"}},
      {"header only", head, {"bad.cache:", "no tensor scales"}},
      {"empty file", "", {"bad.cache:", "empty file"}},
      {"whitespace only", " \n\n\t\n", {"bad.cache:", "empty file"}},
      {"binary garbage",
       std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16),
       {"bad.cache:2:", "binary data", "0x1a", "column 1"}},
      {"binary after header",
       head + "x: 3f800000\n" + std::string("\xde\xad\0\xbe\xef", 5),
       {"bad.cache:3:", "binary data", "0x00", "column 3"}},
  };
  TempDir dir;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    const std::string path = dir.write("bad.cache", c.text);
    expect_error([&] { read_calibration_table(path); }, c.fragments);
  }
}

TEST(QuantCalibrationTable, BadJsonTablesNameFileAndProblem) {
  const std::vector<BadTable> cases = {
      {"invalid JSON", "{\"scales\": {\"x\": 1,\n}}", {"bad.json", "invalid JSON", "line 2"}},
      {"not an object", "[1, 2]", {"bad.json", "object"}},
      {"neither scales nor amax", R"({"algorithm": "entropy"})", {"bad.json", "'scales'"}},
      {"both scales and amax",
       R"({"scales": {"x": 1}, "amax": {"x": 1}})",
       {"bad.json", "exactly one"}},
      {"unknown key", "{\"scales\": {\"x\": 1},\n \"scale\": 2}", {"bad.json:2:", "'scale'"}},
      {"unknown algorithm", R"({"algorithm": "kl", "scales": {"x": 1}})", {"bad.json:1:", "'kl'"}},
      {"scale not a number",
       "{\"scales\": {\n\"x\": \"0.5\"}}",
       {"bad.json:2:", "'x'", "not a number"}},
      {"negative scale",
       "{\"scales\": {\"a\": 1,\n\"x\": -0.5}}",
       {"bad.json:2:", "'x'", "positive"}},
      {"zero amax", "{\"amax\": {\"x\": 0}}", {"bad.json:1:", "amax", "'x'"}},
      {"float underflow", "{\"scales\": {\"x\": 1e-50}}", {"bad.json:1:", "'x'", "float32"}},
      {"float overflow", "{\"scales\": {\"x\": 1e39}}", {"bad.json:1:", "'x'"}},
      {"duplicate tensor",
       "{\"scales\": {\"x\": 1,\n\"y\": 2,\n\"x\": 3}}",
       {"bad.json:3:", "'x'", "twice"}},
      {"empty scales", R"({"scales": {}})", {"bad.json", "no tensor scales"}},
  };
  TempDir dir;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    const std::string path = dir.write("bad.json", c.text);
    expect_error([&] { read_calibration_table(path); }, c.fragments);
  }
}

TEST(QuantCalibrationTable, FileErrors) {
  expect_error([] { read_calibration_table("/nonexistent/t.cache"); },
               {"/nonexistent/t.cache", "cannot open"});
  CalibrationTable t;
  t.algorithm = "EntropyCalibration2";
  t.scales["x"] = 1.0f;
  expect_error(
      [&] { write_calibration_table("/nonexistent/dir/t.cache", t, TableFormat::kTensorRT); },
      {"/nonexistent/dir/t.cache", "cannot write"});
}

TEST(QuantCalibrationTable, RefusesToWriteInvalidTables) {
  CalibrationTable t;
  t.algorithm = "EntropyCalibration2";
  t.scales["x"] = 0.0f;
  expect_error([&] { format_calibration_table(t, TableFormat::kTensorRT); }, {"'x'", "scale"});
  t.scales = {{"two\nlines", 1.0f}};
  expect_error([&] { format_calibration_table(t, TableFormat::kJson); }, {"line break"});
  t.scales = {{"x", 1.0f}};
  t.algorithm = "entropy";
  expect_error([&] { format_calibration_table(t, TableFormat::kTensorRT); }, {"'entropy'"});
}

TEST(QuantCalibrationTable, CheckAgainstModelTensors) {
  CalibrationTable t;
  t.algorithm = "EntropyCalibration2";
  t.scales = {{"in", 1.0f}, {"conv1", 1.0f}, {"relu1", 1.0f}, {"extra", 1.0f}};
  EXPECT_TRUE(check_table_against(t, {"in", "conv1", "relu1"}).empty());
  // Missing tensors come back in the model's order, for a warning and a higher-precision fallback.
  EXPECT_EQ(check_table_against(t, {"in", "pool", "conv1", "fc", "relu1", "fc"}),
            (std::vector<std::string>{"pool", "fc"}));
  // Most of the table's names are not in the model: it belongs to another model.
  expect_error(
      [&] {
        check_table_against(t, {"in", "a", "b"}, "old.cache");
      },
      {"old.cache", "another model", "3 of its 4", "'conv1'"});
  // Half the names unknown is not yet "most".
  t.scales = {{"a", 1.0f}, {"b", 1.0f}};
  EXPECT_EQ(check_table_against(t, {"a", "c"}), std::vector<std::string>{"c"});
  // A table without scales covers nothing.
  expect_error(
      [&] {
        check_table_against(CalibrationTable{}, {"x", "y"}, "t.cache");
      },
      {"t.cache", "covers none", "'x'"});
}

}  // namespace
}  // namespace qrt::quant
