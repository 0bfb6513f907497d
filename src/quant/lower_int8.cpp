// INT8 lowering (see precision.h and docs/quantization.md for the ops and numerics).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <set>
#include <unordered_map>

#include "ops/spatial_geometry.h"
#include "quant/precision.h"

namespace qrt::quant {

namespace {

constexpr const char* kQrtDomain = "qrt";

bool per_tensor_scale(const ir::Value* v, float* scale) {
  if (!v || !v->quant || v->quant->axis >= 0 || v->quant->scales.size() != 1) return false;
  const float s = v->quant->scales[0];
  if (!(s > 0) || !std::isfinite(s)) return false;
  *scale = s;
  return true;
}

int8_t quantize_value(float x, float scale) {
  const float q = std::nearbyint(x / scale);
  return static_cast<int8_t>(std::clamp(q, -128.f, 127.f));
}

// Which output channel each weight element belongs to.
struct ChannelMap {
  int64_t channels = 0;
  std::vector<int64_t> of;  // per element
};

ChannelMap output_channels(const ir::Node& node, const Tensor& w) {
  ChannelMap m;
  const auto& s = w.shape();
  const int64_t n = w.numel();
  m.of.resize(static_cast<size_t>(n));
  if (node.op_type == "Conv") {  // [Cout, Cin/g, k...]
    m.channels = s[0];
    const int64_t per = n / std::max<int64_t>(s[0], 1);
    for (int64_t i = 0; i < n; ++i) m.of[static_cast<size_t>(i)] = i / per;
  } else if (node.op_type == "ConvTranspose") {  // [Cin, Cout/g, k...]
    const int64_t group = node.attr_int("group", 1);
    const int64_t cin = s[0], cout_g = s[1];
    const int64_t ksize = n / std::max<int64_t>(cin * cout_g, 1);
    m.channels = cout_g * group;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t ci = i / (cout_g * ksize), j = (i / ksize) % cout_g;
      m.of[static_cast<size_t>(i)] = (ci / (cin / group)) * cout_g + j;
    }
  } else {  // MatMul B [K, N]
    m.channels = s[1];
    for (int64_t i = 0; i < n; ++i) m.of[static_cast<size_t>(i)] = i % s[1];
  }
  return m;
}

struct QuantizedWeights {
  Tensor q;       // i8, same shape
  Tensor scales;  // f32 [channels]
};

// Per output channel: the weights' own scales (QDQ models) or amax / 127.
QuantizedWeights quantize_weights(const ir::Node& node, const ir::Value* wv, const Tensor& w) {
  const ChannelMap map = output_channels(node, w);
  std::vector<float> scales(static_cast<size_t>(map.channels), 0.f);
  const float* src = w.data_as<float>();
  const bool given = wv->quant && static_cast<int64_t>(wv->quant->scales.size()) == map.channels;
  if (given) {
    scales = wv->quant->scales;
  } else {
    for (int64_t i = 0; i < w.numel(); ++i) {
      float& a = scales[static_cast<size_t>(map.of[static_cast<size_t>(i)])];
      a = std::max(a, std::fabs(src[i]));
    }
    for (float& s : scales) s = s > 0 ? s / 127.f : 1.f;
  }
  QuantizedWeights out{Tensor(DataType::kInt8, w.shape()),
                       Tensor::from_vector(DataType::kFloat32, {map.channels}, scales)};
  int8_t* dst = out.q.data_as<int8_t>();
  for (int64_t i = 0; i < w.numel(); ++i)
    dst[i] = quantize_value(src[i], scales[static_cast<size_t>(map.of[static_cast<size_t>(i)])]);
  return out;
}

Tensor transpose_2d(const Tensor& t) {
  const int64_t r = t.dim(0), c = t.dim(1);
  Tensor out(t.dtype(), {c, r});
  for (int64_t i = 0; i < r; ++i)
    for (int64_t j = 0; j < c; ++j) out.data_as<float>()[j * r + i] = t.data_as<float>()[i * c + j];
  return out;
}

// The weights in the layout of the int8 layer (see Int8Weights); false with *why when the node's
// weights cannot be lowered.
bool layer_weights(const ir::Node& node, Tensor* w, std::string* why) {
  const ir::Value* wv = node.input(1);
  if (!wv || !wv->is_constant() || wv->dtype != DataType::kFloat32) {
    *why = "its weights are not a float32 constant";
    return false;
  }
  *w = *wv->constant;
  if (node.op_type == "Gemm" || node.op_type == "MatMul") {
    if (w->rank() != 2 || (node.op_type == "Gemm" && node.attr_int("transA", 0) != 0)) {
      *why = "only A x B with a 2-D constant B is lowered";
      return false;
    }
    if (node.op_type == "Gemm") {
      if (node.attr_int("transB", 0)) *w = transpose_2d(*w);
      const float alpha = node.attr_float("alpha", 1.f);
      if (alpha != 1.f) {
        if (w->data() == wv->constant->data()) *w = w->clone();
        for (int64_t i = 0; i < w->numel(); ++i) w->data_as<float>()[i] *= alpha;
      }
    }
  }
  return true;
}

class Int8Lowering {
 public:
  Int8Lowering(ir::Graph& graph, const LayerPrecisions& overrides,
               const BiasCorrections* corrections = nullptr)
      : graph_(graph),
        overrides_(overrides),
        corrections_(corrections),
        activations_(activation_values(graph)) {}

  Int8Report run() {
    share_concat_scales();
    for (ir::Node* node : graph_.nodes()) {
      if (removed_.count(node) || !is_compute(*node)) continue;
      std::string why;
      if (!lower(node, &why)) report_.float_layers.push_back(node->describe() + ": " + why);
    }
    remove_dead();
    fold_quantize();
    remove_dead();
    graph_.topological_sort();
    return report_;
  }

  // Weights-only baseline: same eligibility, weights replaced by their int8 round trip.
  int fake_quantize() {
    int n = 0;
    for (ir::Node* node : graph_.nodes()) {
      if (!is_compute(*node) || requested_precision(*node, overrides_, "int8") != "int8") continue;
      ir::Value* wv = node->input(1);
      if (!wv || !wv->is_constant() || wv->dtype != DataType::kFloat32) continue;
      Tensor w = *wv->constant;
      const bool trans_b = node->op_type == "Gemm" && node->attr_int("transB", 0) != 0;
      if (node->op_type == "Gemm" || node->op_type == "MatMul") {
        if (w.rank() != 2) continue;
        if (trans_b) w = transpose_2d(w);
      }
      ir::Node probe = *node;
      probe.op_type = node->op_type == "Gemm" ? "MatMul" : node->op_type;
      const QuantizedWeights qw = quantize_weights(probe, wv, w);
      const ChannelMap map = output_channels(probe, w);
      Tensor back(DataType::kFloat32, w.shape());
      for (int64_t i = 0; i < w.numel(); ++i)
        back.data_as<float>()[i] =
            qw.q.data_as<int8_t>()[i] * qw.scales.data_as<float>()[map.of[static_cast<size_t>(i)]];
      if (trans_b) back = transpose_2d(back);
      node->inputs[1] = graph_.add_constant(graph_.unique_name(wv->name + "_wq"), back);
      ++n;
    }
    graph_.remove_unused_values();
    return n;
  }

 private:
  static bool is_compute(const ir::Node& n) {
    return n.op_type == "Conv" || n.op_type == "ConvTranspose" || n.op_type == "Gemm" ||
           n.op_type == "MatMul";
  }

  ir::Value* constant(const std::string& base, Tensor t) {
    return graph_.add_constant(graph_.unique_name(base), std::move(t));
  }

  // The int8 version of an activation, quantized with its own per-tensor scale (one
  // QuantizeLinear per value and scale).
  ir::Value* quantized(ir::Value* v, float scale) {
    auto key = std::make_pair(v, scale);
    auto it = quantized_.find(key);
    if (it != quantized_.end()) return it->second;
    ir::Value* q = graph_.add_value(graph_.unique_name(v->name + "_int8"));
    q->dtype = DataType::kInt8;
    q->shape = v->shape;
    q->quant = ir::QuantParams{{scale}, -1};
    ir::Node* n = graph_.add_node(
        "QuantizeLinear", graph_.unique_name(v->name + "_quantize"),
        {v,
         constant(v->name + "_scale",
                  Tensor::from_vector(DataType::kFloat32, {}, std::vector<float>{scale})),
         constant(v->name + "_zero_point", Tensor(DataType::kInt8, {}))},
        {q});
    (void)n;
    return quantized_[key] = q;
  }

  // The bias minus the layer's bias correction (a new constant; a bias of zeros when the layer
  // had none).
  ir::Value* corrected_bias(const ir::Node& node, const ir::Value* bias,
                            const std::vector<float>& correction, int64_t channels) {
    if (static_cast<int64_t>(correction.size()) != channels)
      throw Error(node.describe() + ": the bias correction has " +
                  std::to_string(correction.size()) + " values for " + std::to_string(channels) +
                  " output channels (a calibration table for another model?)");
    std::vector<float> b(correction.size(), 0.f);
    if (bias) {
      if (!bias->is_constant() || bias->constant->numel() != channels)
        throw Error(node.describe() + ": bias correction needs a constant bias of " +
                    std::to_string(channels) + " values");
      b = bias->constant->to_float_vector();
    }
    for (size_t c = 0; c < b.size(); ++c) b[c] -= correction[c];
    return constant((bias ? bias->name : node.outputs.at(0)->name + "_bias") + "_corrected",
                    Tensor::from_vector(DataType::kFloat32, {channels}, b));
  }

  // The single consumer of v, or nullptr (several, none, or v is a graph output).
  ir::Node* sole_consumer(const ir::Value* v) const {
    if (graph_.is_graph_output(v)) return nullptr;
    ir::Node* found = nullptr;
    for (ir::Node* n : graph_.nodes())
      for (const ir::Value* in : n->inputs)
        if (in == v) {
          if (found && found != n) return nullptr;
          found = n;
        }
    return found;
  }

  bool same_static_shape(const ir::Value* a, const ir::Value* b) const {
    return a->shape == b->shape && !a->shape.empty();
  }

  bool lower(ir::Node* node, std::string* why) {
    if (requested_precision(*node, overrides_, "int8") != "int8") {
      *why = "kept in float by --layer-precision";
      return false;
    }
    ir::Value* x = node->input(0);
    ir::Value* wv = node->input(1);
    float x_scale = 0;
    if (!per_tensor_scale(x, &x_scale)) {
      *why = "its input '" + (x ? x->name : std::string("?")) + "' has no int8 scale";
      return false;
    }
    Tensor w;
    if (!layer_weights(*node, &w, why)) return false;
    ir::Value* bias = nullptr;
    std::string op = node->op_type;
    ir::Node lowered_as = *node;
    if (op == "Gemm" || op == "MatMul") {
      if (op == "Gemm") {
        const float beta = node->attr_float("beta", 1.f);
        if (ir::Value* c = node->input(2)) {
          if (!c->is_constant() || c->constant->numel() != w.dim(1) ||
              c->constant->dtype() != DataType::kFloat32) {
            *why = "Gemm's C is not a constant bias of N values";
            return false;
          }
          Tensor b = c->constant->clone().reshaped({w.dim(1)});
          for (int64_t i = 0; i < b.numel(); ++i) b.data_as<float>()[i] *= beta;
          bias = constant(c->name + "_bias", b);
        }
      }
      lowered_as.op_type = "MatMul";
    } else if (ir::Value* b = node->input(2)) {
      bias = b;
    }
    const QuantizedWeights qw = quantize_weights(lowered_as, wv, w);
    const std::vector<float>* correction = nullptr;
    if (corrections_) {
      auto it = corrections_->find(node->outputs.at(0)->name);
      if (it != corrections_->end()) correction = &it->second;
    }

    // Epilogue fusion: [bias Add for MatMul] -> [residual Add] -> [Relu | Clip].
    ir::Value* y = node->outputs.at(0);
    std::vector<ir::Node*> fused;
    ir::Value* residual = nullptr;
    std::string activation;
    float clip_lo = 0, clip_hi = 0;
    ir::Node* next = sole_consumer(y);
    if (!bias && lowered_as.op_type == "MatMul" && next && next->op_type == "Add") {
      ir::Value* other = next->input(0) == y ? next->input(1) : next->input(0);
      if (other && other->is_constant() && other->constant->dtype() == DataType::kFloat32 &&
          other->constant->numel() == w.dim(1) && next->input(0) != next->input(1)) {
        bias = constant(other->name + "_bias", other->constant->clone().reshaped({w.dim(1)}));
        fused.push_back(next);
        y = next->outputs.at(0);
        next = sole_consumer(y);
      }
    }
    if (correction) bias = corrected_bias(*node, bias, *correction, qw.scales.numel());
    float r_scale = 0;
    if (next && next->op_type == "Add") {
      ir::Value* other = next->input(0) == y ? next->input(1) : next->input(0);
      if (other && other != y && activations_.count(other) && other->dtype == DataType::kFloat32 &&
          same_static_shape(other, next->outputs.at(0)) && same_static_shape(y, other)) {
        // A residual with a scale is read in int8 (as TensorRT and onnxruntime's QDQ models do):
        // its producer can then write int8, so the skip path never round-trips through float.
        residual = per_tensor_scale(other, &r_scale) ? quantized(other, r_scale) : other;
        fused.push_back(next);
        y = next->outputs.at(0);
        next = sole_consumer(y);
      }
    }
    if (next && next->op_type == "Relu") {
      activation = "relu";
    } else if (next && next->op_type == "Clip") {
      const ir::Value* lo = next->input(1);
      const ir::Value* hi = next->input(2);
      if ((!lo || lo->is_constant()) && (!hi || hi->is_constant())) {
        activation = "clip";
        clip_lo = lo ? lo->constant->to_float_vector().at(0) : -INFINITY;
        clip_hi = hi ? hi->constant->to_float_vector().at(0) : INFINITY;
      }
    }
    if (!activation.empty()) {
      fused.push_back(next);
      y = next->outputs.at(0);
    }

    std::vector<ir::Value*> inputs = {quantized(x, x_scale), constant(wv->name + "_int8", qw.q),
                                      constant(wv->name + "_scales", qw.scales), bias, residual};
    while (!inputs.empty() && !inputs.back()) inputs.pop_back();
    const std::string new_op = lowered_as.op_type == "MatMul" ? "MatMulInt8" : op + "Int8";
    ir::Node* q = graph_.add_node(new_op, node->name, {}, {});
    q->domain = kQrtDomain;
    if (new_op != "MatMulInt8") {
      q->attrs = node->attrs;
      if (!q->has_attr("kernel_shape"))
        q->attrs["kernel_shape"] = std::vector<int64_t>(w.shape().begin() + 2, w.shape().end());
    }
    q->attrs[new_op == "MatMulInt8" ? "a_scale" : "x_scale"] = x_scale;
    q->attrs["y_scale"] = 0.f;
    if (r_scale > 0) q->attrs["r_scale"] = r_scale;
    if (!activation.empty()) q->attrs["activation"] = activation;
    if (activation == "clip") {
      q->attrs["clip_min"] = clip_lo;
      q->attrs["clip_max"] = clip_hi;
    }
    // Rewire: the lowered node produces the last fused value.
    for (ir::Node* f : fused) {
      removed_.insert(f);
      graph_.remove_node(f);
    }
    graph_.remove_node(node);
    q->inputs = std::move(inputs);
    q->outputs = {y};
    y->producer = q;
    ++report_.int8_layers;
    return true;
  }

  // A Concat's int8 inputs all take the Concat's scale (the QuantizeLinear moves up through it),
  // so a tensor that also feeds another int8 consumer (a U-Net skip connection: the MaxPool going
  // down, the Concat going up) is quantized twice, once per scale, and its producer must write
  // float for both QuantizeLinear nodes to read (fold_quantize folds one scale only). Such a
  // tensor, and what it reaches through ops that commute with quantization (MaxPool, Relu,
  // Reshape, ...: their outputs are quantized at their own scale and moved up to it), take the
  // Concat's scale instead: one QuantizeLinear, folded into the producer's epilogue, which then
  // writes int8 once. Measured on the bundled U-Net (docs/quantization.md): the Dice does not
  // drop.
  void share_concat_scales() {
    const auto consumers = graph_.consumers();
    for (ir::Node* cat : graph_.nodes()) {
      if (cat->op_type != "Concat" || cat->outputs.size() != 1) continue;
      float c = 0;
      if (!per_tensor_scale(cat->outputs[0], &c)) continue;
      for (ir::Value* u : cat->inputs) {
        float a = 0;
        if (!u || !activations_.count(u) || u->dtype != DataType::kFloat32 ||
            !per_tensor_scale(u, &a) || !consumers.count(u))
          continue;
        std::vector<ir::Value*> reached{u};
        bool other_consumer = false;
        for (ir::Node* user : consumers.at(u))
          if (user != cat) {
            other_consumer = true;
            if (!reach_through_commuting(user, u, consumers, reached)) goto next_input;
          }
        if (!other_consumer) continue;
        for (ir::Value* v : reached)
          if (per_tensor_scale(v, &a)) v->quant->scales = {c};
      next_input:;
      }
    }
  }

  // Adds to `reached` the outputs of `user` (which reads `v`) and onwards while the ops commute
  // with quantization and read one data input; false where a Concat (whose scale is its own)
  // reads one of them: that tensor keeps its scales.
  static bool reach_through_commuting(
      const ir::Node* user, const ir::Value* v,
      const std::unordered_map<const ir::Value*, std::vector<ir::Node*>>& consumers,
      std::vector<ir::Value*>& reached) {
    if (user->op_type == "Concat") return false;
    if (!moves_through(*user) || user->input(0) != v) return true;  // reads v at v's scale
    ir::Value* out = user->outputs[0];
    if (std::find(reached.begin(), reached.end(), out) != reached.end()) return true;
    reached.push_back(out);
    const auto it = consumers.find(out);
    if (it == consumers.end()) return true;
    for (const ir::Node* next : it->second)
      if (!reach_through_commuting(next, out, consumers, reached)) return false;
    return true;
  }

  // QuantizeLinear nodes move up to where int8 is produced (see precision.h).
  void fold_quantize() {
    for (bool changed = true; changed;) {
      changed = false;
      const auto consumers = graph_.consumers();
      for (ir::Node* q : graph_.nodes()) {
        if (q->op_type != "QuantizeLinear") continue;
        ir::Value* v = q->input(0);
        const float s = quantize_scale(*q);
        if (!v || !v->producer || graph_.is_graph_output(v) || s <= 0) continue;
        const auto& users = consumers.at(v);
        const bool all_same = std::all_of(users.begin(), users.end(), [&](const ir::Node* u) {
          return u->op_type == "QuantizeLinear" && u->input(0) == v && quantize_scale(*u) == s;
        });
        if (!all_same) continue;
        ir::Node* p = v->producer;
        if (p->domain == kQrtDomain && p->attr_float("y_scale", 0) == 0 && p->outputs.size() == 1) {
          p->attrs["y_scale"] = s;
        } else if (moves_through(*p)) {
          for (size_t k = 0; k < p->inputs.size(); ++k) {
            if (!is_data_input(*p, k)) continue;
            ir::Value* u = p->inputs[k];
            if (!u || u->dtype != DataType::kFloat32 || !activations_.count(u)) goto next_q;
          }
          for (size_t k = 0; k < p->inputs.size(); ++k)
            if (is_data_input(*p, k)) p->inputs[k] = quantized(p->inputs[k], s);
        } else {
          continue;
        }
        {
          // p now produces the int8 value the Quantize nodes produced.
          ir::Value* q_out = users.front()->outputs.at(0);
          for (ir::Node* u : users) {
            if (u != users.front()) graph_.replace_all_uses(u->outputs.at(0), q_out);
            graph_.remove_node(u);
          }
          p->outputs[0] = q_out;
          q_out->producer = p;
          changed = true;
          break;
        }
      next_q:;
      }
    }
  }

  static float quantize_scale(const ir::Node& q) {
    const ir::Value* s = q.input(1);
    if (!s || !s->is_constant() || s->constant->numel() != 1) return 0;
    if (const ir::Value* zp = q.input(2))
      if (!zp->is_constant() || zp->constant->dtype() != DataType::kInt8 ||
          zp->constant->to_int64_vector().at(0) != 0)
        return 0;
    return s->constant->to_float_vector().at(0);
  }

  // Ops that commute exactly with per-tensor quantization at one scale.
  static bool moves_through(const ir::Node& p) {
    static const std::set<std::string> kOps = {"MaxPool",   "Relu",      "Reshape",
                                               "Flatten",   "Transpose", "Squeeze",
                                               "Unsqueeze", "Identity",  "Concat"};
    if (!kOps.count(p.op_type) || p.outputs.size() != 1) return false;
    return true;
  }
  static bool is_data_input(const ir::Node& p, size_t k) { return p.op_type == "Concat" || k == 0; }

  void remove_dead() {
    // Values nothing reads any more are dropped; nodes are removed explicitly above.
    graph_.remove_unused_values();
  }

  ir::Graph& graph_;
  const LayerPrecisions& overrides_;
  const BiasCorrections* corrections_;
  std::unordered_set<const ir::Value*> activations_;
  std::map<std::pair<ir::Value*, float>, ir::Value*> quantized_;
  Int8Report report_;
  std::set<const ir::Node*> removed_;  // fused away while iterating
};

}  // namespace

std::optional<Int8Weights> int8_weights(const ir::Node& node, std::string* why) {
  std::string reason;
  Int8Weights out;
  if (!layer_weights(node, &out.w, &reason)) {
    if (why) *why = reason;
    return std::nullopt;
  }
  ir::Node lowered_as = node;
  if (node.op_type == "Gemm") lowered_as.op_type = "MatMul";
  QuantizedWeights qw = quantize_weights(lowered_as, node.input(1), out.w);
  out.q = std::move(qw.q);
  out.scales = qw.scales.to_float_vector();
  out.channel_of = output_channels(lowered_as, out.w).of;
  return out;
}

Int8Report lower_to_int8(ir::Graph& graph, const LayerPrecisions& overrides,
                         const BiasCorrections* corrections) {
  return Int8Lowering(graph, overrides, corrections).run();
}

int fake_quantize_weights(ir::Graph& graph, const LayerPrecisions& overrides) {
  return Int8Lowering(graph, overrides).fake_quantize();
}

}  // namespace qrt::quant
