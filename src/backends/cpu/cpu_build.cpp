// The cpu backend at build time (prepare_cpu_engine), after kernel selection and partitioning:
// 1. the layout pass: activation layouts chosen by oneDNN for runs of cpu convolutions and
//    poolings, with the elementwise ops, BatchNormalizations and Concats between them (see
//    BlockKind), qrt.Reorder nodes at the borders of the blocked runs;
// 2. the weights pass: the weights of each convolution, Gemm, MatMul and MatMulInt8 reordered
//    once into the layout its primitive wants and stored so in the plan, with their memory
//    descriptor.
// See the top of dnnl_util.h for what the kernels do with both.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <set>

#include "backends/cpu/conv_common.h"
#include "backends/cpu/matmul_common.h"
#include "ir/shape_inference.h"
#include "ops/channels_last.h"
#include "runtime/engine_impl.h"

namespace qrt::cpu {
namespace {

bool is_conv(const ir::Node& n) {
  return n.op_type == "Conv" || n.op_type == "FusedConv" || n.op_type == "ConvInt8";
}

// How a cpu op joins a blocked run. The 4-D values of the graph after the channels_last pass
// are NHWC-shaped wherever a channels_last node produces them; elementwise ops and Concat carry
// no attribute there, they are NHWC when their activation inputs are (nhwc_values).
enum class BlockKind {
  kNone,
  kLayout,  // convolutions, poolings, BatchNormalization: channels_last=1 (their kernels build
            // descriptors from activation_tag)
  kUnary,   // oneDNN eltwise on the blocked desc: 4-D NHWC input
  kBinary,  // Add/Sub/Mul/Div: two 4-D NHWC activations of one shape, or a squeeze-excitation's
            // x [N, H, W, C] op s [N, 1, 1, C]; constants (whose bytes would need reordering at
            // build time) decline; oneDNN must have a real kernel (checked in layout_pass)
  kConcat,  // the NHWC channel axis, every channel count a multiple of the block (no padding
            // inside the output: checked in channels_fit)
};

bool is_unary(const std::string& op) {
  static const char* const kOps[] = {"Relu",        "LeakyRelu", "Sigmoid", "Tanh",
                                     "HardSigmoid", "HardSwish", "Elu",     "Exp",
                                     "Log",         "Abs",       "Sqrt",    "Clip"};
  return std::find_if(std::begin(kOps), std::end(kOps), [&](const char* o) { return op == o; }) !=
         std::end(kOps);
}

bool is_binary(const std::string& op) {
  return op == "Add" || op == "Sub" || op == "Mul" || op == "Div";
}

BlockKind block_kind(const ir::Node& n) {
  const bool pool =
      n.op_type == "MaxPool" || n.op_type == "AveragePool" || n.op_type == "GlobalAveragePool";
  if (is_conv(n) || pool || n.op_type == "BatchNormalization") return BlockKind::kLayout;
  if (is_unary(n.op_type)) return BlockKind::kUnary;
  if (is_binary(n.op_type)) return BlockKind::kBinary;
  if (n.op_type == "Concat") return BlockKind::kConcat;
  return BlockKind::kNone;
}

// The inputs that are activations: X and the residual R of convolutions, both inputs of a
// binary op, every input of Concat; the rest are constants.
std::vector<size_t> activation_inputs(const ir::Node& n) {
  const BlockKind kind = block_kind(n);
  if (kind == BlockKind::kBinary || kind == BlockKind::kConcat) {
    std::vector<size_t> all(n.inputs.size());
    for (size_t i = 0; i < all.size(); ++i) all[i] = i;
    return all;
  }
  std::vector<size_t> out{0};
  const size_t r = n.op_type == "FusedConv" ? 3 : n.op_type == "ConvInt8" ? 4 : 0;
  if (r && r < n.inputs.size() && n.inputs[r]) out.push_back(r);
  return out;
}

// The 4-D values stored NHWC: outputs of channels_last nodes, and of elementwise ops and Concat
// that read one (the channels_last pass converts all inputs of such an op, or none).
std::set<const ir::Value*> nhwc_values(const std::vector<ir::Node*>& order) {
  std::set<const ir::Value*> nhwc;
  for (const ir::Node* n : order) {
    if (n->outputs.empty() || !n->outputs[0] || n->outputs[0]->shape.size() != 4) continue;
    bool is_nhwc = n->attr_int("channels_last", 0) == 1;
    if (block_kind(*n) == BlockKind::kUnary || block_kind(*n) == BlockKind::kBinary ||
        block_kind(*n) == BlockKind::kConcat)
      for (size_t i : activation_inputs(*n))
        is_nhwc = is_nhwc || (n->inputs[i] && nhwc.count(n->inputs[i]));
    if (is_nhwc) nhwc.insert(n->outputs[0]);
  }
  return nhwc;
}

// cpu nodes with a kernel for blocked activations (the table above; channel counts are checked
// by channels_fit, oneDNN's kernels by layout_pass).
bool can_block(const ir::Node& n, const std::set<const ir::Value*>& nhwc) {
  if (n.backend != kBackend || n.tactic == kDeferredTactic) return false;
  const BlockKind kind = block_kind(n);
  if (kind == BlockKind::kNone) return false;
  if (kind == BlockKind::kLayout) return n.attr_int("channels_last", 0) == 1;
  // f32 and bf16 (Concat's kernel is registered for every type: its output's type decides).
  if (n.outputs.empty() || !nhwc.count(n.outputs[0])) return false;
  const DataType dt = n.outputs[0]->dtype;
  if (dt != DataType::kFloat32 && dt != DataType::kBFloat16) return false;
  for (size_t i : activation_inputs(n))
    if (!n.inputs[i] || n.inputs[i]->is_constant() || n.inputs[i]->shape.size() != 4) return false;
  if (kind == BlockKind::kUnary) return true;
  if (kind == BlockKind::kConcat) {
    const int64_t axis = n.attr_int("axis", 0);
    return axis == 3 || axis == -1;
  }
  // Binary: the output's shape is input 0's or input 1's; the other is the same or 1x1 with
  // the same batch and channels.
  if (n.inputs.size() != 2) return false;
  const auto& a = n.inputs[0]->shape;
  const auto& b = n.inputs[1]->shape;
  if (a == b) return true;
  const auto one = ir::Dim{1, {}};
  const auto se = [&](const std::vector<ir::Dim>& x, const std::vector<ir::Dim>& s) {
    return s[0] == x[0] && s[1] == one && s[2] == one && s[3] == x[3];
  };
  return se(a, b) || (se(b, a) && n.op_type != "Div");
}

// A kernel's arguments at the build's concrete types: constants as they are, activations as
// shape-only views (the primitive recipes read their shapes and types, never their data).
struct ConcreteArgs {
  std::vector<Tensor> in, out;
  KernelArgs args(const ir::Node& n) { return KernelArgs{n, in, out}; }
};

ConcreteArgs concrete_args(const ir::Node& n, const ir::ConcreteInference& inf) {
  ConcreteArgs a;
  for (const ir::Value* v : n.inputs) {
    if (!v) {
      a.in.emplace_back();
    } else if (v->is_constant()) {
      a.in.push_back(*v->constant);
    } else if (auto it = inf.values.find(v); it != inf.values.end()) {
      a.in.push_back(it->second);
    } else {
      const ir::TensorType& t = inf.types.at(v);
      a.in.push_back(Tensor::borrow(t.dtype, t.shape, nullptr));
    }
  }
  for (const ir::Value* v : n.outputs) {
    const ir::TensorType& t = inf.types.at(v);
    a.out.push_back(Tensor::borrow(t.dtype, t.shape, nullptr));
  }
  return a;
}

Prepared make_primitive(const ir::Node& n, const ir::ConcreteInference& inf) {
  ConcreteArgs a = concrete_args(n, inf);
  if (is_binary(n.op_type)) return binary_primitive(a.args(n));
  return n.op_type == "ConvInt8" ? conv_int8_primitive(a.args(n)) : conv_primitive(a.args(n));
}

// The source layout oneDNN picks for this convolution when free to choose ("" if it picks
// different source and destination layouts or one without a name here).
std::string wanted_layout(ir::Node& n, const ir::ConcreteInference& inf) {
  n.attrs[kLayoutAttr] = std::string("any");
  std::string src, dst;
  try {
    const Prepared p = make_primitive(n, inf);
    src = layout_name(p.src_md);
    dst = layout_name(p.dst_md);
  } catch (const dnnl::error&) {
  }
  n.attrs.erase(kLayoutAttr);
  return src == dst ? src : "";
}

// QRT_CPU_LAYOUT:
//   auto (default): the blocked layout of the ISA's vector width (nChw16c with AVX-512, else
//     nChw8c) for every f32 convolution that has a real kernel for it (not oneDNN's ref_*
//     fallback, which is what its int8 convolutions get in blocked layouts). Measured equal or
//     faster than oneDNN's own choice for f32 here (docs/benchmarks.md); other types (int8,
//     bf16 with AMX's NHWC brgemm kernels) were not measured blocked-faster and stay NHWC;
//   onednn: the layout most candidate convolutions pick with format_tag::any (NHWC on AVX-512);
//   plain: never blocked;
//   nChw16c, nChw8c, nChw4c: forced on every candidate (comparisons and tests).
std::string layout_setting() {
  const char* env = std::getenv("QRT_CPU_LAYOUT");
  const std::string s = env && *env ? env : "auto";
  if (s != "auto" && s != "onednn" && s != "plain" && layout_block(s) == 1)
    throw Error("QRT_CPU_LAYOUT=" + s +
                ": expected auto, onednn, plain, nChw16c, nChw8c or nChw4c");
  return s;
}

// True when the convolution's (or binary op's) primitive in layout `l` is one of oneDNN's
// optimised kernels.
bool real_kernel(ir::Node& n, const ir::ConcreteInference& inf, const std::string& l) {
  n.attrs[kLayoutAttr] = l;
  std::string impl;
  try {
    const Prepared p = make_primitive(n, inf);
    const char* info = nullptr;
    dnnl_primitive_desc_query(p.primitive.get_primitive_desc(), dnnl_query_impl_info_str, 0, &info);
    impl = info ? info : "";
  } catch (const dnnl::error&) {
  }
  n.attrs.erase(kLayoutAttr);
  return !impl.empty() && impl.rfind("ref", 0) != 0;
}

// Channels that are not a multiple of the block are padded up to it (value_bytes sizes the
// buffers so; oneDNN's reorders and primitives write zeros into the padding of what they
// produce): worth it when the padding at most doubles the tensor (24 or 20 channels in blocks of
// 16), not for an image's 3 channels (a 224x224 input would grow 5x).
bool channels_fit(const ir::Node& n, const ir::ConcreteInference& inf, int64_t block,
                  bool output_only = false) {
  std::vector<const ir::Value*> acts;
  if (!output_only)
    for (size_t i : activation_inputs(n)) acts.push_back(n.inputs[i]);
  acts.push_back(n.outputs.at(0));
  for (const ir::Value* v : acts) {
    auto it = inf.types.find(v);
    if (v->is_constant() || it == inf.types.end() || it->second.shape.size() != 4) return false;
    const int64_t channels = it->second.shape[3];
    if ((channels + block - 1) / block * block > 2 * channels) return false;
    // Concat's inputs lie side by side in its output: padding would fall inside it.
    if (block_kind(n) == BlockKind::kConcat && channels % block != 0) return false;
  }
  return true;
}

// An image's first convolution (3 channels, too few to block) reads the NCHW image itself and
// writes the blocked layout `l`, where oneDNN has a real kernel for that (its first-convolution
// kernels; from NHWC it has none): instead of Transpose to NHWC, an NHWC convolution and a
// reorder of its (16x larger) output inside the run. X becomes the Transpose's input; returns
// the Transpose, which may now be unused.
ir::Node* read_nchw_input(ir::Node& n, const ir::ConcreteInference& inf, const std::string& l) {
  ir::Node* t = n.inputs[0]->producer;
  if (!t || t->backend != kBackend || !ops::is_to_nhwc_transpose(*t) ||
      activation_inputs(n).size() != 1 || !channels_fit(n, inf, layout_block(l), true))
    return nullptr;
  ir::Value* nhwc = n.inputs[0];
  n.inputs[0] = t->inputs.at(0);
  n.attrs[ops::kNchwInputAttr] = int64_t{1};
  if (real_kernel(n, inf, l)) return t;
  n.inputs[0] = nhwc;
  n.attrs.erase(ops::kNchwInputAttr);
  return nullptr;
}

// A blocked 1x1 map whose channels are a multiple of the block (a global pooling's output) has
// the same bytes as NHWC and NCHW: its plain users read it without a reorder.
bool blocked_is_plain(const ir::Value* v, const ir::ConcreteInference& inf, int64_t block) {
  auto it = inf.types.find(v);
  if (it == inf.types.end() || it->second.shape.size() != 4) return false;
  const std::vector<int64_t>& nhwc = it->second.shape;
  return nhwc[1] == 1 && nhwc[2] == 1 && nhwc[3] % block == 0;
}

size_t layout_pass(ir::Graph& graph, const ir::ConcreteInference& inf) {
  const std::string setting = layout_setting();
  if (setting == "plain") return 0;
  std::vector<ir::Node*> order = graph.nodes();
  std::map<const ir::Node*, size_t> index;
  for (size_t i = 0; i < order.size(); ++i) index[order[i]] = i;
  const auto consumers = graph.consumers();
  const std::set<const ir::Value*> nhwc = nhwc_values(order);
  std::vector<bool> candidate(order.size(), false);
  for (size_t i = 0; i < order.size(); ++i) candidate[i] = can_block(*order[i], nhwc);
  // One layout for the graph (every border is then a reorder from or to NHWC).
  std::string l = setting;
  if (setting == "auto") {
    const auto avx512 = static_cast<unsigned>(dnnl::cpu_isa::avx512_core);
    const bool wide = (static_cast<unsigned>(dnnl::get_effective_cpu_isa()) & avx512) == avx512;
    l = wide ? "nChw16c" : "nChw8c";
  } else if (setting == "onednn") {
    std::map<std::string, int> votes;
    for (size_t i = 0; i < order.size(); ++i)
      if (candidate[i] && is_conv(*order[i])) ++votes[wanted_layout(*order[i], inf)];
    int best = 0;
    for (const auto& [name, n] : votes)
      if (n > best) best = n, l = name;
  }
  if (layout_block(l) == 1) return 0;
  std::vector<std::string> layout(order.size());
  for (size_t i = 0; i < order.size(); ++i)
    if (candidate[i] && channels_fit(*order[i], inf, layout_block(l)) &&
        (setting != "auto" || !is_conv(*order[i]) ||
         (order[i]->kernel_dtype == DataType::kFloat32 && real_kernel(*order[i], inf, l))) &&
        // oneDNN 2.6's binary falls back to ref_binary for some broadcasts in blocked layouts.
        (!is_binary(order[i]->op_type) || real_kernel(*order[i], inf, l)))
      layout[i] = l;
  const auto blocked = [&](const ir::Node* n) { return n && !layout[index.at(n)].empty(); };
  // A run (nodes joined by blocked activations) of elementwise ops, BatchNormalizations and
  // Concats without a convolution or pooling gains nothing from the layout: it stays plain.
  {
    std::vector<size_t> root(order.size());
    std::iota(root.begin(), root.end(), size_t{0});
    const std::function<size_t(size_t)> find = [&](size_t i) {
      return root[i] == i ? i : root[i] = find(root[i]);
    };
    for (size_t i = 0; i < order.size(); ++i) {
      if (layout[i].empty()) continue;
      for (size_t k : activation_inputs(*order[i])) {
        const ir::Node* p = order[i]->inputs[k] ? order[i]->inputs[k]->producer : nullptr;
        if (blocked(p)) root[find(index.at(p))] = find(i);
      }
    }
    std::set<size_t> anchored;
    for (size_t i = 0; i < order.size(); ++i) {
      const ir::Node& n = *order[i];
      if (!layout[i].empty() && (is_conv(n) || (block_kind(n) == BlockKind::kLayout &&
                                                n.op_type != "BatchNormalization")))
        anchored.insert(find(i));
    }
    for (size_t i = 0; i < order.size(); ++i)
      if (!layout[i].empty() && !anchored.count(find(i))) layout[i].clear();
  }
  // A blocked node with no blocked neighbour would only add two reorders.
  for (size_t i = 0; i < order.size(); ++i) {
    if (layout[i].empty()) continue;
    bool neighbour = false;
    for (size_t k : activation_inputs(*order[i]))
      neighbour = neighbour || (order[i]->inputs[k] && blocked(order[i]->inputs[k]->producer));
    if (auto it = consumers.find(order[i]->outputs[0]); it != consumers.end())
      for (const ir::Node* c : it->second) neighbour = neighbour || blocked(c);
    if (!neighbour) layout[i].clear();
  }
  // First convolutions that feed a blocked run.
  std::vector<ir::Node*> bypassed;
  for (size_t i = 0; i < order.size(); ++i) {
    ir::Node& n = *order[i];
    if (!candidate[i] || !layout[i].empty() || !is_conv(n) ||
        (setting == "auto" && n.kernel_dtype != DataType::kFloat32))
      continue;
    bool feeds_run = false;
    if (auto it = consumers.find(n.outputs[0]); it != consumers.end())
      for (const ir::Node* c : it->second) feeds_run = feeds_run || blocked(c);
    if (!feeds_run) continue;
    if (ir::Node* t = read_nchw_input(n, inf, l)) {
      layout[i] = l;
      if (std::find(bypassed.begin(), bypassed.end(), t) == bypassed.end()) bypassed.push_back(t);
    }
  }
  size_t marked = 0;
  for (size_t i = 0; i < order.size(); ++i)
    if (!layout[i].empty()) order[i]->attrs[kLayoutAttr] = layout[i], ++marked;
  if (!marked) return 0;

  // Reorders at the borders: before[i] / after[i] are emitted around node i.
  std::vector<std::vector<ir::Node*>> before(order.size()), after(order.size());
  const auto add_reorder = [&](ir::Value* from, ir::Value* to, const std::string& from_layout,
                               const std::string& to_layout) {
    ir::Node* r = graph.add_node("Reorder", graph.unique_name(to->name + "_reorder"), {from}, {to});
    r->domain = "qrt";
    r->attrs["from"] = from_layout;
    r->attrs["to"] = to_layout;
    r->backend = kBackend;
    r->kernel_dtype = from->dtype;
    to->producer = r;
    return r;
  };
  const auto blocked_twin = [&](ir::Value* v) {
    ir::Value* b = graph.add_value(graph.unique_name(v->name + ":" + l));
    b->dtype = v->dtype;
    b->shape = v->shape;
    b->quant = v->quant;
    return b;
  };
  for (ir::Value* v : graph.values()) {
    if (v->is_constant()) continue;
    const std::vector<ir::Node*> users =
        consumers.count(v) ? consumers.at(v) : std::vector<ir::Node*>{};
    // Blocked users that read v as an activation; any other use needs v plain.
    std::vector<std::pair<ir::Node*, size_t>> blocked_uses;
    bool plain_use = graph.is_graph_output(v);
    for (ir::Node* u : users)
      for (size_t k = 0; k < u->inputs.size(); ++k) {
        if (u->inputs[k] != v) continue;
        const auto acts = activation_inputs(*u);
        if (blocked(u) && std::find(acts.begin(), acts.end(), k) != acts.end() &&
            !(k == 0 && ops::reads_nchw_input(*u)))
          blocked_uses.emplace_back(u, k);
        else
          plain_use = true;
      }
    ir::Node* p = v->producer;
    if (blocked(p)) {
      if (!plain_use) continue;                                 // v stays blocked
      if (blocked_is_plain(v, inf, layout_block(l))) continue;  // read as it is
      ir::Value* b = blocked_twin(v);
      std::replace(p->outputs.begin(), p->outputs.end(), v, b);
      b->producer = p;
      for (auto& [u, k] : blocked_uses) u->inputs[k] = b;
      after[index.at(p)].push_back(add_reorder(b, v, l, "nhwc"));
    } else if (!blocked_uses.empty()) {
      if (blocked_is_plain(v, inf, layout_block(l))) continue;  // read as it is
      ir::Value* b = blocked_twin(v);
      size_t first = order.size();
      for (auto& [u, k] : blocked_uses) {
        u->inputs[k] = b;
        first = std::min(first, index.at(u));
      }
      before[first].push_back(add_reorder(v, b, "nhwc", l));
    }
  }
  std::vector<ir::Node*> new_order;
  for (size_t i = 0; i < order.size(); ++i) {
    new_order.insert(new_order.end(), before[i].begin(), before[i].end());
    new_order.push_back(order[i]);
    new_order.insert(new_order.end(), after[i].begin(), after[i].end());
  }
  graph.set_node_order(new_order);
  const auto now_consumers = graph.consumers();
  for (ir::Node* t : bypassed)
    if (!now_consumers.count(t->outputs[0]) && !graph.is_graph_output(t->outputs[0]))
      graph.remove_node(t);
  return marked;
}

// The primitive of a convolution or matmul node, made as its kernel makes it.
Prepared weights_primitive(const ir::Node& n, const ir::ConcreteInference& inf) {
  if (!is_matmul(n)) return make_primitive(n, inf);
  ConcreteArgs a = concrete_args(n, inf);
  return n.op_type == "Gemm"     ? gemm_primitive(a.args(n))
         : n.op_type == "MatMul" ? matmul_primitive(a.args(n))
                                 : matmul_int8_primitive(a.args(n));
}

// Stores the weights (input 1) of each convolution and of each Gemm, MatMul and MatMulInt8
// (B) in the layout its primitive wants (made now, at the opt batch's shapes, exactly as the
// kernel makes it): W becomes a flat tensor of that layout's bytes (padding included, e.g. 256
// output channels in blocks of 48; int8's compensation after the values), with the logical
// shape in "weights_shape" (which the schemas read instead of the flat shape:
// ir::logical_weights_shape) and the descriptor in "cpu_weights_md". A matmul's primitive, and
// so B's layout, may depend on A's rows (the batch): another batch reorders from the stored
// layout, as for convolutions.
// Winograd's weights (format_kind wino) have no reorder back to any other layout, and their
// blocks depend on the batch: W stays plain (for other batches of the profile, other CPUs, the
// reference fallback) and the transformed bytes are added as the node attributes
// "cpu_wino_weights" and "cpu_wino_md". Attributes, not an extra input: a node's inputs have
// meanings per op (FusedConv's input 3 is the residual) that a fifth one would muddle, and a
// qrt that does not know these attributes ignores them and runs the plain weights correctly.
// Tensor attributes are stored in the plan's weights blob like constants.
size_t weights_pass(ir::Graph& graph, const ir::ConcreteInference& inf) {
  size_t stored = 0;
  for (ir::Node* n : graph.nodes()) {
    if (n->backend != kBackend || n->tactic == kDeferredTactic || !(is_conv(*n) || is_matmul(*n)) ||
        has_stored_weights(*n) || n->has_attr(kWinoMdAttr) || n->inputs.size() < 2 ||
        !n->inputs[1] || !n->inputs[1]->is_constant() || !inf.types.count(n->inputs[0]))
      continue;
    const Tensor& w = *n->inputs[1]->constant;
    const Prepared p = weights_primitive(*n, inf);
    const dnnl::memory& m = p.constant_args.at(DNNL_ARG_WEIGHTS);
    // In place: the plain weights are already what the primitive wants.
    if (m.get_data_handle() == w.data()) continue;
    const dnnl::memory::desc md = m.get_desc();
    if (md.data.format_kind == dnnl_format_kind_wino) {
      Tensor transformed(DataType::kUInt8, {static_cast<int64_t>(md.get_size())});
      std::memcpy(transformed.data(), m.get_data_handle(), transformed.nbytes());
      n->attrs[kWinoWeightsAttr] = transformed;
      n->attrs[kWinoMdAttr] = weights_desc_attr(md);
      ++stored;
      continue;
    }
    if (md.data.format_kind != dnnl_blocked) continue;
    const size_t elem = dtype_size(w.dtype());
    Tensor packed(w.dtype(), {static_cast<int64_t>(md.get_size() / elem)});
    std::memcpy(packed.data(), m.get_data_handle(), packed.nbytes());
    n->inputs[1] = graph.add_constant(graph.unique_name(n->inputs[1]->name + ":cpu"), packed);
    n->attrs["weights_shape"] = w.shape();
    n->attrs[kWeightsMdAttr] = weights_desc_attr(md);
    ++stored;
  }
  return stored;
}

}  // namespace
}  // namespace qrt::cpu

namespace qrt {

void prepare_cpu_engine(EngineImpl& engine) {
  auto& graph = engine.graph;
  const auto nodes = graph.nodes();
  if (std::none_of(nodes.begin(), nodes.end(),
                   [](const ir::Node* n) { return n->backend == cpu::kBackend; }))
    return;
  cpu::sync_threads();
  ir::InferOptions options;
  options.defer_unknown_values = true;
  const auto types = engine.input_types_for_batch(engine.batch.opt);
  // Engines with GPU nodes keep their (fallback) cpu nodes plain: their host nodes' per-layer
  // callbacks run in the cuda runner, which does not convert blocked tensors.
  if (!engine.uses_device() &&
      cpu::layout_pass(graph, ir::infer_concrete(graph, types, options)) > 0)
    annotate_symbolic_shapes(graph, engine.input_batched, engine.batch, engine.has_batch);
  cpu::weights_pass(graph, ir::infer_concrete(graph, types, options));
  graph.remove_unused_values();
  annotate_symbolic_shapes(graph, engine.input_batched, engine.batch, engine.has_batch);
  engine.bind_kernels(engine.source);
}

Tensor cpu_plain_activation(const ir::Node& node, size_t output, const Tensor& t) {
  const std::string layout = stored_layout(node, output);
  if (layout.empty() || t.rank() != 4) return t;
  const std::vector<int64_t> nchw = ops::permute_dims(t.shape(), ops::kNhwcToNchw);
  const auto blocked = cpu::plain_desc(nchw, t.dtype(), cpu::layout_tag(layout));
  const auto nhwc = cpu::plain_desc(nchw, t.dtype(), dnnl::memory::format_tag::nhwc);
  Tensor out(t.dtype(), t.shape());
  dnnl::memory src = cpu::wrap(blocked, t), dst = cpu::wrap(nhwc, out);
  dnnl::stream stream(cpu::cpu_engine());
  dnnl::reorder(src, dst).execute(stream, src, dst);
  stream.wait();
  return out;
}

void check_cpu_weight_layouts(const ir::Graph& graph) {
  for (const ir::Node* n : graph.nodes()) {
    const bool blocked = n->has_attr(cpu::kWeightsMdAttr);
    const bool wino = n->has_attr(cpu::kWinoMdAttr) || n->has_attr(cpu::kWinoWeightsAttr);
    if (!blocked && !wino) continue;
    if (n->inputs.size() < 2 || !n->inputs[1] || !n->inputs[1]->is_constant())
      throw Error(n->describe() + ": stored cpu weight layout without constant weights");
    const Tensor& w = *n->inputs[1]->constant;
    const dnnl::memory::desc plain =
        cpu::is_matmul(*n) ? cpu::plain_matmul_weights_desc(*n, w) : cpu::plain_weights_desc(*n, w);
    cpu::stored_weights_desc(*n, plain, w);
    cpu::stored_wino_weights(*n, plain);
  }
}

}  // namespace qrt
