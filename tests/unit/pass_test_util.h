// Helpers for building small graphs in pass tests.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "ir/graph.h"
#include "ir/shape_inference.h"

namespace qrt::test {

inline ir::SymShape static_shape(const std::vector<int64_t>& dims) {
  ir::SymShape s;
  for (int64_t d : dims) s.push_back(ir::Dim{d, {}});
  return s;
}

// Fills in every value's dtype and (static) shape from the inputs' types, as the builder's
// annotation does.
inline void annotate(ir::Graph& g, const std::vector<Tensor>& inputs) {
  std::vector<ir::TensorType> types;
  for (const Tensor& t : inputs) types.push_back({t.dtype(), t.shape()});
  const ir::ConcreteInference inferred = ir::infer_concrete(g, types);
  for (const auto& [value, type] : inferred.types) {
    auto* v = const_cast<ir::Value*>(value);
    v->dtype = type.dtype;
    v->shape = static_shape(type.shape);
  }
}

// A graph input with a known type; dims of -1 become the batch symbol "N".
inline ir::Value* add_input(ir::Graph& g, const std::string& name, const std::vector<int64_t>& dims,
                            DataType dtype = DataType::kFloat32) {
  ir::Value* v = g.add_value(name);
  v->dtype = dtype;
  for (int64_t d : dims) v->shape.push_back(d < 0 ? ir::Dim{-1, "N"} : ir::Dim{d, {}});
  g.inputs.push_back(v);
  return v;
}

// An intermediate value with a known type.
inline ir::Value* add_typed(ir::Graph& g, const std::string& name, const ir::SymShape& shape,
                            DataType dtype = DataType::kFloat32) {
  ir::Value* v = g.add_value(name);
  v->dtype = dtype;
  v->shape = shape;
  return v;
}

inline std::vector<std::string> op_types(const ir::Graph& g) {
  std::vector<std::string> out;
  for (const ir::Node* n : g.nodes()) out.push_back(n->op_type);
  return out;
}

// Runs the graph on the reference kernels: concrete inference, then each node in order.
inline std::vector<Tensor> run_graph(const ir::Graph& g, const std::vector<Tensor>& inputs) {
  std::vector<ir::TensorType> input_types;
  for (const Tensor& t : inputs) input_types.push_back({t.dtype(), t.shape()});
  ir::ConcreteInference inferred = ir::infer_concrete(g, input_types);
  std::unordered_map<const ir::Value*, Tensor>& values = inferred.values;
  for (size_t i = 0; i < inputs.size(); ++i) values[g.inputs[i]] = inputs[i];
  for (const ir::Node* node : g.nodes()) {
    std::vector<const Tensor*> in;
    for (const ir::Value* v : node->inputs) in.push_back(v ? &values.at(v) : nullptr);
    std::vector<ir::TensorType> out_types;
    for (const ir::Value* v : node->outputs)
      out_types.push_back(v ? inferred.types.at(v) : ir::TensorType{});
    std::vector<Tensor> out;
    if (!ir::evaluate_node(*node, in, out_types, out))
      throw Error("no reference kernel for " + node->describe());
    for (size_t i = 0; i < out.size(); ++i)
      if (node->outputs[i]) values[node->outputs[i]] = out[i];
  }
  std::vector<Tensor> outputs;
  for (const ir::Value* v : g.outputs) outputs.push_back(values.at(v));
  return outputs;
}

}  // namespace qrt::test
