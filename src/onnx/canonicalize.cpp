#include "onnx/canonicalize.h"

#include <functional>
#include <map>

namespace qrt::onnx_import {

namespace {

using ir::Node;
using ir::Value;
using Rewrite = std::function<void(const CanonicalizeContext&, Node&)>;

[[noreturn]] void fail(const Node& node, const std::string& message) {
  throw Error(node.describe() + ": " + message);
}

Value* add_constant(const CanonicalizeContext& ctx, const Node& node, const std::string& what,
                    Tensor tensor) {
  return ctx.graph.add_constant(ctx.graph.unique_name(node.name + "_" + what), std::move(tensor));
}

Value* add_i64_vector(const CanonicalizeContext& ctx, const Node& node, const std::string& what,
                      const std::vector<int64_t>& values) {
  return add_constant(
      ctx, node, what,
      Tensor::from_vector(DataType::kInt64, {static_cast<int64_t>(values.size())}, values));
}

void set_input(Node& node, size_t index, Value* value) {
  if (node.inputs.size() <= index) node.inputs.resize(index + 1, nullptr);
  node.inputs[index] = value;
}

// Omitted optional inputs at the end carry no meaning; drop them.
void trim_inputs(Node& node) {
  while (!node.inputs.empty() && !node.inputs.back()) node.inputs.pop_back();
}

// Moves an INTS attribute to int64 input `index` (1-D); returns whether it was present.
bool ints_attr_to_input(const CanonicalizeContext& ctx, Node& node, const std::string& key,
                        size_t index) {
  if (!node.has_attr(key)) return false;
  const std::vector<int64_t> values = node.attr_ints(key);
  node.attrs.erase(key);
  set_input(node, index, add_i64_vector(ctx, node, key, values));
  return true;
}

void require_ints_attr_to_input(const CanonicalizeContext& ctx, Node& node, const std::string& key,
                                size_t index) {
  if (!ints_attr_to_input(ctx, node, key, index))
    fail(node, "missing required attribute '" + key + "'");
}

// The element type the model declares for a value, or float32 when it declares none (the
// opsets whose float attributes become inputs only allowed float16/float/double data).
DataType declared_float_type(const CanonicalizeContext& ctx, const Value* value) {
  if (value && value->dtype != DataType::kUndefined && is_floating(value->dtype))
    return value->dtype;
  if (value) {
    auto it = ctx.declared_types.find(value->name);
    if (it != ctx.declared_types.end() && is_floating(it->second)) return it->second;
  }
  return DataType::kFloat32;
}

Tensor float_scalar(DataType dtype, float v) {
  Tensor t(dtype, {});
  switch (dtype) {
    case DataType::kFloat16:
      *t.data_as<uint16_t>() = float_to_half(v);
      break;
    case DataType::kBFloat16:
      *t.data_as<uint16_t>() = float_to_bfloat16(v);
      break;
    case DataType::kFloat64:
      *t.data_as<double>() = v;
      break;
    default:
      *t.data_as<float>() = v;
      break;
  }
  return t;
}

Value* float_attr_to_scalar(const CanonicalizeContext& ctx, Node& node, const std::string& key) {
  const float v = node.attr_float(key, 0.f);
  node.attrs.erase(key);
  return add_constant(ctx, node, key, float_scalar(declared_float_type(ctx, node.input(0)), v));
}

// The value of an initializer or of a Constant node's output (exporters use both for the
// placeholder and flag inputs below); nullptr otherwise.
const Tensor* known_value(const Value* v) {
  if (!v) return nullptr;
  if (v->is_constant()) return &*v->constant;
  const Node* p = v->producer;
  if (p && p->domain.empty() && p->op_type == "Constant") return p->attr_tensor("value");
  return nullptr;
}

bool is_used(const CanonicalizeContext& ctx, const Value* v) {
  return v && ctx.used_values.count(v) != 0;
}

// ReduceXxx, Squeeze, Unsqueeze: "axes" attribute -> optional int64 input 1.
void axes_to_input(const CanonicalizeContext& ctx, Node& node) {
  ints_attr_to_input(ctx, node, "axes", 1);
}

// Split < 13: "split" attribute -> input 1. Below 18 a Split without sizes splits evenly into
// as many parts as it has outputs; opset 18 spells that "num_outputs".
void canonicalize_split(const CanonicalizeContext& ctx, Node& node) {
  if (ctx.opset < 13 && node.has_attr("split")) {
    if (node.attr_ints("split").empty())
      node.attrs.erase("split");
    else
      ints_attr_to_input(ctx, node, "split", 1);
  }
  if (ctx.opset < 18 && !node.input(1) && !node.has_attr("num_outputs"))
    node.attrs["num_outputs"] = static_cast<int64_t>(node.outputs.size());
}

// Pad < 11: "pads" -> input 1, "value" -> constant_value input 2 (omitted when 0, the default).
void canonicalize_pad(const CanonicalizeContext& ctx, Node& node) {
  require_ints_attr_to_input(ctx, node, "pads", 1);
  if (node.has_attr("value") && node.attr_float("value", 0.f) != 0.f &&
      node.attr_string("mode", "constant") == "constant")
    set_input(node, 2, float_attr_to_scalar(ctx, node, "value"));
  node.attrs.erase("value");
}

// Clip < 11: "min"/"max" attributes -> optional scalar inputs 1, 2.
void canonicalize_clip(const CanonicalizeContext& ctx, Node& node) {
  if (node.has_attr("min")) set_input(node, 1, float_attr_to_scalar(ctx, node, "min"));
  if (node.has_attr("max")) set_input(node, 2, float_attr_to_scalar(ctx, node, "max"));
}

// Slice < 10: "starts", "ends", "axes" attributes -> inputs 1, 2, 3.
void canonicalize_slice(const CanonicalizeContext& ctx, Node& node) {
  require_ints_attr_to_input(ctx, node, "starts", 1);
  require_ints_attr_to_input(ctx, node, "ends", 2);
  ints_attr_to_input(ctx, node, "axes", 3);
}

// TopK < 10: "k" attribute -> 1-D int64 input 1.
void canonicalize_topk(const CanonicalizeContext& ctx, Node& node) {
  if (!node.has_attr("k")) fail(node, "missing required attribute 'k'");
  const int64_t k = node.attr_int("k", 0);
  node.attrs.erase("k");
  set_input(node, 1, add_i64_vector(ctx, node, "k", {k}));
}

// The coordinate mapping of Upsample and Resize-10: x_in = x_out / scale, nearest rounds down.
void set_legacy_resize_modes(Node& node) {
  node.attrs.try_emplace("coordinate_transformation_mode", std::string("asymmetric"));
  node.attrs.try_emplace("nearest_mode", std::string("floor"));
}

// Resize: empty constant roi / scales / sizes mean "not given" (opsets 11-12 required an empty
// tensor as a placeholder); the canonical form omits them.
void canonicalize_resize(const CanonicalizeContext& ctx, Node& node) {
  if (ctx.opset < 11) {  // Resize-10: (X, scales)
    Value* scales = node.input(1);
    node.inputs = {node.input(0), nullptr, scales};
    set_legacy_resize_modes(node);
  }
  for (size_t i = 1; i < node.inputs.size(); ++i) {
    const Tensor* value = known_value(node.inputs[i]);
    if (value && value->numel() == 0) node.inputs[i] = nullptr;
  }
  trim_inputs(node);
}

// Upsample (7: "scales" attribute, 9/10: scales input) -> Resize(X, roi omitted, scales).
void canonicalize_upsample(const CanonicalizeContext& ctx, Node& node) {
  Value* scales = node.input(1);
  if (node.has_attr("scales")) {
    const std::vector<float> values = node.attr_floats("scales");
    scales = add_constant(
        ctx, node, "scales",
        Tensor::from_vector(DataType::kFloat32, {static_cast<int64_t>(values.size())}, values));
  }
  if (!scales) fail(node, "has neither a 'scales' attribute nor a scales input");
  std::string mode = node.attr_string("mode", "nearest");
  // Some exporters wrote the interpolation's dimensionality into the mode name.
  if (mode == "bilinear" || mode == "trilinear") mode = "linear";
  node.op_type = "Resize";
  node.inputs = {node.input(0), nullptr, scales};
  node.attrs.clear();
  node.attrs["mode"] = mode;
  set_legacy_resize_modes(node);
}

// Softmax, LogSoftmax, Hardmax < 13 flatten the input to 2-D at `axis` (default 1).
void mark_coerce_2d(const CanonicalizeContext&, Node& node) {
  node.attrs["qrt_coerce_2d"] = int64_t{1};
  node.attrs.try_emplace("axis", int64_t{1});
}

// Constant: value_float / value_floats / value_int / value_ints -> one "value" tensor.
void canonicalize_constant(const CanonicalizeContext&, Node& node) {
  std::optional<Tensor> value;
  if (const Tensor* t = node.attr_tensor("value")) value = *t;
  if (node.has_attr("value_float"))
    value = float_scalar(DataType::kFloat32, node.attr_float("value_float", 0.f));
  if (node.has_attr("value_int"))
    value = Tensor::from_vector(DataType::kInt64, {},
                                std::vector<int64_t>{node.attr_int("value_int", 0)});
  if (node.has_attr("value_floats")) {
    const auto v = node.attr_floats("value_floats");
    value = Tensor::from_vector(DataType::kFloat32, {static_cast<int64_t>(v.size())}, v);
  }
  if (node.has_attr("value_ints")) {
    const auto v = node.attr_ints("value_ints");
    value = Tensor::from_vector(DataType::kInt64, {static_cast<int64_t>(v.size())}, v);
  }
  if (node.has_attr("value_string") || node.has_attr("value_strings"))
    fail(node, "string constants are not supported");
  if (!value) fail(node, "has no value attribute");
  node.attrs.clear();
  node.attrs["value"] = *value;
}

// BatchNormalization: inference only. Training outputs (running / saved statistics) are
// dropped when nothing reads them.
void canonicalize_batch_norm(const CanonicalizeContext& ctx, Node& node) {
  if (node.attr_int("spatial", 1) != 1)
    fail(node, "spatial=0 (per-activation statistics) is not supported");
  if (node.attr_int("training_mode", 0) != 0)
    fail(node, "training_mode=1 is not supported (qrt runs inference only)");
  node.attrs.erase("spatial");
  node.attrs.erase("training_mode");
  for (size_t i = 1; i < node.outputs.size(); ++i)
    if (is_used(ctx, node.outputs[i]))
      fail(node, "training output '" + node.outputs[i]->name +
                     "' is used; only inference (one output) is supported");
  while (node.outputs.size() > 1) {
    if (node.outputs.back()) node.outputs.back()->producer = nullptr;
    node.outputs.pop_back();
  }
}

// Dropout: inference semantics. The ratio (attribute < 12, input >= 12) does not matter;
// training_mode may only be a constant false.
void canonicalize_dropout(const CanonicalizeContext& ctx, Node& node) {
  node.attrs.erase("ratio");
  node.attrs.erase("seed");
  if (node.input(2)) {
    const Tensor* training = known_value(node.input(2));
    if (!training || training->numel() != 1 || training->to_int64_vector()[0] != 0)
      fail(node, "training_mode must be a constant false (qrt runs inference only)");
  }
  if (node.inputs.size() > 1) node.inputs.erase(node.inputs.begin() + 1, node.inputs.end());
  if (node.outputs.size() == 2 && !is_used(ctx, node.outputs[1])) {
    if (node.outputs[1]) node.outputs[1]->producer = nullptr;
    node.outputs.pop_back();
  }
}

// Scatter (9, deprecated in 11) has exactly ScatterElements' semantics.
void rename_scatter(const CanonicalizeContext&, Node& node) { node.op_type = "ScatterElements"; }

struct Rule {
  int64_t below_opset;  // applies to models whose opset is lower than this
  Rewrite rewrite;
};

const std::multimap<std::string, Rule>& rules() {
  constexpr int64_t kAll = 1000;
  static const std::multimap<std::string, Rule> table = [] {
    std::multimap<std::string, Rule> t;
    // ReduceSum's axes became an input in opset 13, the other reductions' in opset 18.
    t.insert({"ReduceSum", {13, axes_to_input}});
    for (const char* op : {"ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1",
                           "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"})
      t.insert({op, {18, axes_to_input}});
    t.insert({"Squeeze", {13, axes_to_input}});
    t.insert({"Unsqueeze", {13, axes_to_input}});
    t.insert({"Split", {18, canonicalize_split}});
    t.insert({"Pad", {11, canonicalize_pad}});
    t.insert({"Clip", {11, canonicalize_clip}});
    t.insert({"Slice", {10, canonicalize_slice}});
    t.insert({"TopK", {10, canonicalize_topk}});
    t.insert({"Upsample", {kAll, canonicalize_upsample}});
    t.insert({"Resize", {kAll, canonicalize_resize}});
    for (const char* op : {"Softmax", "LogSoftmax", "Hardmax"})
      t.insert({op, {13, mark_coerce_2d}});
    t.insert({"Constant", {kAll, canonicalize_constant}});
    t.insert({"BatchNormalization", {kAll, canonicalize_batch_norm}});
    t.insert({"Dropout", {kAll, canonicalize_dropout}});
    t.insert({"Scatter", {kAll, rename_scatter}});
    return t;
  }();
  return table;
}

}  // namespace

void canonicalize_node(const CanonicalizeContext& ctx, ir::Node& node) {
  const auto [begin, end] = rules().equal_range(node.op_type);
  for (auto it = begin; it != end; ++it)
    if (ctx.opset < it->second.below_opset) it->second.rewrite(ctx, node);
}

}  // namespace qrt::onnx_import
