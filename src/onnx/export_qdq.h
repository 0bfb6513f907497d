// QDQ export: the original ONNX model plus a calibration table -> a QDQ ONNX model that other
// runtimes (onnxruntime, TensorRT) accept, so that scales qrt calibrated are usable elsewhere.
//
// Every table tensor that is a float activation of the model (graph input or node output) gets
//   x -> QuantizeLinear(x, scale, int8 0) -> DequantizeLinear -> every consumer of x
// with the table's scale (per tensor), by default only where the layers below read it (see
// QdqPlacement). The weights of Conv, ConvTranspose, Gemm and MatMul nodes whose input
// activation gets a QDQ pair are stored as int8, quantized per output channel (symmetric,
// scale = amax / 127), followed by a per-axis DequantizeLinear; biases stay float unless
// int32_bias is set. A table's bias corrections (keyed by a layer's output name) are subtracted
// from the biases of those layers (which get a bias if they had none), as qrt's own int8 engine
// does: the written biases are the ones qrt runs with. The model must have default-domain opset 13
// or newer (per-axis DequantizeLinear).
//
// Table names come from the graph qrt calibrated, which is the optimised one (BatchNormalization
// folded into Conv, Identity and Dropout removed); qrt keeps output names through those rewrites,
// so most names are tensors of the original model, and the others are reported, not fatal.
#pragma once

#include <string>
#include <vector>

#include "quant/calibration_table.h"

namespace qrt::onnx_export {

enum class QdqPlacement {
  // Pairs only on the activations read by layers with int8 weights, every other tensor left
  // float: the scales qrt's int8 layers use for their inputs (where TensorRT's explicit
  // quantization wants them too), so that other runtimes compute what qrt computes.
  kLayerInputs,
  // A pair on every table tensor: the table as it is, and what onnxruntime needs to fuse a layer
  // with its output's QuantizeLinear. qrt requantizes a layer's output at the scale its
  // consumers' input wants (a Conv+Relu followed by MaxPool uses the MaxPool output's scale),
  // so a scale on a tensor qrt never quantizes (the Relu output) may clip elsewhere where qrt
  // does not: an entropy table of models/fashion_cnn.onnx loses 24 points in onnxruntime.
  kAllTensors,
};

struct ExportQdqOptions {
  QdqPlacement placement = QdqPlacement::kLayerInputs;
  // Graph outputs keep their names, so a QDQ pair on one renames the producing node's output
  // to "<name>_float" and lets the DequantizeLinear produce "<name>". Off: outputs stay float
  // (no runtime needs an int8 round trip on a model's result) and are listed as skipped.
  bool quantize_graph_outputs = false;
  // Biases of the int8 layers as int32 at scale x_scale * w_scale[c] behind a DequantizeLinear,
  // as onnxruntime's quantize_static writes them: onnxruntime fuses a QDQ Conv or Gemm into
  // QLinearConv / QGemm only then. Off: float biases (TensorRT's convention, and exactly qrt's).
  bool int32_bias = false;
};

struct SkippedTensor {
  std::string name;
  std::string reason;  // "not a tensor of the model", "graph output", ...
};

struct ExportQdqReport {
  int activations = 0;  // QuantizeLinear/DequantizeLinear pairs inserted
  int weights = 0;      // weight initializers now stored as int8
  // Table names that got no QDQ pair, in table order.
  std::vector<SkippedTensor> skipped;
  // "Conv 'name': why" for the layers reading a quantized activation whose weights stayed float,
  // and (int32_bias) whose biases stayed float.
  std::vector<std::string> float_weights, float_biases;
  // Bias corrections of the table (--calib-bias-correction) written into the layers' biases,
  // and those that could not be ("Conv 'name': why", or "'tensor': why" for a table entry that
  // names no such layer).
  int corrected_biases = 0;
  std::vector<std::string> uncorrected;
};

// Reads `model_path` (external data beside it), writes the QDQ model to `out_path`. Initializers
// the source keeps as external data are written to "<out file name>.data" beside `out_path`.
// Throws qrt::Error naming the file on an unreadable model, an opset below 13 or a bad scale.
ExportQdqReport export_qdq(const std::string& model_path, const quant::CalibrationTable& table,
                           const std::string& out_path, const ExportQdqOptions& options = {});

}  // namespace qrt::onnx_export
