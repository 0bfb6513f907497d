#include "passes/fuse_conv_activation.h"

#include <cmath>
#include <unordered_map>
#include <vector>

#include "passes/fold_util.h"

namespace qrt::passes {
namespace {

using Consumers = std::unordered_map<const ir::Value*, std::vector<ir::Node*>>;

// The node consuming `v` when it is the only one (using it once) and `v` is no graph output.
ir::Node* sole_consumer(const ir::Graph& graph, const Consumers& consumers, const ir::Value* v) {
  if (graph.is_graph_output(v)) return nullptr;
  const auto it = consumers.find(v);
  if (it == consumers.end() || it->second.size() != 1) return nullptr;
  ir::Node* n = it->second[0];
  int uses = 0;
  for (const ir::Value* in : n->inputs) uses += in == v;
  return uses == 1 && n->outputs.size() == 1 && n->output(0) ? n : nullptr;
}

bool is_float_compute(DataType t) {
  return t == DataType::kFloat32 || t == DataType::kFloat16 || t == DataType::kBFloat16;
}

// Shapes equal dim by dim with every dim known (a size or a batch symbol), so the residual
// needs no broadcast at any batch.
bool same_known_shape(const ir::SymShape& a, const ir::SymShape& b) {
  if (a != b || a.empty()) return false;
  for (const ir::Dim& d : a)
    if (d.value < 0 && d.symbol.empty()) return false;
  return true;
}

// A Clip bound: absent (unbounded) or a one-element constant.
bool clip_bound(const ir::Graph& graph, const ir::Value* v, float unbounded, float* bound) {
  if (!v) {
    *bound = unbounded;
    return true;
  }
  const Tensor* t = constant_of(graph, v);
  if (!t || t->numel() != 1 || !is_floating(t->dtype())) return false;
  *bound = t->to_float_vector()[0];
  return true;
}

bool fuse(ir::Graph& graph, const Consumers& consumers, ir::Node* conv) {
  if (conv->op_type != "Conv" || !conv->domain.empty() || conv->outputs.size() != 1) return false;
  ir::Value* y = conv->output(0);
  if (!y || !is_float_compute(y->dtype)) return false;
  std::vector<ir::Node*> fused;
  ir::Value* residual = nullptr;
  ir::Node* next = sole_consumer(graph, consumers, y);
  auto same_type = [&](const ir::Node* n) { return n->output(0)->dtype == y->dtype; };
  if (next && next->op_type == "Add" && next->domain.empty() && next->inputs.size() == 2 &&
      same_type(next)) {
    ir::Value* other = next->input(0) == y ? next->input(1) : next->input(0);
    if (other && other->dtype == y->dtype && same_known_shape(other->shape, y->shape) &&
        same_known_shape(next->output(0)->shape, y->shape)) {
      residual = other;
      fused.push_back(next);
      next = sole_consumer(graph, consumers, next->output(0));
    }
  }
  std::string activation;
  float clip_min = 0, clip_max = 0;
  if (next && next->domain.empty() && same_type(next)) {
    if (next->op_type == "Relu") {
      activation = "relu";
    } else if (next->op_type == "Clip" && clip_bound(graph, next->input(1), -INFINITY, &clip_min) &&
               clip_bound(graph, next->input(2), INFINITY, &clip_max)) {
      activation = "clip";
    }
    if (!activation.empty()) fused.push_back(next);
  }
  if (fused.empty()) return false;

  ir::Value* out = fused.back()->output(0);
  conv->op_type = "FusedConv";
  conv->domain = "qrt";
  if (residual) {
    conv->inputs.resize(3, nullptr);
    conv->inputs.push_back(residual);
  }
  if (!activation.empty()) conv->attrs["activation"] = activation;
  if (activation == "clip") {
    conv->attrs["clip_min"] = clip_min;
    conv->attrs["clip_max"] = clip_max;
  }
  for (ir::Node* n : fused) graph.remove_node(n);
  // The fused node takes over the last value, so its name (maybe a graph output) survives.
  y->producer = nullptr;
  conv->outputs[0] = out;
  out->producer = conv;
  return true;
}

}  // namespace

int fuse_conv_activation(ir::Graph& graph) {
  int fusions = 0;
  // One fusion per sweep: it removes nodes, which invalidates the consumer lists.
  for (bool changed = true; changed;) {
    changed = false;
    const Consumers consumers = graph.consumers();
    for (ir::Node* node : graph.nodes())
      if (fuse(graph, consumers, node)) {
        ++fusions;
        changed = true;
        break;
      }
  }
  if (fusions > 0) {
    graph.remove_unused_values();
    // The residual's producer may come after the convolution in the old order.
    graph.topological_sort();
  }
  return fusions;
}

}  // namespace qrt::passes
