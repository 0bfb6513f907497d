#include "passes/channels_last.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "ops/channels_last.h"
#include "passes/fold_util.h"

namespace qrt::passes {
namespace {

using ops::kNchwToNhwc;
using ops::kNhwcToNchw;

// Where NCHW axis a lands in NHWC (N -> 0, C -> 3, H -> 1, W -> 2).
constexpr std::array<int64_t, 4> kNhwcPositionOf = {0, 3, 1, 2};

// How an op carries the NHWC layout.
enum class Kind {
  kLayout,     // conv / pool / norm family: channels_last=1 whenever it is 4-D
  kUnary,      // input 0 is the data; other inputs are parameters (clip bounds, Q/DQ scales)
  kBroadcast,  // every input is data, broadcast numpy-style; lower-rank constants are permuted
  kConcat,     // every input is 4-D data
  kReduce,     // Reduce*: axes input 1, keepdims
  kSlice,      // axes input 3 (or all axes of starts)
  kResize,     // roi / scales / sizes inputs 1..3 permuted, or the "axes" attribute remapped
  kPad,        // pads input 1 permuted, or axes input 3 remapped
};

struct Rule {
  Kind kind;
  // The default of an "axis" attribute naming a data axis, which is remapped.
  std::optional<int64_t> axis;
};

// Every input is data, broadcast numpy-style.
const char* const kBroadcastOps[] = {
    "Add",     "Sub",   "Mul",   "Div",   "Max",  "Min",         "Sum",     "Mean",           "Pow",
    "AddInt8", "PRelu", "Where", "Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "And",
    "Or",      "Xor",   "Mod"};

const Rule* rule_of(const ir::Node& node) {
  static const Rule kLayoutRule{Kind::kLayout, {}};
  static const std::map<std::string, Rule> kRules = [] {
    std::map<std::string, Rule> r;
    for (const char* op :
         {"Relu",           "LeakyRelu", "Clip",     "Sigmoid", "Tanh",       "HardSigmoid",
          "HardSwish",      "Erf",       "Exp",      "Neg",     "Abs",        "Sqrt",
          "Cast",           "Identity",  "Elu",      "Selu",    "Celu",       "Gelu",
          "Mish",           "Softplus",  "Softsign", "Log",     "Reciprocal", "Floor",
          "Ceil",           "Round",     "Sign",     "Not",     "IsNaN",      "IsInf",
          "ThresholdedRelu"})
      r[op] = {Kind::kUnary, {}};
    for (const char* op : kBroadcastOps) r[op] = {Kind::kBroadcast, {}};
    r["QuantizeLinear"] = {Kind::kUnary, 1};
    r["DequantizeLinear"] = {Kind::kUnary, 1};
    r["Softmax"] = {Kind::kUnary, -1};
    r["LogSoftmax"] = {Kind::kUnary, -1};
    r["Split"] = {Kind::kUnary, 0};
    r["Concat"] = {Kind::kConcat, 0};
    for (const char* op :
         {"ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2",
          "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"})
      r[op] = {Kind::kReduce, {}};
    r["Slice"] = {Kind::kSlice, {}};
    r["Resize"] = {Kind::kResize, {}};
    r["Pad"] = {Kind::kPad, {}};
    return r;
  }();
  if (!ops::channels_last_inputs(node.op_type).empty()) return &kLayoutRule;
  auto it = kRules.find(node.op_type);
  return it == kRules.end() ? nullptr : &it->second;
}

bool is_4d(const ir::Value* v) { return v && v->shape.size() == 4; }

// A statically known single element (broadcasts the same in any layout).
bool is_scalar_like(const ir::Value* v) {
  for (const ir::Dim& d : v->shape)
    if (!d.is_static() || d.value != 1) return false;
  return v->dtype != DataType::kUndefined;
}

std::optional<ir::QuantParams> transposed_quant(const std::optional<ir::QuantParams>& q,
                                                std::span<const int64_t> perm) {
  if (!q || q->axis < 0 || static_cast<size_t>(q->axis) >= perm.size()) return q;
  ir::QuantParams out = *q;
  out.axis = std::find(perm.begin(), perm.end(), q->axis) - perm.begin();
  return out;
}

ir::SymShape transposed_shape(const ir::SymShape& s, std::span<const int64_t> perm) {
  ir::SymShape out;
  for (int64_t p : perm) out.push_back(s.at(static_cast<size_t>(p)));
  return out;
}

// out[i] = t[index[i]] for a 1-D tensor of any element type.
Tensor gather_elements(const Tensor& t, const std::vector<int64_t>& index) {
  Tensor out(t.dtype(), {static_cast<int64_t>(index.size())});
  const size_t bytes = dtype_size(t.dtype());
  for (size_t i = 0; i < index.size(); ++i)
    std::memcpy(static_cast<char*>(out.data()) + i * bytes,
                static_cast<const char*>(t.data()) + static_cast<size_t>(index[i]) * bytes, bytes);
  return out;
}

// The NCHW axes (possibly negative) in `axes` as NHWC axes, in the same integer type.
Tensor remapped_axes(const std::vector<int64_t>& axes, DataType dtype) {
  std::vector<int64_t> out;
  for (int64_t a : axes) out.push_back(kNhwcPositionOf.at(static_cast<size_t>(a < 0 ? a + 4 : a)));
  if (dtype == DataType::kInt32) {
    return Tensor::from_vector(dtype, {static_cast<int64_t>(out.size())},
                               std::vector<int32_t>(out.begin(), out.end()));
  }
  return Tensor::from_vector(DataType::kInt64, {static_cast<int64_t>(out.size())}, out);
}

bool valid_axes(const std::vector<int64_t>& axes) {
  return std::all_of(axes.begin(), axes.end(), [](int64_t a) { return a >= -4 && a < 4; });
}

class ChannelsLast {
 public:
  explicit ChannelsLast(ir::Graph& graph) : graph_(graph) {}

  int run() {
    // Already in the form (the pass ran before): the value layouts are not tracked across runs.
    for (const ir::Node* node : graph_.nodes())
      if (ops::is_channels_last(*node)) return 0;
    graph_.topological_sort();
    int converted = 0;
    for (ir::Node* node : graph_.nodes()) {
      const Rule* rule = rule_of(*node);
      if (rule && can_convert(*node, *rule)) {
        convert(*node, *rule);
        ++converted;
      } else if (node->op_type == "Shape" && nhwc_.count(node->input(0)) &&
                 !node->has_attr("start") && !node->has_attr("end")) {
        nchw_ordered_shape(*node);
      } else {
        for (ir::Value*& in : node->inputs)
          if (in && nhwc_.count(in)) in = as_nchw(in);
      }
    }
    if (converted == 0) return 0;
    cancel_inverse_transposes();
    skip_size1_transposes();
    graph_.remove_unused_values();
    graph_.topological_sort();
    return converted;
  }

 private:
  // The value is, or has a twin, in NHWC: converting its consumer costs no transpose.
  bool available_nhwc(const ir::Value* v) const {
    return is_4d(v) && (nhwc_.count(v) || twin_nhwc_.count(v));
  }

  const Tensor* constant(const ir::Value* v) const { return constant_of(graph_, v); }

  // A constant input read as a list of ints; nullopt if it is not a constant.
  std::optional<std::vector<int64_t>> constant_ints(const ir::Value* v) const {
    const Tensor* t = constant(v);
    if (!t || (t->dtype() != DataType::kInt64 && t->dtype() != DataType::kInt32))
      return std::nullopt;
    return t->to_int64_vector();
  }

  bool can_convert(const ir::Node& node, const Rule& rule) const {
    // Old-opset Softmax (flatten at axis) and blocked Q/DQ depend on memory order.
    if (node.attr_int("qrt_coerce_2d", 0) != 0 || node.attr_int("block_size", 0) != 0) return false;
    // Outputs of unknown shape (decided at run time) cannot be told apart by rank.
    for (const ir::Value* out : node.outputs)
      if (out && out->dtype == DataType::kUndefined) return false;
    const ir::Value* x = node.input(0);
    switch (rule.kind) {
      case Kind::kLayout: {
        for (size_t i : ops::channels_last_inputs(node.op_type))
          if ((i == 0 || node.input(i)) && !is_4d(node.input(i))) return false;
        for (size_t i = 1; i < node.outputs.size(); ++i)
          if (node.outputs[i]) return false;  // MaxPool's Indices
        return is_4d(node.output(0));
      }
      case Kind::kUnary:
        return available_nhwc(x) && std::all_of(node.outputs.begin(), node.outputs.end(),
                                                [](const ir::Value* v) { return !v || is_4d(v); });
      case Kind::kBroadcast:
      case Kind::kConcat: {
        bool any_nhwc = false;
        for (const ir::Value* in : node.inputs) {
          if (!in) continue;
          any_nhwc |= available_nhwc(in);
          const bool ok =
              is_4d(in) || (rule.kind == Kind::kBroadcast &&
                            (is_scalar_like(in) || (constant(in) && in->shape.size() < 4)));
          if (!ok) return false;
        }
        return any_nhwc && is_4d(node.output(0));
      }
      case Kind::kReduce: {
        if (!available_nhwc(x)) return false;
        if (!node.input(1)) return true;  // all axes (or none): the same in both layouts
        const auto axes = constant_ints(node.input(1));
        if (!axes || !valid_axes(*axes)) return false;
        if (node.attr_int("keepdims", 1) != 0 || axes->empty()) return true;
        // Without keepdims the kept axes must come out in the same order in both layouts.
        std::set<int64_t> kept = {0, 1, 2, 3};
        for (int64_t a : *axes) kept.erase(a < 0 ? a + 4 : a);
        return !(kept.count(1) && (kept.count(2) || kept.count(3)));
      }
      case Kind::kSlice: {
        if (!available_nhwc(x)) return false;
        if (node.input(3)) {
          const auto axes = constant_ints(node.input(3));
          return axes && valid_axes(*axes);
        }
        const ir::Value* starts = node.input(1);
        return starts && starts->shape.size() == 1 && starts->shape[0].is_static();
      }
      case Kind::kResize: {
        if (!available_nhwc(x)) return false;
        if (node.has_attr("axes")) return valid_axes(node.attr_ints("axes"));
        // Constant or computed (sizes from a Shape chain): permuted by a Gather then.
        for (size_t i = 1; i <= 3; ++i) {
          const ir::Value* v = node.input(i);
          if (!v) continue;
          const int64_t per_axis = i == 1 ? 8 : 4;  // roi has a start and an end per axis
          const bool empty = v->shape.size() == 1 && v->shape[0] == ir::Dim{0, {}};
          if (!empty && !(v->shape.size() == 1 && v->shape[0] == ir::Dim{per_axis, {}}))
            return false;
        }
        return true;
      }
      case Kind::kPad: {
        if (!available_nhwc(x)) return false;
        if (node.input(3)) {
          const auto axes = constant_ints(node.input(3));
          return axes && valid_axes(*axes);
        }
        const auto pads = constant_ints(node.input(1));
        return pads && pads->size() == 8;
      }
    }
    return false;
  }

  void convert(ir::Node& node, const Rule& rule) {
    switch (rule.kind) {
      case Kind::kLayout:
        node.attrs[ops::kChannelsLastAttr] = int64_t{1};
        for (size_t i : ops::channels_last_inputs(node.op_type))
          if (node.input(i)) node.inputs[i] = as_nhwc(node.inputs[i]);
        break;
      case Kind::kBroadcast:
      case Kind::kConcat:
        for (ir::Value*& in : node.inputs)
          if (in) in = broadcast_operand(in);
        break;
      case Kind::kUnary:
      case Kind::kSlice:
      case Kind::kReduce:
      case Kind::kResize:
      case Kind::kPad:
        node.inputs[0] = as_nhwc(node.inputs[0]);
        break;
    }
    if (rule.axis) {
      const int64_t axis = node.attr_int("axis", rule.axis.value_or(0));
      node.attrs["axis"] = kNhwcPositionOf.at(static_cast<size_t>(axis < 0 ? axis + 4 : axis));
    }
    if (rule.kind == Kind::kReduce && node.input(1)) replace_axes_input(node, 1);
    if (rule.kind == Kind::kSlice) {
      if (node.input(3)) {
        replace_axes_input(node, 3);
      } else {
        std::vector<int64_t> all(static_cast<size_t>(node.input(1)->shape[0].value));
        std::iota(all.begin(), all.end(), 0);
        node.inputs.resize(4, nullptr);
        node.inputs[3] =
            add_constant(node.name + "_axes:nhwc", remapped_axes(all, DataType::kInt64));
      }
    }
    if (rule.kind == Kind::kPad) {
      if (node.input(3))
        replace_axes_input(node, 3);
      else
        permute_input(node, 1, 2);
    }
    if (rule.kind == Kind::kResize) {
      if (node.has_attr("axes")) {
        node.attrs["axes"] =
            remapped_axes(node.attr_ints("axes"), DataType::kInt64).to_int64_vector();
      } else {
        permute_input(node, 1, 2);
        permute_input(node, 2, 1);
        permute_input(node, 3, 1);
      }
    }
    for (size_t i = 0; i < node.outputs.size(); ++i)
      if (is_4d(node.outputs[i])) mark_nhwc_output(node, i);
  }

  // Shape of an NHWC value: the dims gathered back into NCHW order, rather than the data
  // transposed for it.
  void nchw_ordered_shape(ir::Node& shape) {
    ir::Value* dims = shape.outputs[0];
    ir::Value* nhwc_dims = graph_.add_value(graph_.unique_name(dims->name + ":nhwc"));
    nhwc_dims->dtype = dims->dtype;
    nhwc_dims->shape = dims->shape;
    shape.outputs[0] = nhwc_dims;
    nhwc_dims->producer = &shape;
    ir::Value* order = add_constant(
        dims->name + ":nchw_index",
        Tensor::from_vector(DataType::kInt64, {4},
                            std::vector<int64_t>(kNhwcToNchw.begin(), kNhwcToNchw.end())));
    graph_.add_node("Gather", graph_.unique_name(dims->name + ":nchw"), {nhwc_dims, order}, {dims});
  }

  // Input i, `halves` runs of 4 per-axis values, in NHWC order: a permuted constant, or a
  // Gather of a computed value.
  void permute_input(ir::Node& node, size_t i, int64_t halves) {
    ir::Value* v = node.input(i);
    if (!v || v->shape.empty() || v->shape[0].value == 0) return;
    std::vector<int64_t> index;
    for (int64_t h = 0; h < halves; ++h)
      for (int64_t p : kNchwToNhwc) index.push_back(h * 4 + p);
    if (const Tensor* t = constant(v)) {
      node.inputs[i] = add_constant(v->name + ":nhwc", gather_elements(*t, index));
      return;
    }
    ir::Value* indices = add_constant(v->name + ":nhwc_index",
                                      Tensor::from_vector(DataType::kInt64, {halves * 4}, index));
    ir::Value* w = graph_.add_value(graph_.unique_name(v->name + ":nhwc"));
    w->dtype = v->dtype;
    w->shape = v->shape;
    graph_.add_node("Gather", w->name, {v, indices}, {w});
    node.inputs[i] = w;
  }

  void replace_axes_input(ir::Node& node, size_t i) {
    const ir::Value* v = node.input(i);
    node.inputs[i] =
        add_constant(v->name + ":nhwc", remapped_axes(*constant_ints(v), constant(v)->dtype()));
  }

  ir::Value* add_constant(const std::string& base, Tensor t) {
    return graph_.add_constant(graph_.unique_name(base), std::move(t));
  }

  // Output i of a converted node now holds NHWC data. A graph output keeps its name and NCHW
  // layout: the node writes "<name>:nhwc", transposed back into the output.
  void mark_nhwc_output(ir::Node& node, size_t i) {
    ir::Value* v = node.outputs[i];
    if (!graph_.is_graph_output(v)) {
      v->shape = transposed_shape(v->shape, kNchwToNhwc);
      v->quant = transposed_quant(v->quant, kNchwToNhwc);
      nhwc_.insert(v);
      return;
    }
    ir::Value* w = graph_.add_value(graph_.unique_name(v->name + ":nhwc"));
    w->dtype = v->dtype;
    w->shape = transposed_shape(v->shape, kNchwToNhwc);
    w->quant = transposed_quant(v->quant, kNchwToNhwc);
    node.outputs[i] = w;
    w->producer = &node;
    add_transpose(graph_.unique_name(v->name + ":nchw"), w, v, kNhwcToNchw);
    nhwc_.insert(w);
    twin_nhwc_[v] = w;
    twin_nchw_[w] = v;
  }

  void add_transpose(const std::string& name, ir::Value* from, ir::Value* to,
                     std::span<const int64_t> perm) {
    ir::Node* t = graph_.add_node("Transpose", name, {from}, {to});
    t->attrs["perm"] = std::vector<int64_t>(perm.begin(), perm.end());
  }

  // A new value `<v>:<suffix>` holding v transposed by perm.
  ir::Value* transposed(ir::Value* v, std::span<const int64_t> perm, const char* suffix) {
    ir::Value* w = graph_.add_value(graph_.unique_name(v->name + suffix));
    w->dtype = v->dtype;
    w->shape = transposed_shape(v->shape, perm);
    w->quant = transposed_quant(v->quant, perm);
    add_transpose(w->name, v, w, perm);
    return w;
  }

  // v (4-D) as an NHWC operand: itself, its twin, a permuted constant or a new Transpose.
  ir::Value* as_nhwc(ir::Value* v) {
    if (nhwc_.count(v)) return v;
    if (auto it = twin_nhwc_.find(v); it != twin_nhwc_.end()) return it->second;
    ir::Value* w = nullptr;
    if (const Tensor* c = constant(v)) {
      w = add_constant(v->name + ":nhwc", ops::transpose_tensor(*c, kNchwToNhwc));
      w->quant = transposed_quant(v->quant, kNchwToNhwc);
    } else {
      w = transposed(v, kNchwToNhwc, ":nhwc");
    }
    nhwc_.insert(w);
    twin_nhwc_[v] = w;
    twin_nchw_[w] = v;
    return w;
  }

  // v (NHWC) for a consumer that stays NCHW.
  ir::Value* as_nchw(ir::Value* v) {
    if (auto it = twin_nchw_.find(v); it != twin_nchw_.end()) return it->second;
    ir::Value* w = transposed(v, kNhwcToNchw, ":nchw");
    twin_nchw_[v] = w;
    twin_nhwc_[w] = v;
    return w;
  }

  // An operand of a converted broadcasting op: 4-D ones in NHWC; a lower-rank constant is
  // widened to 4-D (leading ones, as broadcasting would) and permuted; a scalar stays.
  ir::Value* broadcast_operand(ir::Value* v) {
    if (is_scalar_like(v)) return v;
    if (is_4d(v)) return as_nhwc(v);
    if (auto it = widened_nhwc_.find(v); it != widened_nhwc_.end()) return it->second;
    std::vector<int64_t> shape = constant(v)->shape();
    shape.insert(shape.begin(), 4 - shape.size(), 1);
    ir::Value* w = add_constant(v->name + ":nhwc",
                                ops::transpose_tensor(constant(v)->reshaped(shape), kNchwToNhwc));
    widened_nhwc_[v] = w;
    return w;
  }

  // Transpose(Transpose(x, p1), p2) with p1 then p2 the identity reads x; transposes left without
  // consumers go.
  void cancel_inverse_transposes() {
    for (ir::Node* t2 : graph_.nodes()) {
      const ir::Node* t1 = t2->input(0) ? t2->input(0)->producer : nullptr;
      if (t2->op_type != "Transpose" || !t1 || t1->op_type != "Transpose" ||
          graph_.is_graph_output(t2->output(0)))
        continue;
      const std::vector<int64_t> p1 = t1->attr_ints("perm"), p2 = t2->attr_ints("perm");
      if (p1.empty() || p1.size() != p2.size()) continue;
      if (std::any_of(p2.begin(), p2.end(),
                      [&](int64_t p) { return p < 0 || p >= static_cast<int64_t>(p1.size()); }))
        continue;
      bool identity = true;
      for (size_t i = 0; i < p2.size(); ++i)
        identity &= p1[static_cast<size_t>(p2[i])] == static_cast<int64_t>(i);
      if (!identity) continue;
      graph_.replace_all_uses(t2->outputs[0], t1->inputs[0]);
      graph_.remove_node(t2);
    }
    for (bool removed = true; removed;) {
      removed = false;
      const auto consumers = graph_.consumers();
      for (ir::Node* n : graph_.nodes()) {
        const ir::Value* out = n->output(0);
        if (n->op_type != "Transpose" || graph_.is_graph_output(out)) continue;
        auto it = consumers.find(out);
        if (it != consumers.end() && !it->second.empty()) continue;
        graph_.remove_node(n);
        removed = true;
      }
    }
  }

  // A Transpose that only moves dims of size 1 (GlobalAveragePool's [N, 1, 1, C] into NCHW
  // [N, C, 1, 1]) leaves the bytes as they are: a Flatten, or a Reshape to a constant shape
  // without 0 entries, reads its input instead when its output shape stays the same. The
  // Transpose goes when nothing else reads it.
  void skip_size1_transposes() {
    const auto consumers = graph_.consumers();
    bool skipped = false;
    for (ir::Node* t : graph_.nodes()) {
      ir::Value* b = t->output(0);
      auto it = consumers.find(b);
      if (t->op_type != "Transpose" || !t->domain.empty() || graph_.is_graph_output(b) ||
          it == consumers.end() || !moves_only_size1(*t))
        continue;
      for (ir::Node* n : it->second)
        if (n->input(0) == b && reads_bytes_only(*n, t->input(0)->shape, b->shape)) {
          n->inputs[0] = t->inputs[0];
          skipped = true;
        }
    }
    if (skipped) cancel_inverse_transposes();  // drops the Transposes left without consumers
  }

  static bool is_one(const ir::Dim& d) { return d.is_static() && d.value == 1; }

  // Dims not known to be 1 keep their order.
  static bool moves_only_size1(const ir::Node& t) {
    const ir::SymShape& in = t.input(0)->shape;
    const std::vector<int64_t> perm = t.attr_ints("perm");
    if (perm.size() != in.size() || in.empty()) return false;
    int64_t last = -1;
    for (int64_t p : perm) {
      if (p < 0 || p >= static_cast<int64_t>(in.size())) return false;
      if (is_one(in[static_cast<size_t>(p)])) continue;
      if (p < last) return false;
      last = p;
    }
    return true;
  }

  // Node n (input 0 of shape `b`, a size-1-only transpose of `a`) gives the same output from
  // `a`: the non-1 dims are the same in the same order, so only how they are grouped matters.
  bool reads_bytes_only(const ir::Node& n, const ir::SymShape& a, const ir::SymShape& b) const {
    if (!n.domain.empty() || n.inputs.size() > 2) return false;
    if (n.op_type == "Flatten") {
      if (n.inputs.size() != 1) return false;
      const int64_t rank = static_cast<int64_t>(a.size());
      int64_t axis = n.attr_int("axis", 1);
      if (axis < 0) axis += rank;
      if (axis < 0 || axis > rank) return false;
      auto non_one_before = [&](const ir::SymShape& s) {
        return std::count_if(s.begin(), s.begin() + axis,
                             [](const ir::Dim& d) { return !is_one(d); });
      };
      return non_one_before(a) == non_one_before(b);
    }
    if (n.op_type == "Reshape") {
      const auto shape = constant_ints(n.input(1));
      return shape && std::none_of(shape->begin(), shape->end(), [](int64_t d) { return d == 0; });
    }
    return false;
  }

  ir::Graph& graph_;
  std::unordered_set<const ir::Value*> nhwc_;  // values holding NHWC data
  // A value's copy in the other layout (a Transpose's output or a permuted constant).
  std::unordered_map<const ir::Value*, ir::Value*> twin_nhwc_, twin_nchw_;
  std::unordered_map<const ir::Value*, ir::Value*> widened_nhwc_;
};

}  // namespace

int convert_to_channels_last(ir::Graph& graph) { return ChannelsLast(graph).run(); }

}  // namespace qrt::passes
