#include "passes/pass.h"

namespace qrt::passes {
namespace {

bool has_uses(const ir::Graph& graph, const ir::Value* v) {
  if (graph.is_graph_output(v)) return true;
  for (const ir::Node* n : graph.nodes())
    for (const ir::Value* in : n->inputs)
      if (in == v) return true;
  return false;
}

bool is_removable(const ir::Graph& graph, const ir::Node& node) {
  if (!node.input(0) || !node.output(0)) return false;
  if (node.op_type == "Identity") return true;
  // Dropout at inference passes its input through; only its mask output would be new data.
  if (node.op_type == "Dropout") return !node.output(1) || !has_uses(graph, node.output(1));
  return false;
}

// Removes the pass-through node `node` (output = input 0) so that every use of its output
// reads its input instead, keeping graph output names. False when that is not possible.
bool bypass(ir::Graph& graph, ir::Node* node) {
  ir::Value* in = node->inputs[0];
  ir::Value* out = node->outputs[0];
  if (!graph.is_graph_output(out)) {
    graph.replace_all_uses(out, in);
    graph.remove_node(node);
    return true;
  }
  // `out` is a graph output, so it keeps its name: `in` is the value that goes away.
  if (graph.is_graph_input(in) || graph.is_graph_output(in)) return false;
  if (in->is_constant()) {
    out->constant = in->constant;
    graph.remove_node(node);
    return true;
  }
  ir::Node* producer = in->producer;
  if (!producer) return false;
  for (ir::Value*& o : producer->outputs)
    if (o == in) o = out;
  out->producer = producer;
  if (!out->quant) out->quant = in->quant;
  in->producer = nullptr;
  graph.replace_all_uses(in, out);  // also turns this node into out -> out
  graph.remove_node(node);
  return true;
}

}  // namespace

PassResult remove_identity(ir::Graph& graph) {
  PassResult result;
  for (ir::Node* node : graph.nodes())
    if (is_removable(graph, *node) && bypass(graph, node)) ++result.rewrites;
  result.changed = result.rewrites > 0;
  return result;
}

}  // namespace qrt::passes
