// Per-shape execution plans: shape computations resolved up front, activations in one arena per
// memory (host, device), copies where a value crosses between them.
#include <algorithm>
#include <atomic>

#include "runtime/engine_impl.h"
#include "runtime/memory_planner.h"

namespace qrt {

Location backend_location(const std::string& backend) {
  return backend == "cuda" ? Location::kDevice : Location::kHost;
}

bool EngineImpl::uses_device() const {
  return std::any_of(nodes.begin(), nodes.end(), [](const ir::Node* n) {
    return backend_location(n->backend) == Location::kDevice;
  });
}

int64_t activation_block(const std::string& layout) {
  if (layout == "nChw16c") return 16;
  if (layout == "nChw8c") return 8;
  if (layout == "nChw4c") return 4;
  return 1;
}

std::string stored_layout(const ir::Node& node, size_t output) {
  if (node.backend != "cpu") return "";
  std::string layout;
  if (node.op_type == "Reorder" && node.domain == "qrt")
    layout = node.attr_string("to", "");
  else if (output == 0)
    layout = node.attr_string("cpu_layout", "");
  return activation_block(layout) > 1 ? layout : "";
}

size_t value_bytes(const ir::Value& value, const ir::TensorType& type) {
  std::vector<int64_t> shape = type.shape;
  if (value.producer && shape.size() == 4) {
    const auto& outs = value.producer->outputs;
    const auto at = std::find(outs.begin(), outs.end(), &value);
    if (at != outs.end()) {
      const int64_t block =
          activation_block(stored_layout(*value.producer, static_cast<size_t>(at - outs.begin())));
      shape[3] = (shape[3] + block - 1) / block * block;
    }
  }
  return static_cast<size_t>(shape_numel(shape)) * dtype_size(type.dtype);
}

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

// Buffer requests of one memory (host or device), by value.
struct ArenaRequests {
  std::vector<runtime::BufferRequest> requests;
  std::vector<const ir::Value*> owners;
  std::map<const ir::Value*, size_t> index;

  bool has(const ir::Value* v) const { return index.count(v) > 0; }
  void add(const ir::Value* v, size_t bytes, int step) {
    index[v] = requests.size();
    requests.push_back({bytes, step, step});
    owners.push_back(v);
  }
  void extend(const ir::Value* v, int step) {
    auto it = index.find(v);
    if (it != index.end()) requests[it->second].last = std::max(requests[it->second].last, step);
  }
  size_t plan(std::map<const ir::Value*, size_t>& offsets, size_t* unshared,
              size_t alignment) const {
    const runtime::MemoryPlan memory = runtime::plan_memory(requests, alignment);
    for (size_t r = 0; r < owners.size(); ++r) offsets[owners[r]] = memory.offsets[r];
    if (unshared) *unshared = memory.unshared_bytes;
    return memory.arena_bytes;
  }
};
}  // namespace

ExecPlan make_exec_plan(const EngineImpl& engine, const std::vector<ir::TensorType>& inputs,
                        const std::vector<const Tensor*>& input_values, bool estimate_only) {
  static std::atomic<uint64_t> next_id{1};
  ExecPlan plan;
  plan.id = next_id++;
  ir::InferOptions options;
  options.input_values = input_values;
  options.defer_unknown_values = estimate_only;
  plan.inference = ir::infer_concrete(engine.graph, inputs, options);
  const auto& nodes = engine.nodes;
  const auto& graph = engine.graph;
  plan.precomputed.assign(nodes.size(), false);
  plan.kernels = engine.kernels;
  std::vector<bool> skipped(nodes.size(), false);
  for (size_t i = 0; i < nodes.size(); ++i) {
    bool known = true, deferred = false;
    for (const ir::Value* out : nodes[i]->outputs) {
      if (out && !plan.inference.values.count(out)) known = false;
      if (out && plan.inference.deferred.count(out)) deferred = true;
    }
    plan.precomputed[i] = known;
    skipped[i] = known || deferred;
    if (!skipped[i] && backend_location(nodes[i]->backend) == Location::kDevice)
      plan.uses_device = true;
  }
  auto bytes_of = [&](const ir::Value* v) { return value_bytes(*v, plan.inference.types.at(v)); };
  auto known = [&](const ir::Value* v) { return plan.inference.values.count(v) > 0; };

  ArenaRequests host, device;
  std::map<const ir::Value*, Location> home;
  // Device plans stage graph inputs and outputs in the (pinned) host arena: copies to and from
  // the device then read and write fixed addresses, which a captured CUDA graph needs. Inputs
  // keep their place for the whole run (extended below): callers may fill them in place once
  // and run again (ExecutionContext::input_buffers), so nothing else may reuse that memory.
  if (plan.uses_device)
    for (const ir::Value* in : graph.inputs)
      if (!known(in)) host.add(in, bytes_of(in), 0);
  for (const ir::Value* in : graph.inputs) home[in] = Location::kHost;

  for (size_t i = 0; i < nodes.size(); ++i) {
    if (skipped[i]) continue;
    const ir::Node& node = *nodes[i];
    if (!plan.kernels[i]) plan.kernels[i] = choose_deferred_kernel(node, plan.inference);
    const Location where = backend_location(node.backend);
    ArenaRequests& here = where == Location::kDevice ? device : host;
    for (const ir::Value* in : node.inputs) {
      if (!in) continue;
      if (known(in)) {
        if (where == Location::kDevice &&
            std::find(plan.device_constants.begin(), plan.device_constants.end(), in) ==
                plan.device_constants.end())
          plan.device_constants.push_back(in);
        continue;
      }
      if (home.at(in) != where && !here.has(in)) {
        // The value lives in the other memory: copy it over first.
        const int copy_step = static_cast<int>(plan.steps.size());
        ExecStep copy;
        copy.kind =
            where == Location::kDevice ? ExecStep::Kind::kUpload : ExecStep::Kind::kDownload;
        copy.value = in;
        plan.steps.push_back(copy);
        (where == Location::kDevice ? host : device).extend(in, copy_step);
        here.add(in, bytes_of(in), copy_step);
      }
    }
    const int step = static_cast<int>(plan.steps.size());
    for (const ir::Value* in : node.inputs)
      if (in && !known(in)) here.extend(in, step);
    ExecStep run;
    run.node = i;
    plan.steps.push_back(run);
    for (const ir::Value* out : node.outputs) {
      if (!out) continue;
      home[out] = where;
      // Host-only plans give graph outputs buffers of their own (results outlive the run).
      if (!plan.uses_device && graph.is_graph_output(out)) continue;
      here.add(out, bytes_of(out), step);
    }
  }
  if (plan.uses_device) {
    // Graph outputs end in the host arena, where run() copies them out.
    for (const ir::Value* out : graph.outputs) {
      if (known(out) || graph.is_graph_input(out)) continue;
      if (home.at(out) == Location::kDevice && !host.has(out)) {
        const int copy_step = static_cast<int>(plan.steps.size());
        ExecStep copy;
        copy.kind = ExecStep::Kind::kDownload;
        copy.value = out;
        plan.steps.push_back(copy);
        device.extend(out, copy_step);
        host.add(out, bytes_of(out), copy_step);
      }
    }
    const int end = static_cast<int>(plan.steps.size());
    for (const ir::Value* out : graph.outputs) host.extend(out, end);
    for (const ir::Value* in : graph.inputs) host.extend(in, end);
  }
  plan.arena_bytes = host.plan(plan.arena_offset, &plan.unshared_bytes, 64);
  // 256-byte alignment on the device: vectorised and tensor-core loads want aligned rows.
  size_t device_unshared = 0;
  plan.device_arena_bytes = device.plan(plan.device_offset, &device_unshared, 256);
  plan.unshared_bytes += device_unshared;
  return plan;
}

}  // namespace qrt
