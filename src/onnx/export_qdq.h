// QDQ export: the original ONNX model plus a calibration table -> a QDQ ONNX model that other
// runtimes (onnxruntime, TensorRT) accept, so that scales qrt calibrated are usable elsewhere.
//
// Every table tensor that is a float activation of the model (graph input or node output) gets
//   x -> QuantizeLinear(x, scale, int8 0) -> DequantizeLinear -> every consumer of x
// with the table's scale (per tensor). The weights of Conv, ConvTranspose, Gemm and MatMul nodes
// whose input activation gets a QDQ pair are stored as int8, quantized per output channel
// (symmetric, scale = amax / 127), followed by a per-axis DequantizeLinear; biases stay float.
// The model must have default-domain opset 13 or newer (per-axis DequantizeLinear).
//
// Table names come from the graph qrt calibrated, which is the optimised one (BatchNormalization
// folded into Conv, Identity and Dropout removed); qrt keeps output names through those rewrites,
// so most names are tensors of the original model, and the others are reported, not fatal.
#pragma once

#include <string>
#include <vector>

#include "quant/calibration_table.h"

namespace qrt::onnx_export {

struct ExportQdqOptions {
  // Graph outputs keep their names, so a QDQ pair on one renames the producing node's output
  // to "<name>_float" and lets the DequantizeLinear produce "<name>". Off: outputs stay float
  // (no runtime needs an int8 round trip on a model's result) and are listed as skipped.
  bool quantize_graph_outputs = false;
};

struct SkippedTensor {
  std::string name;
  std::string reason;  // "not a tensor of the model", "graph output", ...
};

struct ExportQdqReport {
  int activations = 0;                 // QuantizeLinear/DequantizeLinear pairs inserted
  int weights = 0;                     // weight initializers now stored as int8
  std::vector<SkippedTensor> skipped;  // table names that got no QDQ pair, in table order
  std::vector<std::string>
      float_weights;  // "Conv 'name': why" for layers whose weights stayed float
};

// Reads `model_path` (external data beside it), writes the QDQ model to `out_path`. Initializers
// the source keeps as external data are written to "<out file name>.data" beside `out_path`.
// Throws qrt::Error naming the file on an unreadable model, an opset below 13 or a bad scale.
ExportQdqReport export_qdq(const std::string& model_path, const quant::CalibrationTable& table,
                           const std::string& out_path, const ExportQdqOptions& options = {});

}  // namespace qrt::onnx_export
