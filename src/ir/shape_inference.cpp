#include "ir/shape_inference.h"

#include "backends/kernel_registry.h"

namespace qrt::ir {

bool evaluate_node(const Node& node, const std::vector<const Tensor*>& inputs,
                   const std::vector<TensorType>& output_types, std::vector<Tensor>& outputs) {
  NodeTypes types;
  for (const Tensor* t : inputs)
    types.inputs.push_back(t ? TensorType{t->dtype(), t->shape()} : TensorType{});
  types.outputs = output_types;
  const KernelDef* kernel = KernelRegistry::instance().select(node, "reference", types, nullptr);
  if (!kernel) return false;
  std::vector<Tensor> in;
  for (const Tensor* t : inputs) in.push_back(t ? *t : Tensor());
  outputs.clear();
  for (const auto& t : output_types)
    outputs.push_back(t.dtype == DataType::kUndefined ? Tensor() : Tensor(t.dtype, t.shape));
  kernel->run(KernelArgs{node, in, outputs});
  return true;
}

namespace {
// Ops whose output depends only on their inputs' shapes: their value is known whenever the
// shapes are, which is what resolves PyTorch's Shape -> Gather -> Concat -> Reshape chains.
bool reads_only_shapes(const std::string& op_type) {
  return op_type == "Shape" || op_type == "Size";
}
}  // namespace

ConcreteInference infer_concrete(const Graph& graph, const std::vector<TensorType>& input_types,
                                 const InferOptions& options) {
  ConcreteInference result;
  if (input_types.size() != graph.inputs.size())
    throw Error("shape inference: expected " + std::to_string(graph.inputs.size()) +
                " input types, got " + std::to_string(input_types.size()));
  for (size_t i = 0; i < graph.inputs.size(); ++i) {
    result.types[graph.inputs[i]] = input_types[i];
    if (i < options.input_values.size() && options.input_values[i])
      result.values[graph.inputs[i]] = *options.input_values[i];
  }
  for (const Value* v : graph.values()) {
    if (!v->is_constant()) continue;
    result.types[v] = TensorType{v->constant->dtype(), v->constant->shape()};
    result.values[v] = *v->constant;
  }
  for (const Node* node : graph.nodes()) {
    const OpSchema* schema = OpRegistry::instance().find(node->op_type);
    if (!schema) throw Error(node->describe() + ": unsupported op type '" + node->op_type + "'");
    std::vector<TensorType> in_types;
    std::vector<const Tensor*> in_values;
    bool all_known = true;
    bool deferred = false;
    for (size_t i = 0; i < node->inputs.size(); ++i) {
      const Value* in = node->inputs[i];
      if (!in) {
        in_types.emplace_back();
        in_values.push_back(nullptr);
        continue;
      }
      if (result.deferred.count(in)) {
        deferred = true;
        break;
      }
      auto t = result.types.find(in);
      if (t == result.types.end())
        throw Error(node->describe() + ": input '" + in->name + "' has no inferred type");
      in_types.push_back(t->second);
      auto v = result.values.find(in);
      in_values.push_back(v == result.values.end() ? nullptr : &v->second);
      if (v == result.values.end()) all_known = false;
    }
    auto defer_outputs = [&] {
      for (const Value* out : node->outputs)
        if (out) result.deferred.insert(out);
    };
    if (deferred) {
      defer_outputs();
      continue;
    }
    InferContext ctx(*node, in_types, in_values);
    std::vector<TensorType> out_types(node->outputs.size());
    try {
      schema->infer(ctx, out_types);
    } catch (const ValueNotKnown&) {
      if (!options.defer_unknown_values) throw;
      defer_outputs();
      continue;
    }
    for (size_t i = 0; i < node->outputs.size(); ++i) {
      if (!node->outputs[i]) continue;
      if (out_types[i].dtype == DataType::kUndefined)
        throw Error(node->describe() + ": shape inference gave no type for output " +
                    std::to_string(i));
      for (int64_t d : out_types[i].shape)
        if (d < 0)
          throw Error(node->describe() + ": inferred a negative dimension for output '" +
                      node->outputs[i]->name + "' " + shape_to_string(out_types[i].shape));
      result.types[node->outputs[i]] = out_types[i];
    }
    // Propagate values of small tensors computed only from known values.
    std::vector<Tensor> shape_only_inputs;
    if (!all_known && reads_only_shapes(node->op_type)) {
      // Data-less views: the kernel reads shapes only.
      shape_only_inputs.reserve(in_types.size());
      for (size_t i = 0; i < in_types.size(); ++i) {
        if (in_values[i] || in_types[i].dtype == DataType::kUndefined) continue;
        shape_only_inputs.push_back(Tensor::borrow(in_types[i].dtype, in_types[i].shape, nullptr));
        in_values[i] = &shape_only_inputs.back();
      }
      all_known = true;
    }
    if (!all_known || !schema->foldable) continue;
    bool small = true;
    for (size_t i = 0; i < out_types.size(); ++i)
      if (node->outputs[i] && shape_numel(out_types[i].shape) > kMaxPropagatedElements)
        small = false;
    if (!small) continue;
    std::vector<Tensor> outs;
    if (!evaluate_node(*node, in_values, out_types, outs)) continue;
    for (size_t i = 0; i < node->outputs.size(); ++i)
      if (node->outputs[i]) result.values[node->outputs[i]] = std::move(outs[i]);
  }
  return result;
}

}  // namespace qrt::ir
