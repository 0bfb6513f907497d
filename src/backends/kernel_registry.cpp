#include "backends/kernel_registry.h"

#include <algorithm>
#include <set>

namespace qrt {

DataType kernel_key_dtype(const NodeTypes& types) {
  for (const auto& t : types.inputs)
    if (t.dtype != DataType::kUndefined) return t.dtype;
  for (const auto& t : types.outputs)
    if (t.dtype != DataType::kUndefined) return t.dtype;
  return DataType::kUndefined;
}

KernelRegistry& KernelRegistry::instance() {
  static KernelRegistry registry;
  return registry;
}

void KernelRegistry::add(KernelDef def) { defs_.push_back(std::move(def)); }

const KernelDef* KernelRegistry::find(const std::string& op_type, const std::string& backend,
                                      DataType dtype) const {
  const KernelDef* generic = nullptr;
  for (const auto& d : defs_) {
    if (d.op_type != op_type || d.backend != backend) continue;
    if (d.dtype == dtype) return &d;
    if (d.dtype == DataType::kUndefined && !generic) generic = &d;
  }
  return generic;
}

const KernelDef* KernelRegistry::select(const ir::Node& node, const std::string& backend,
                                        const NodeTypes& types, std::string* reason) const {
  const DataType key = kernel_key_dtype(types);
  bool op_known = false;
  std::string last_reason;
  // Exact dtype first, then dtype-generic kernels.
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& d : defs_) {
      if (d.op_type != node.op_type || d.backend != backend) continue;
      op_known = true;
      const bool match = pass == 0 ? d.dtype == key : d.dtype == DataType::kUndefined;
      if (!match) continue;
      std::string why;
      if (!d.supports || d.supports(node, types, &why)) return &d;
      if (!why.empty()) last_reason = why;
    }
  }
  if (reason) {
    if (!op_known)
      *reason = "no " + backend + " kernel for " + node.op_type;
    else if (!last_reason.empty())
      *reason = last_reason;
    else
      *reason = "no " + backend + " kernel for " + node.op_type + " with element type " +
                std::string(dtype_name(key));
  }
  return nullptr;
}

std::vector<std::string> KernelRegistry::supported_op_types(const std::string& backend) const {
  std::set<std::string> ops;
  for (const auto& d : defs_)
    if (d.backend == backend) ops.insert(d.op_type);
  return {ops.begin(), ops.end()};
}

std::vector<std::string> KernelRegistry::backends() const {
  std::set<std::string> names;
  for (const auto& d : defs_) names.insert(d.backend);
  return {names.begin(), names.end()};
}

}  // namespace qrt
