// The kernel registry: every kernel of every backend, keyed by (op type, backend, dtype).
//
// The list of ops qrt supports is derived from here (supported_op_types), never kept by hand.
// Kernels register themselves with QRT_REGISTER_KERNEL in src/backends/<backend>/<op>.cpp.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/op_schema.h"
#include "qrt/tensor.h"

namespace qrt {

// What a kernel sees when it runs: the node (attributes), its input tensors (an undefined
// Tensor for an omitted optional input) and its output tensors, already allocated with their
// inferred shapes.
struct KernelArgs {
  const ir::Node& node;
  std::span<const Tensor> inputs;
  std::span<Tensor> outputs;
  // Backend-specific run-time resources (cuda: a cuda::Resources with stream and handles);
  // null for the reference backend.
  const void* resources = nullptr;
  // Device kernels: host copies of the inputs whose values are known before the run (weights,
  // shape tensors, axes, scales), an undefined Tensor elsewhere; empty for host kernels, whose
  // inputs are host tensors already.
  std::span<const Tensor> host_inputs = {};

  const Tensor& in(size_t i) const { return inputs[i]; }
  bool has_in(size_t i) const { return i < inputs.size() && inputs[i].defined(); }
  Tensor& out(size_t i) const { return outputs[i]; }
};

using KernelFn = std::function<void(const KernelArgs&)>;

// Types and shapes of a node's inputs and outputs, for support predicates.
struct NodeTypes {
  std::vector<ir::TensorType> inputs;  // dtype kUndefined for an omitted optional input
  std::vector<ir::TensorType> outputs;
};

// Returns true when the kernel can run the node; otherwise may explain why in *reason.
using SupportFn =
    std::function<bool(const ir::Node& node, const NodeTypes& types, std::string* reason)>;

// Build-time tactic selection (GPU backends): called once per node with its concrete types at
// the batch profile's opt batch and the builder's backend resources (cuda: a cuda::Resources);
// times the kernel's candidates and returns the chosen tactic, which the builder stores in
// node.tactic (and the plan) and the kernel reads back at run time. An empty string means
// "the kernel's default".
using TuneFn =
    std::function<std::string(const ir::Node& node, const NodeTypes& types, const void* resources)>;

// The dtype kernels are keyed by: the first present input's dtype, or the first output's
// dtype for ops without inputs (Constant, Range's outputs follow inputs anyway).
DataType kernel_key_dtype(const NodeTypes& types);

// A kernel registered with dtype kUndefined accepts any key dtype (data movement ops).
struct KernelDef {
  std::string op_type;
  std::string backend;
  DataType dtype = DataType::kUndefined;
  KernelFn run;
  SupportFn supports;  // empty: supports every node of this op/dtype
  TuneFn tune;         // empty: nothing to choose at build time

  static KernelDef make(std::string op, std::string backend_name, DataType key, KernelFn fn,
                        SupportFn support = {}, TuneFn tuner = {}) {
    return KernelDef{std::move(op), std::move(backend_name), key,
                     std::move(fn), std::move(support),      std::move(tuner)};
  }
};

// The reference backend computes f16 nodes in f32: for key dtype f16 without an f16 or
// dtype-generic kernel, find / select return an adapter around the op's f32 kernel that widens
// the f16 inputs, runs it and rounds each f16 output once (other tensors pass through).
class KernelRegistry {
 public:
  static KernelRegistry& instance();
  void add(KernelDef def);
  // The best kernel for (op, backend, dtype): exact dtype first, then a kUndefined one, then
  // (reference, f16) the f16 adapter of the f32 kernel.
  const KernelDef* find(const std::string& op_type, const std::string& backend,
                        DataType dtype) const;
  // Finds a kernel whose support predicate accepts the node, in find's order; nullptr with
  // *reason set if none.
  const KernelDef* select(const ir::Node& node, const std::string& backend, const NodeTypes& types,
                          std::string* reason) const;
  std::vector<std::string> supported_op_types(const std::string& backend) const;
  std::vector<std::string> backends() const;
  // The registered kernels (f16 adapters are not among them).
  const std::vector<KernelDef>& all() const { return defs_; }

 private:
  // The f16 adapter of an f32 kernel, made on first use and kept (thread-safe).
  const KernelDef* f16_adapter(const KernelDef& f32_kernel) const;

  std::vector<KernelDef> defs_;
  mutable std::mutex adapters_mutex_;
  mutable std::map<const KernelDef*, std::unique_ptr<KernelDef>> f16_adapters_;
};

struct KernelRegistrar {
  explicit KernelRegistrar(KernelDef def) { KernelRegistry::instance().add(std::move(def)); }
};

// QRT_REGISTER_KERNEL("Relu", "reference", DataType::kFloat32, relu_f32) — optionally a
// fifth argument: a SupportFn, and a sixth: a TuneFn.
#define QRT_REGISTER_KERNEL(...)                                        \
  static const ::qrt::KernelRegistrar QRT_CONCAT(qrt_kernel_registrar_, \
                                                 __LINE__)(::qrt::KernelDef::make(__VA_ARGS__))

// A backend's build-time graph rewrite, run after kernel selection on the whole graph; it
// touches only nodes assigned to its backend (node.backend), e.g. to store their weights in the
// layout and type the backend's kernels read (packed once, kept in the plan). Registered with
// QRT_REGISTER_BACKEND_PASS("cuda", "pack_conv_weights", fn); run in name order.
using BackendPassFn = std::function<void(ir::Graph& graph)>;
struct BackendPass {
  std::string backend;
  std::string name;
  BackendPassFn run;
};
std::vector<BackendPass>& backend_passes();
struct BackendPassRegistrar {
  BackendPassRegistrar(std::string backend, std::string name, BackendPassFn fn) {
    backend_passes().push_back({std::move(backend), std::move(name), std::move(fn)});
  }
};
#define QRT_REGISTER_BACKEND_PASS(backend, name, fn)                                          \
  static const ::qrt::BackendPassRegistrar QRT_CONCAT(qrt_backend_pass_registrar_, __LINE__)( \
      backend, name, fn)

}  // namespace qrt
