// Helpers shared by the folding passes.
#pragma once

#include "ir/graph.h"
#include "qrt/tensor.h"

namespace qrt::passes {

// The value's tensor when it is a constant the graph cannot override (a graph input that
// also has an initializer is fed by the caller at run time).
inline const Tensor* constant_of(const ir::Graph& graph, const ir::Value* v) {
  if (!v || !v->is_constant() || graph.is_graph_input(v)) return nullptr;
  return &*v->constant;
}

// Makes `v` a constant holding `t` (its name, dtype and shape follow), detached from the node
// that produced it.
inline void make_constant(ir::Value* v, Tensor t) {
  v->dtype = t.dtype();
  v->shape.clear();
  for (int64_t d : t.shape()) v->shape.push_back(ir::Dim{d, {}});
  v->constant = std::move(t);
  v->producer = nullptr;
}

}  // namespace qrt::passes
