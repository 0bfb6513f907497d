// Calibration tables: a per-tensor activation scale (scale = amax / 127), saved so that a later
// build skips calibration. Two formats:
//
// TensorRT's calibration cache (text), read and written exactly:
//   TRT-8601-EntropyCalibration2
//   input: 3c010204
//   conv1 [relu]: out: 3d8f5c29
// Line 1 is TRT-<version digits>-<algorithm>. Every further line is `<name>: <hex>`, the hex being
// the 8 digits of the IEEE-754 bits of the float32 scale (lower case when written, either case
// when read). Names may hold spaces, brackets and colons: the line splits at its LAST ": ".
// Lines are written sorted by name; CRLF line ends and blank lines are accepted when reading.
//
// JSON:
//   {"algorithm": "EntropyCalibration2", "version": "8601", "scales": {"input": 0.0078125}}
// "algorithm", "version" and "bias_corrections" (below) are optional. Instead of "scales" a file
// may give "amax" (the clipping threshold per tensor; scale = amax / 127), never both. "algorithm"
// may also be a qrt algorithm name (minmax, entropy, percentile, mse). Numbers are written with
// enough digits to read back to the same float.
//
// Every problem is one qrt::Error naming the file (and line, where there is one).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "quant/calibration_algorithms.h"

namespace qrt::quant {

struct CalibrationTable {
  // TensorRT's name: EntropyCalibration2, EntropyCalibration, MinMaxCalibration,
  // LegacyCalibration, or qrt's own PercentileCalibration, MseCalibration.
  std::string algorithm;
  // The version digits of the TensorRT header; qrt writes 8601 unless told otherwise.
  std::string version_tag = "8601";
  // Tensor name -> scale (> 0, finite).
  std::map<std::string, float> scales;
  // Empirical bias corrections (--calib-bias-correction, quant/bias_correction.h): a layer's
  // output name -> the value subtracted from its bias per output channel. JSON only:
  //   "bias_corrections": {"conv1_out": [0.0012, -0.0003, ...]}
  std::map<std::string, std::vector<float>> bias_corrections;
};

enum class TableFormat { kTensorRT, kJson };

// TensorRT name of a qrt algorithm: entropy -> EntropyCalibration2, minmax -> MinMaxCalibration,
// percentile -> PercentileCalibration, mse -> MseCalibration.
std::string table_algorithm_name(Algorithm a);
// Whether `name` is one of the algorithm names a table header may carry.
bool is_table_algorithm(std::string_view name);

// The table of a calibration run: scale_from_amax of each amax, under the algorithm's name.
CalibrationTable table_from_amax(const std::map<std::string, float>& amax, Algorithm algorithm);

// Reads a table, telling the formats apart by the first non-blank character ('{' is JSON).
CalibrationTable read_calibration_table(const std::string& path);
// The same on text already in memory; `source` names it in errors.
CalibrationTable parse_calibration_table(std::string_view text, const std::string& source);

void write_calibration_table(const std::string& path, const CalibrationTable& table,
                             TableFormat format);
std::string format_calibration_table(const CalibrationTable& table, TableFormat format);

// Checks a table against the tensors a model needs scales for. Returns those the table lacks
// (in the order given), for the caller to list in a warning and keep in higher precision. Throws
// qrt::Error when the table is evidently for another model: most of its names are not tensors of
// the model, or it covers none of them. `source` names the table in the message.
std::vector<std::string> check_table_against(const CalibrationTable& table,
                                             const std::vector<std::string>& tensor_names,
                                             const std::string& source = "calibration table");

}  // namespace qrt::quant
