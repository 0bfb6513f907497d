// Precision lowering: rewrites an optimised FP32 graph into one with explicit fp16 / bf16 / int8
// tensors (docs/quantization.md). Kernels then follow from element types alone.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "ir/graph.h"

namespace qrt::quant {

// Empirical bias corrections: layer output name -> value per output channel subtracted from the
// layer's bias (quant/bias_correction.h).
using BiasCorrections = std::map<std::string, std::vector<float>>;

// Per-node precision requests from --layer-precision NAME:PREC (node names or output names).
using LayerPrecisions = std::map<std::string, std::string>;

// True when the node keeps float32 in fp16 and bf16 mode: ops whose accuracy suffers in 16-bit
// floats (exponentials, normalisations, long sums).
bool is_fp16_sensitive(const ir::Node& node);

// The precision a node was asked for: an override naming the node or one of its outputs, or
// `fallback`.
std::string requested_precision(const ir::Node& node, const LayerPrecisions& overrides,
                                const std::string& fallback);

// Values that carry data derived from the graph's inputs (activations), as opposed to shape
// arithmetic (Shape/Size outputs and what is computed from them) and constants.
std::unordered_set<const ir::Value*> activation_values(const ir::Graph& graph);

// FP16: every activation becomes f16 except around sensitive ops and nodes overridden to fp32;
// the graph's inputs and outputs stay f32 (Casts at the borders). Returns the number of nodes
// now running in fp16.
int lower_to_fp16(ir::Graph& graph, const LayerPrecisions& overrides);

// BF16: the same regions as FP16 (the same sensitive ops and overrides keep f32), in bfloat16
// (f32's exponent range, 8 significant bits; constants rounded to nearest even).
int lower_to_bf16(ir::Graph& graph, const LayerPrecisions& overrides);

// The lowering both use: `target` is kFloat16 or kBFloat16.
int lower_to_float(ir::Graph& graph, const LayerPrecisions& overrides, DataType target);

}  // namespace qrt::quant

namespace qrt::quant {

struct Int8Report {
  int int8_layers = 0;  // compute layers lowered to int8
  // Compute layers that stayed float, with why (no scale for their input, overridden, ...).
  std::vector<std::string> float_layers;
};

// INT8: Conv, ConvTranspose, Gemm and MatMul with constant weights whose input activation has a
// scale (Value::quant) become qrt.ConvInt8 / qrt.ConvTransposeInt8 / qrt.MatMulInt8 with per
// output-channel weight scales (taken from the weights' own QuantParams when a QDQ model gave
// them, else amax / 127), fusing a following residual Add and Relu/Clip into their epilogue.
// QuantizeLinear nodes are inserted at their inputs, moved up through MaxPool, Relu, Concat and
// layout ops, and folded into the producing int8 layer's requantisation where every consumer
// wants the same scale: activations then flow in int8 from layer to layer. Everything else stays
// float32.
//
// corrections (empirical bias correction, quant/bias_correction.h): per layer, by the name of
// its output, values subtracted from its bias per output channel (a bias is created when the
// layer has none).
Int8Report lower_to_int8(ir::Graph& graph, const LayerPrecisions& overrides,
                         const BiasCorrections* corrections = nullptr);

// The int8 weights lower_to_int8 gives a Conv, ConvTranspose, Gemm or MatMul.
struct Int8Weights {
  // The float weights in the int8 layer's layout: Conv [M, C/group, k..], ConvTranspose
  // [C, M/group, k..], Gemm and MatMul B as [K, N] (Gemm's transB undone, alpha folded in).
  Tensor w;
  Tensor q;                         // int8, w's shape
  std::vector<float> scales;        // per output channel
  std::vector<int64_t> channel_of;  // the output channel of each element of w
};
// nullopt (with *why) when the weights are no float32 constant or the Gemm/MatMul is not A x B
// with a 2-D B.
std::optional<Int8Weights> int8_weights(const ir::Node& node, std::string* why = nullptr);

// Weights-only baseline: weights of the same layers rounded through int8 (per output channel)
// and back; activations stay float32.
int fake_quantize_weights(ir::Graph& graph, const LayerPrecisions& overrides);

}  // namespace qrt::quant

namespace qrt::quant {

// QDQ models (quantization-aware training, onnxruntime's quantize_static, NVIDIA ModelOpt):
// every QuantizeLinear -> DequantizeLinear pair and every DequantizeLinear of a constant is
// folded away, leaving the float graph with the scales recorded on its values (activations per
// tensor, weights per channel). Returns the number of values that received a scale; throws on a
// zero, negative or non-finite scale naming the node. Pairs with a non-zero zero point
// (asymmetric) stay in the graph as float ops and are listed in *kept.
int fold_qdq(ir::Graph& graph, std::vector<std::string>* kept);

}  // namespace qrt::quant
