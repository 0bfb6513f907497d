// Per-shape execution plans: shape computations resolved up front, activations in one arena.
#include "runtime/engine_impl.h"
#include "runtime/memory_planner.h"

namespace qrt {

ExecPlan make_exec_plan(const EngineImpl& engine, const std::vector<ir::TensorType>& inputs) {
  ExecPlan plan;
  plan.inference = ir::infer_concrete(engine.graph, inputs);
  const auto& nodes = engine.nodes;
  plan.precomputed.assign(nodes.size(), false);
  std::vector<runtime::BufferRequest> requests;
  std::vector<const ir::Value*> owners;
  std::map<const ir::Value*, size_t> request_of;
  for (size_t i = 0; i < nodes.size(); ++i) {
    bool known = true;
    for (const ir::Value* out : nodes[i]->outputs)
      if (out && !plan.inference.values.count(out)) known = false;
    plan.precomputed[i] = known;
    if (known) continue;
    const int step = static_cast<int>(i);
    for (const ir::Value* in : nodes[i]->inputs) {
      auto it = in ? request_of.find(in) : request_of.end();
      if (it != request_of.end()) requests[it->second].last = step;
    }
    for (const ir::Value* out : nodes[i]->outputs) {
      if (!out || engine.graph.is_graph_output(out)) continue;
      const auto& t = plan.inference.types.at(out);
      request_of[out] = requests.size();
      requests.push_back({static_cast<size_t>(shape_numel(t.shape)) * dtype_size(t.dtype), step, step});
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
