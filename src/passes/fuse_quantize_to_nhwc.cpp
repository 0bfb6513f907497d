#include "passes/fuse_quantize_to_nhwc.h"

#include <algorithm>
#include <vector>

#include "ops/channels_last.h"
#include "passes/fold_util.h"

namespace qrt::passes {
namespace {

// A constant of one element of one of the given types.
bool one_element_constant(const ir::Graph& graph, const ir::Value* v,
                          std::initializer_list<DataType> types) {
  const Tensor* t = constant_of(graph, v);
  return t && t->numel() == 1 && std::find(types.begin(), types.end(), t->dtype()) != types.end();
}

bool per_tensor_int8_quantize(const ir::Graph& graph, const ir::Node& q) {
  if (q.op_type != "QuantizeLinear" || !q.domain.empty() || q.outputs.size() != 1) return false;
  const ir::Value* x = q.input(0);
  const ir::Value* y = q.output(0);
  if (!x || !y || x->dtype != DataType::kFloat32 || x->shape.size() != 4 ||
      y->dtype != DataType::kInt8 || q.attr_int("block_size", 0) != 0)
    return false;
  return one_element_constant(graph, q.input(1), {DataType::kFloat32, DataType::kFloat16}) &&
         one_element_constant(graph, q.input(2), {DataType::kInt8});
}

}  // namespace

int fuse_quantize_to_nhwc(ir::Graph& graph) {
  // Pairs first, rewrites after: removing nodes invalidates the consumer lists.
  std::vector<std::pair<ir::Node*, ir::Node*>> pairs;
  const auto consumers = graph.consumers();
  for (ir::Node* q : graph.nodes()) {
    if (!per_tensor_int8_quantize(graph, *q) || graph.is_graph_output(q->output(0))) continue;
    const auto it = consumers.find(q->output(0));
    if (it == consumers.end() || it->second.size() != 1) continue;
    ir::Node* t = it->second[0];
    if (ops::is_to_nhwc_transpose(*t) && t->input(0) == q->output(0)) pairs.emplace_back(q, t);
  }
  for (auto [q, t] : pairs) {
    ir::Value* y = t->output(0);
    ir::Node* f =
        graph.add_node("QuantizeToNhwc", graph.unique_name(q->name + ":nhwc"), q->inputs, {});
    f->domain = "qrt";
    f->attrs = q->attrs;
    graph.remove_node(t);
    graph.remove_node(q);
    f->outputs = {y};
    y->producer = f;
  }
  if (!pairs.empty()) {
    graph.remove_unused_values();
    graph.topological_sort();
  }
  return static_cast<int>(pairs.size());
}

}  // namespace qrt::passes
