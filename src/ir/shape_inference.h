// Shape inference over a whole graph with concrete input shapes, propagating the values of
// small tensors (the Shape -> Gather -> Concat -> Reshape chains exporters emit) by running
// their reference kernels.
#pragma once

#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "ir/graph.h"
#include "ir/op_schema.h"

namespace qrt::ir {

// Tensors up to this many elements whose inputs are all known get evaluated during inference.
inline constexpr int64_t kMaxPropagatedElements = 4096;

struct ConcreteInference {
  std::unordered_map<const Value*, TensorType> types;
  // Values known without running the model: initializers, given input values and propagated
  // small tensors.
  std::unordered_map<const Value*, Tensor> values;
  // With InferOptions::defer_unknown_values: values whose type depends on a value not known
  // now (they have no entry in `types`).
  std::unordered_set<const Value*> deferred;
};

struct InferOptions {
  // Instead of failing on a needed but unknown value, mark the node's outputs (and everything
  // downstream) deferred.
  bool defer_unknown_values = false;
  // Known values of graph inputs (same order as graph.inputs; nullptr or shorter = unknown).
  std::vector<const Tensor*> input_values;
};

// Infers every value's type and shape, given one TensorType per graph input (same order as
// graph.inputs). Nodes must be topologically ordered. Throws qrt::Error naming the node.
ConcreteInference infer_concrete(const Graph& graph, const std::vector<TensorType>& input_types,
                                 const InferOptions& options = {});

// Evaluates one node on known inputs with the reference kernels; false when no reference
// kernel exists for it.
bool evaluate_node(const Node& node, const std::vector<const Tensor*>& inputs,
                   const std::vector<TensorType>& output_types, std::vector<Tensor>& outputs);

}  // namespace qrt::ir
