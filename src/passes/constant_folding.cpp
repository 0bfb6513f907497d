#include "ir/op_schema.h"
#include "ir/shape_inference.h"
#include "passes/fold_util.h"
#include "passes/pass.h"
#include "passes/shape_folding.h"

namespace qrt::passes {
namespace {

// Folded outputs are kept in memory (and in the plan); beyond this they cost more than the
// node they replace.
constexpr int64_t kMaxFoldedElements = int64_t{64} << 20;

bool fold_constant_node(ir::Node* node, ir::Graph& graph) {
  const Tensor* value = node->attr_tensor("value");
  ir::Value* out = node->output(0);
  if (!value || !out) return false;
  make_constant(out, *value);
  graph.remove_node(node);
  return true;
}

// Evaluates a foldable node whose inputs are all constants with the reference kernels. Nodes
// whose inference or kernel fails are left alone: the builder's inference reports them.
bool evaluate_and_replace(ir::Node* node, ir::Graph& graph) {
  const ir::OpSchema* schema = ir::OpRegistry::instance().find(node->op_type);
  if (!schema || !schema->foldable || node->outputs.empty()) return false;
  std::vector<ir::TensorType> in_types;
  std::vector<const Tensor*> in_values;
  for (const ir::Value* in : node->inputs) {
    const Tensor* t = constant_of(graph, in);
    if (in && !t) return false;
    in_types.push_back(t ? ir::TensorType{t->dtype(), t->shape()} : ir::TensorType{});
    in_values.push_back(t);
  }
  std::vector<ir::TensorType> out_types(node->outputs.size());
  std::vector<Tensor> results;
  try {
    schema->infer(ir::InferContext(*node, in_types, in_values), out_types);
    for (size_t i = 0; i < out_types.size(); ++i) {
      if (!node->outputs[i]) continue;
      if (out_types[i].dtype == DataType::kUndefined) return false;
      for (int64_t d : out_types[i].shape)
        if (d < 0) return false;
      if (shape_numel(out_types[i].shape) > kMaxFoldedElements) return false;
    }
    if (!ir::evaluate_node(*node, in_values, out_types, results)) return false;
  } catch (const Error&) {
    return false;
  }
  for (size_t i = 0; i < node->outputs.size(); ++i)
    if (node->outputs[i]) make_constant(node->outputs[i], std::move(results[i]));
  graph.remove_node(node);
  return true;
}

}  // namespace

PassResult constant_folding(ir::Graph& graph) {
  PassResult result;
  // In topological order a whole chain folds in one sweep: each folded output is a constant
  // by the time its consumers are visited.
  for (ir::Node* node : graph.nodes()) {
    const bool folded = node->op_type == "Constant"
                            ? fold_constant_node(node, graph)
                            : fold_shape_node(graph, node) || evaluate_and_replace(node, graph);
    if (folded) ++result.rewrites;
  }
  result.changed = result.rewrites > 0;
  return result;
}

}  // namespace qrt::passes
