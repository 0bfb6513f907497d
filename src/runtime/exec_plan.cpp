// Per-shape execution plans: shape computations resolved up front, activations in one arena.
#include "runtime/engine_impl.h"
#include "runtime/memory_planner.h"

namespace qrt {

namespace {
// Chooses the kernel of a node whose shapes were unknown at build time.
const KernelDef* choose_deferred_kernel(const ir::Node& node, const ir::ConcreteInference& inf) {
  NodeTypes types;
  for (const ir::Value* in : node.inputs)
    types.inputs.push_back(in ? inf.types.at(in) : ir::TensorType{});
  for (const ir::Value* out : node.outputs)
    types.outputs.push_back(out ? inf.types.at(out) : ir::TensorType{});
  std::string why;
  const KernelDef* k = KernelRegistry::instance().select(node, node.backend, types, &why);
  if (!k) throw Error(node.describe() + ": " + why);
  return k;
}
}  // namespace

ExecPlan make_exec_plan(const EngineImpl& engine, const std::vector<ir::TensorType>& inputs,
                        const std::vector<const Tensor*>& input_values, bool estimate_only) {
  ExecPlan plan;
  ir::InferOptions options;
  options.input_values = input_values;
  options.defer_unknown_values = estimate_only;
  plan.inference = ir::infer_concrete(engine.graph, inputs, options);
  const auto& nodes = engine.nodes;
  plan.precomputed.assign(nodes.size(), false);
  plan.kernels = engine.kernels;
  std::vector<runtime::BufferRequest> requests;
  std::vector<const ir::Value*> owners;
  std::map<const ir::Value*, size_t> request_of;
  for (size_t i = 0; i < nodes.size(); ++i) {
    bool known = true, deferred = false;
    for (const ir::Value* out : nodes[i]->outputs) {
      if (out && !plan.inference.values.count(out)) known = false;
      if (out && plan.inference.deferred.count(out)) deferred = true;
    }
    plan.precomputed[i] = known;
    if (known || deferred) continue;
    if (!plan.kernels[i]) plan.kernels[i] = choose_deferred_kernel(*nodes[i], plan.inference);
    const int step = static_cast<int>(i);
    for (const ir::Value* in : nodes[i]->inputs) {
      auto it = in ? request_of.find(in) : request_of.end();
      if (it != request_of.end()) requests[it->second].last = step;
    }
    for (const ir::Value* out : nodes[i]->outputs) {
      if (!out || engine.graph.is_graph_output(out)) continue;
      const auto& t = plan.inference.types.at(out);
      request_of[out] = requests.size();
      requests.push_back(
          {static_cast<size_t>(shape_numel(t.shape)) * dtype_size(t.dtype), step, step});
      owners.push_back(out);
    }
  }
  const runtime::MemoryPlan memory = runtime::plan_memory(requests);
  for (size_t r = 0; r < owners.size(); ++r) plan.arena_offset[owners[r]] = memory.offsets[r];
  plan.arena_bytes = memory.arena_bytes;
  plan.unshared_bytes = memory.unshared_bytes;
  return plan;
}

}  // namespace qrt
