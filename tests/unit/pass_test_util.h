// Helpers for building small graphs in pass tests.
#pragma once

#include <string>
#include <vector>

#include "ir/graph.h"

namespace qrt::test {

inline ir::SymShape static_shape(const std::vector<int64_t>& dims) {
  ir::SymShape s;
  for (int64_t d : dims) s.push_back(ir::Dim{d, {}});
  return s;
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

}  // namespace qrt::test
