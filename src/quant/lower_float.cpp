// Float lowering (FP16, BF16): Casts at the borders of the low-precision regions, constants
// converted once.
#include <set>

#include "quant/precision.h"

namespace qrt::quant {

namespace {

// The 16-bit float types a graph lowers to, with the names the lowering gives them.
struct LowType {
  DataType dtype;
  const char* precision;  // "fp16", "bf16": --precision and --layer-precision spelling
  const char* suffix;     // of converted values: "_fp16", "_bf16"
  int64_t onnx_type;      // Cast's "to"
};

LowType low_type(DataType target) {
  if (target == DataType::kFloat16) return {target, "fp16", "_fp16", 10};
  if (target == DataType::kBFloat16) return {target, "bf16", "_bf16", 16};
  throw Error("float lowering: no 16-bit float type " + std::string(dtype_name(target)));
}

// Rounds an f32 constant to the target type (to nearest even).
Tensor round_constant(const Tensor& t, DataType target) {
  Tensor out(target, t.shape());
  const float* src = t.data_as<float>();
  uint16_t* dst = out.data_as<uint16_t>();
  for (int64_t i = 0; i < t.numel(); ++i)
    dst[i] = target == DataType::kFloat16 ? float_to_half(src[i]) : float_to_bfloat16(src[i]);
  return out;
}

// Inputs that the ONNX spec types independently of the data (tensor(float) whatever T is).
bool keeps_f32_input(const ir::Node& node, size_t input) {
  return node.op_type == "Resize" && (input == 1 || input == 2);
}

class FloatLowering {
 public:
  FloatLowering(ir::Graph& graph, const LayerPrecisions& overrides, DataType target)
      : graph_(graph),
        overrides_(overrides),
        low_(low_type(target)),
        activations_(activation_values(graph)) {}

  int run() {
    int lowered = 0;
    for (ir::Node* node : graph_.nodes()) {
      if (runs_low(*node)) {
        ++lowered;
        convert_inputs(*node, low_.dtype);
        for (ir::Value* out : node->outputs)
          if (out && out->dtype == DataType::kFloat32) out->dtype = low_.dtype;
      } else {
        convert_inputs(*node, DataType::kFloat32);
      }
    }
    // The graph's outputs stay f32 under their own names.
    for (ir::Value* out : graph_.outputs) {
      if (out->dtype != low_.dtype) continue;
      // The 16-bit tensor moves to a new value; the output value, name kept, becomes its Cast.
      ir::Value* half = rename(out, graph_.unique_name(out->name + low_.suffix));
      out->dtype = DataType::kFloat32;
      graph_.add_node("Cast", graph_.unique_name(out->name + "_to_fp32"), {half}, {out})
          ->attrs["to"] = int64_t{1};
    }
    graph_.topological_sort();
    return lowered;
  }

 private:
  bool runs_low(const ir::Node& node) const {
    // int8 layers and the quantization at their inputs take float32.
    if (node.domain == "qrt" || node.op_type == "QuantizeLinear") return false;
    if (is_fp16_sensitive(node) || requested_precision(node, overrides_, low_.precision) == "fp32")
      return false;
    for (const ir::Value* in : node.inputs)
      if (in && activations_.count(in) && is_floating(in->dtype)) return true;
    return false;
  }

  void convert_inputs(ir::Node& node, DataType target) {
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      ir::Value* in = node.inputs[i];
      if (!in || (in->dtype != DataType::kFloat32 && in->dtype != low_.dtype)) continue;
      if (in->dtype == target) continue;
      if (in->is_constant()) {
        if (target == low_.dtype && !keeps_f32_input(node, i)) node.inputs[i] = low_constant(in);
        continue;
      }
      if (!activations_.count(in)) continue;  // shape arithmetic keeps its type
      if (target == low_.dtype && keeps_f32_input(node, i)) continue;
      node.inputs[i] = cast(in, target);
    }
  }

  ir::Value* low_constant(ir::Value* v) {
    auto it = low_constants_.find(v);
    if (it != low_constants_.end()) return it->second;
    ir::Value* h = graph_.add_constant(graph_.unique_name(v->name + low_.suffix),
                                       round_constant(*v->constant, low_.dtype));
    h->shape = v->shape;
    return low_constants_[v] = h;
  }

  ir::Value* cast(ir::Value* v, DataType target) {
    auto key = std::make_pair(v, target);
    auto it = casts_.find(key);
    if (it != casts_.end()) return it->second;
    const char* suffix = target == low_.dtype ? low_.suffix : "_fp32";
    ir::Value* out = graph_.add_value(graph_.unique_name(v->name + suffix));
    out->dtype = target;
    out->shape = v->shape;
    activations_.insert(out);
    ir::Node* n =
        graph_.add_node("Cast", graph_.unique_name(v->name + "_cast" + suffix), {v}, {out});
    n->attrs["to"] = target == low_.dtype ? low_.onnx_type : int64_t{1};
    return casts_[key] = out;
  }

  // Gives `v` a new name (its producer and consumers keep pointing at it).
  ir::Value* rename(ir::Value* v, const std::string& new_name) {
    ir::Value* fresh = graph_.add_value(new_name);
    fresh->dtype = v->dtype;
    fresh->shape = v->shape;
    fresh->quant = v->quant;
    if (v->producer)
      for (ir::Value*& o : v->producer->outputs)
        if (o == v) o = fresh;
    fresh->producer = v->producer;
    v->producer = nullptr;
    for (ir::Node* n : graph_.nodes())
      for (ir::Value*& in : n->inputs)
        if (in == v) in = fresh;
    activations_.insert(fresh);
    return fresh;
  }

  ir::Graph& graph_;
  const LayerPrecisions& overrides_;
  const LowType low_;
  std::unordered_set<const ir::Value*> activations_;
  std::map<ir::Value*, ir::Value*> low_constants_;
  std::map<std::pair<ir::Value*, DataType>, ir::Value*> casts_;
};

}  // namespace

bool is_fp16_sensitive(const ir::Node& node) {
  static const std::set<std::string> kSensitive = {"Softmax",
                                                   "LogSoftmax",
                                                   "LayerNormalization",
                                                   "InstanceNormalization",
                                                   "ReduceMean",
                                                   "ReduceSum",
                                                   "ReduceL2",
                                                   "ReduceSumSquare",
                                                   "ReduceProd",
                                                   "ReduceLogSum",
                                                   "ReduceLogSumExp",
                                                   "ReduceL1",
                                                   "Pow",
                                                   "Exp",
                                                   "Log",
                                                   "Erf",
                                                   "CumSum",
                                                   "Range"};
  return kSensitive.count(node.op_type) != 0;
}

std::string requested_precision(const ir::Node& node, const LayerPrecisions& overrides,
                                const std::string& fallback) {
  auto it = overrides.find(node.name);
  if (it != overrides.end()) return it->second;
  for (const ir::Value* out : node.outputs)
    if (out && (it = overrides.find(out->name)) != overrides.end()) return it->second;
  return fallback;
}

std::unordered_set<const ir::Value*> activation_values(const ir::Graph& graph) {
  std::unordered_set<const ir::Value*> data(graph.inputs.begin(), graph.inputs.end());
  for (const ir::Node* node : graph.nodes()) {
    if (node->op_type == "Shape" || node->op_type == "Size") continue;
    bool from_data = false;
    for (const ir::Value* in : node->inputs) from_data |= in && data.count(in);
    if (from_data)
      for (const ir::Value* out : node->outputs)
        if (out) data.insert(out);
  }
  return data;
}

int lower_to_float(ir::Graph& graph, const LayerPrecisions& overrides, DataType target) {
  return FloatLowering(graph, overrides, target).run();
}

int lower_to_fp16(ir::Graph& graph, const LayerPrecisions& overrides) {
  return lower_to_float(graph, overrides, DataType::kFloat16);
}

int lower_to_bf16(ir::Graph& graph, const LayerPrecisions& overrides) {
  return lower_to_float(graph, overrides, DataType::kBFloat16);
}

}  // namespace qrt::quant
