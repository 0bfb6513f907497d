#include "quant/calibration_table.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "io/file_bytes.h"
#include "io/printable.h"

namespace qrt::quant {

namespace {

using json = nlohmann::json;

constexpr const char* kTableAlgorithms[] = {"EntropyCalibration2",   "EntropyCalibration",
                                            "MinMaxCalibration",     "LegacyCalibration",
                                            "PercentileCalibration", "MseCalibration"};

std::string algorithm_list() {
  std::string out;
  for (const char* a : kTableAlgorithms) out += (out.empty() ? "" : ", ") + std::string(a);
  return out;
}

// A piece of the file quoted in a message: one line, not too long.
std::string in_quotes(std::string_view text) {
  constexpr size_t kMax = 80;
  std::string s = io::printable(std::string(text.substr(0, kMax)));
  if (text.size() > kMax) s += "...";
  return "'" + s + "'";
}

[[noreturn]] void fail(const std::string& source, size_t line, const std::string& what) {
  throw Error(io::printable(source) + (line ? ":" + std::to_string(line) : "") + ": " + what);
}

bool is_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool is_blank(std::string_view s) { return trim_right(s).empty(); }

std::optional<uint32_t> parse_hex8(std::string_view s) {
  if (s.size() != 8) return std::nullopt;
  uint32_t bits = 0;
  for (char c : s) {
    int digit;
    if (c >= '0' && c <= '9')
      digit = c - '0';
    else if (c >= 'a' && c <= 'f')
      digit = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      digit = c - 'A' + 10;
    else
      return std::nullopt;
    bits = bits << 4 | static_cast<uint32_t>(digit);
  }
  return bits;
}

float float_from_bits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

uint32_t bits_of(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  return bits;
}

bool valid_scale(float s) { return std::isfinite(s) && s > 0; }

std::string describe_scale(float s) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g (bits %08x)", static_cast<double>(s), bits_of(s));
  return buf;
}

// A binary file is named as such before its first line is taken for a header: the first control
// byte other than tab and a line end's CR LF.
void reject_binary(std::string_view text, const std::string& source) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < text.size(); ++i, ++column) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++line, column = 0;
      continue;
    }
    const bool line_end_cr = c == '\r' && (i + 1 == text.size() || text[i + 1] == '\n');
    if ((c < 0x20 && c != '\t' && !line_end_cr) || c == 0x7f) {
      char buf[96];
      std::snprintf(buf, sizeof buf,
                    "binary data, not a calibration table (byte 0x%02x at column %zu)", c, column);
      fail(source, line, buf);
    }
  }
}

void parse_header(std::string_view line, const std::string& source, CalibrationTable& table) {
  const std::string_view header = trim_right(line);
  const std::string expected = "expected the header 'TRT-<version>-<algorithm>'";
  if (header.substr(0, 4) != "TRT-") fail(source, 1, expected + ", got " + in_quotes(header));
  const std::string_view rest = header.substr(4);
  const size_t dash = rest.find('-');
  if (dash == std::string_view::npos || !is_digits(rest.substr(0, dash)))
    fail(source, 1, expected + " with a numeric version, got " + in_quotes(header));
  const std::string_view algorithm = rest.substr(dash + 1);
  if (!is_table_algorithm(algorithm))
    fail(source, 1,
         "unknown calibration algorithm " + in_quotes(algorithm) + " (expected " +
             algorithm_list() + ")");
  table.version_tag = std::string(rest.substr(0, dash));
  table.algorithm = std::string(algorithm);
}

CalibrationTable parse_tensorrt(std::string_view text, const std::string& source) {
  reject_binary(text, source);
  CalibrationTable table;
  std::map<std::string, size_t> first_line;
  size_t line_no = 0;
  for (size_t start = 0; start < text.size();) {
    const size_t end = std::min(text.find('\n', start), text.size());
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (line_no == 1) {
      parse_header(line, source, table);
      continue;
    }
    if (is_blank(line)) continue;
    const size_t colon = line.rfind(": ");
    if (colon == std::string_view::npos)
      fail(source, line_no, "expected '<tensor name>: <hex scale>', got " + in_quotes(line));
    const std::string name(line.substr(0, colon));
    const std::string_view hex = trim_right(line.substr(colon + 2));
    if (name.empty()) fail(source, line_no, "empty tensor name");
    const auto bits = parse_hex8(hex);
    if (!bits)
      fail(source, line_no,
           "scale of tensor " + in_quotes(name) + " is " + in_quotes(hex) + ", not 8 hex digits");
    const float scale = float_from_bits(*bits);
    if (!valid_scale(scale))
      fail(source, line_no,
           "scale of tensor " + in_quotes(name) + " is " + describe_scale(scale) +
               "; scales must be positive and finite");
    const auto [it, inserted] = first_line.emplace(name, line_no);
    if (!inserted)
      fail(source, line_no,
           "tensor " + in_quotes(name) + " listed twice (first on line " +
               std::to_string(it->second) + ")");
    table.scales.emplace(name, scale);
  }
  if (table.scales.empty()) fail(source, 0, "no tensor scales after the header");
  return table;
}

// Line of the n-th occurrence (0-based) of a JSON key in the text, or 0 when not found: nlohmann
// keeps no positions, so messages about a key search for its encoded form.
size_t line_of_key(std::string_view text, const std::string& key, int occurrence = 0) {
  const std::string needle = json(key).dump();
  size_t pos = text.find(needle);
  for (int i = 0; i < occurrence && pos != std::string_view::npos; ++i)
    pos = text.find(needle, pos + 1);
  if (pos == std::string_view::npos) return 0;
  return 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + pos, '\n'));
}

std::string table_name_of(const std::string& name, const std::string& source, size_t line) {
  if (is_table_algorithm(name)) return name;
  if (auto a = algorithm_from_name(name)) return table_algorithm_name(*a);
  fail(source, line,
       "unknown calibration algorithm " + in_quotes(name) + " (expected " + algorithm_list() +
           " or minmax, entropy, percentile, mse)");
}

CalibrationTable parse_json(std::string_view text, const std::string& source) {
  // Duplicate keys, which nlohmann would silently collapse, found while parsing.
  std::string section, duplicate;
  std::set<std::string> top_keys, tensor_keys;
  auto watch_keys = [&](int depth, json::parse_event_t event, json& parsed) {
    if (event != json::parse_event_t::key || !duplicate.empty() || !parsed.is_string()) return true;
    const std::string key = parsed.get<std::string>();
    if (depth == 1) {
      section = key;
      tensor_keys.clear();
      if (!top_keys.insert(key).second) duplicate = key;
    } else if (depth == 2 && (section == "scales" || section == "amax")) {
      if (!tensor_keys.insert(key).second) duplicate = key;
    }
    return true;
  };
  json doc;
  try {
    doc = json::parse(text, watch_keys);
  } catch (const json::exception& e) {
    std::string what = e.what();
    if (const size_t bracket = what.find("] "); bracket != std::string::npos)
      what = what.substr(bracket + 2);
    fail(source, 0, "invalid JSON: " + what);
  }
  if (!duplicate.empty())
    fail(source, line_of_key(text, duplicate, 1), "key " + in_quotes(duplicate) + " appears twice");
  if (!doc.is_object()) fail(source, 0, "a JSON calibration table must be an object");

  CalibrationTable table;
  for (const auto& [key, value] : doc.items()) {
    const size_t line = line_of_key(text, key);
    if (key == "algorithm") {
      if (!value.is_string()) fail(source, line, "'algorithm' must be a string");
      table.algorithm = table_name_of(value.get<std::string>(), source, line);
    } else if (key == "version") {
      const std::string version = value.is_string()            ? value.get<std::string>()
                                  : value.is_number_unsigned() ? value.dump()
                                                               : std::string();
      if (!is_digits(version)) fail(source, line, "'version' must be TensorRT's version digits");
      table.version_tag = version;
    } else if (key == "bias_corrections") {
      if (!value.is_object()) fail(source, line, "'bias_corrections' must be an object");
      for (const auto& [layer, list] : value.items()) {
        const size_t at = line_of_key(text, layer);
        std::vector<float> values;
        if (list.is_array())
          for (const auto& v : list) {
            if (!v.is_number() || !std::isfinite(v.get<double>())) {
              values.clear();
              break;
            }
            values.push_back(static_cast<float>(v.get<double>()));
          }
        if (values.empty() || values.size() != list.size())
          fail(source, at,
               "bias correction of layer " + in_quotes(layer) +
                   " must be a non-empty array of finite numbers");
        table.bias_corrections.emplace(layer, std::move(values));
      }
    } else if (key != "scales" && key != "amax") {
      fail(source, line,
           "unknown key " + in_quotes(key) +
               " (expected algorithm, version, scales, amax or bias_corrections)");
    }
  }
  if (doc.contains("scales") == doc.contains("amax"))
    fail(source, 0, "a JSON calibration table needs exactly one of 'scales' and 'amax'");
  const bool given_amax = doc.contains("amax");
  const json& values = given_amax ? doc["amax"] : doc["scales"];
  const char* kind = given_amax ? "amax" : "scale";
  if (!values.is_object())
    fail(source, line_of_key(text, given_amax ? "amax" : "scales"),
         std::string("'") + (given_amax ? "amax" : "scales") + "' must be an object");
  for (const auto& [name, value] : values.items()) {
    const size_t line = line_of_key(text, name);
    if (!value.is_number())
      fail(source, line, std::string(kind) + " of tensor " + in_quotes(name) + " is not a number");
    const double number = value.get<double>();
    const float scale =
        given_amax ? static_cast<float>(number) / 127.0f : static_cast<float>(number);
    if (!(std::isfinite(number) && number > 0) || !valid_scale(scale))
      fail(source, line,
           std::string(kind) + " of tensor " + in_quotes(name) + " is " + value.dump() +
               "; it must be positive and finite (as a float32 scale)");
    table.scales.emplace(name, scale);
  }
  if (table.scales.empty()) fail(source, 0, "no tensor scales");
  return table;
}

void check_writable(const CalibrationTable& table) {
  for (const auto& [name, scale] : table.scales) {
    if (name.empty() || name.find_first_of("\r\n") != std::string::npos)
      throw Error("cannot write calibration table: tensor name " + in_quotes(name) +
                  " is empty or holds a line break");
    if (!valid_scale(scale))
      throw Error("cannot write calibration table: scale of tensor " + in_quotes(name) + " is " +
                  describe_scale(scale));
  }
}

std::string format_tensorrt(const CalibrationTable& table) {
  if (!table.bias_corrections.empty())
    throw Error(
        "cannot write bias corrections in a TensorRT calibration table; give the table a .json "
        "name");
  if (!is_table_algorithm(table.algorithm))
    throw Error("cannot write a TensorRT calibration table for algorithm " +
                in_quotes(table.algorithm) + " (expected " + algorithm_list() + ")");
  if (!is_digits(table.version_tag))
    throw Error("cannot write a TensorRT calibration table: version " +
                in_quotes(table.version_tag) + " is not digits");
  std::string out = "TRT-" + table.version_tag + "-" + table.algorithm + "\n";
  for (const auto& [name, scale] : table.scales) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "%08x", bits_of(scale));
    out += name + ": " + hex + "\n";
  }
  return out;
}

std::string format_json(const CalibrationTable& table) {
  json doc = json::object();
  if (!table.algorithm.empty()) doc["algorithm"] = table.algorithm;
  if (!table.version_tag.empty()) doc["version"] = table.version_tag;
  json scales = json::object();
  // Through double, which nlohmann prints with enough digits to read back the same float.
  for (const auto& [name, scale] : table.scales) scales[name] = static_cast<double>(scale);
  doc["scales"] = std::move(scales);
  if (!table.bias_corrections.empty()) {
    json corrections = json::object();
    for (const auto& [layer, values] : table.bias_corrections) {
      json list = json::array();
      for (float v : values) list.push_back(static_cast<double>(v));
      corrections[layer] = std::move(list);
    }
    doc["bias_corrections"] = std::move(corrections);
  }
  try {
    return doc.dump(2) + "\n";
  } catch (const json::exception&) {
    throw Error("cannot write calibration table as JSON: a tensor name is not valid UTF-8");
  }
}

}  // namespace

std::string table_algorithm_name(Algorithm a) {
  switch (a) {
    case Algorithm::kMinMax:
      return "MinMaxCalibration";
    case Algorithm::kEntropy:
      return "EntropyCalibration2";
    case Algorithm::kPercentile:
      return "PercentileCalibration";
    case Algorithm::kMse:
      return "MseCalibration";
  }
  return "";
}

bool is_table_algorithm(std::string_view name) {
  return std::find(std::begin(kTableAlgorithms), std::end(kTableAlgorithms), name) !=
         std::end(kTableAlgorithms);
}

CalibrationTable table_from_amax(const std::map<std::string, float>& amax, Algorithm algorithm) {
  CalibrationTable table;
  table.algorithm = table_algorithm_name(algorithm);
  for (const auto& [name, value] : amax) table.scales.emplace(name, scale_from_amax(value));
  return table;
}

CalibrationTable parse_calibration_table(std::string_view text, const std::string& source) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // a UTF-8 byte order mark
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) fail(source, 0, "empty file, not a calibration table");
  if (text[first] == '{' || text[first] == '[') return parse_json(text, source);
  return parse_tensorrt(text, source);
}

CalibrationTable read_calibration_table(const std::string& path) {
  return parse_calibration_table(io::read_file_bytes(path), path);
}

std::string format_calibration_table(const CalibrationTable& table, TableFormat format) {
  check_writable(table);
  return format == TableFormat::kJson ? format_json(table) : format_tensorrt(table);
}

void write_calibration_table(const std::string& path, const CalibrationTable& table,
                             TableFormat format) {
  const std::string text = format_calibration_table(table, format);
  // Written beside and renamed into place, so an interrupted run never leaves half a table that
  // the next build would take as given.
  const std::string partial = path + ".partial";
  {
    errno = 0;
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    if (!out || !out.write(text.data(), static_cast<std::streamsize>(text.size())) || !out.flush())
      throw Error(io::printable(path) + ": cannot write (" + std::strerror(errno ? errno : EIO) +
                  ")");
  }
  std::error_code ec;
  std::filesystem::rename(partial, path, ec);
  if (ec) {
    std::filesystem::remove(partial, ec);
    throw Error(io::printable(path) + ": cannot write (" + ec.message() + ")");
  }
}

std::vector<std::string> check_table_against(const CalibrationTable& table,
                                             const std::vector<std::string>& tensor_names,
                                             const std::string& source) {
  const std::set<std::string> model(tensor_names.begin(), tensor_names.end());
  std::vector<std::string> unknown;
  for (const auto& [name, scale] : table.scales)
    if (!model.count(name)) unknown.push_back(name);
  if (!table.scales.empty() && unknown.size() * 2 > table.scales.size())
    throw Error(io::printable(source) + ": calibration table is for another model: " +
                std::to_string(unknown.size()) + " of its " + std::to_string(table.scales.size()) +
                " tensor names are not in the model (first: " + in_quotes(unknown.front()) + ")");
  std::vector<std::string> missing;
  std::set<std::string> listed;
  for (const auto& name : tensor_names)
    if (!table.scales.count(name) && listed.insert(name).second) missing.push_back(name);
  if (!model.empty() && missing.size() == model.size())
    throw Error(io::printable(source) + ": calibration table covers none of the model's " +
                std::to_string(model.size()) +
                " tensors to calibrate (first: " + in_quotes(missing.front()) + ")");
  return missing;
}

}  // namespace qrt::quant
