#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <unordered_map>

#include "runtime/engine_impl.h"

namespace qrt {

struct ContextState {
  // Plans by concrete input shapes; a handful at most (one per batch size in use).
  std::map<std::vector<int64_t>, std::unique_ptr<ExecPlan>> plans;
  std::unique_ptr<void, decltype(&std::free)> arena{nullptr, &std::free};
  size_t arena_size = 0;
  // GPU engines: the device side, made on the first run; the plan of the last run.
  DeviceContextOptions device_options;
  std::unique_ptr<DeviceContext> device;
  const ExecPlan* last_device_plan = nullptr;
  // The cpu backend's primitives and reordered weights, made on first use (KernelArgs::resources
  // of cpu nodes).
  std::shared_ptr<void> cpu_backend = make_cpu_backend_state();
  bool rebuild_on_overflow = false;
  std::function<void(const std::string&)> rebuild_notice;
  std::vector<int64_t> signature;  // scratch for plan keys, kept to reuse its memory

  DeviceContext& device_context(const EngineImpl& engine) {
    if (!device) {
      device_options.cpu_backend_state = cpu_backend.get();
      device = make_cuda_device_context(engine, device_options);
    }
    return *device;
  }
};

namespace {
constexpr size_t kMaxCachedPlans = 16;

std::string profile_text(const BatchProfile& p) {
  return std::to_string(p.min) + ":" + std::to_string(p.opt) + ":" + std::to_string(p.max);
}

// Checks user inputs against the engine; returns them in graph-input order.
std::vector<const Tensor*> check_inputs(const EngineImpl& engine,
                                        const std::map<std::string, Tensor>& inputs) {
  const auto& graph_inputs = engine.graph.inputs;
  for (const auto& [name, tensor] : inputs) {
    bool found = false;
    for (const ir::Value* v : graph_inputs) found |= v->name == name;
    if (!found) {
      std::string names;
      for (const ir::Value* v : graph_inputs)
        names += (names.empty() ? "'" : ", '") + v->name + "'";
      throw Error("unknown input '" + name + "' (engine inputs: " + names + ")");
    }
  }
  std::vector<const Tensor*> ordered;
  ordered.reserve(graph_inputs.size());
  int64_t batch = -1;
  for (size_t i = 0; i < graph_inputs.size(); ++i) {
    const ir::Value* v = graph_inputs[i];
    auto it = inputs.find(v->name);
    if (it == inputs.end()) throw Error("missing input '" + v->name + "'");
    const Tensor& t = it->second;
    auto what = [&] { return "input '" + v->name + "'"; };
    if (t.dtype() != v->dtype)
      throw Error(what() + ": element type " + std::string(dtype_name(t.dtype())) +
                  " does not match the engine's " + std::string(dtype_name(v->dtype)));
    if (t.rank() != v->shape.size())
      throw Error(what() + ": shape " + shape_to_string(t.shape()) + " has rank " +
                  std::to_string(t.rank()) + ", the engine expects " +
                  ir::sym_shape_to_string(v->shape));
    for (size_t d = 0; d < t.rank(); ++d) {
      if (d == 0 && engine.input_batched[i]) continue;
      if (t.dim(d) != v->shape[d].value)
        throw Error(what() + ": shape " + shape_to_string(t.shape()) +
                    " does not match the engine's " + ir::sym_shape_to_string(v->shape) +
                    " (dimension " + std::to_string(d) + ")");
    }
    if (engine.input_batched[i]) {
      const int64_t b = t.dim(0);
      if (b < engine.batch.min || b > engine.batch.max)
        throw Error(
            what() + ": batch " + std::to_string(b) + " is outside the engine's batch range [" +
            std::to_string(engine.batch.min) + ", " + std::to_string(engine.batch.max) +
            "] (profile " + profile_text(engine.batch) + ")" +
            (b > engine.batch.max ? "; rebuild on overflow (--rebuild-on-overflow) is off" : ""));
      if (batch >= 0 && b != batch)
        throw Error(what() + ": batch " + std::to_string(b) +
                    " differs from another input's batch " + std::to_string(batch));
      batch = b;
    }
    ordered.push_back(&t);
  }
  return ordered;
}

// With rebuild on overflow on, a batch above the profile's MAX makes this context's engine one
// rebuilt for it (plans and device state were made for the old one).
void rebuild_if_overflowing(ContextState& state, std::shared_ptr<const EngineImpl>& engine,
                            int64_t batch) {
  if (!state.rebuild_on_overflow || !engine->has_batch || batch <= engine->batch.max) return;
  const std::string notice = rebuild_notice(*engine, batch);
  if (state.rebuild_notice)
    state.rebuild_notice(notice);
  else
    std::cerr << "qrt: " << notice << "\n";
  state.last_device_plan = nullptr;
  state.device.reset();
  state.plans.clear();
  engine = rebuild_for_batch(*engine, batch);
}

// The plan for these (checked) inputs, in graph-input order: keyed by their shapes, plus the
// values of inputs whose values decide shapes; made on first use.
const ExecPlan& find_plan(ContextState& state, const EngineImpl& engine,
                          const std::vector<const Tensor*>& ordered) {
  std::vector<int64_t>& signature = state.signature;
  signature.clear();
  auto value_matters = [&](size_t i) {
    return engine.input_values_matter[i] && ordered[i]->numel() <= ir::kMaxPropagatedElements;
  };
  for (size_t i = 0; i < ordered.size(); ++i) {
    const Tensor* t = ordered[i];
    signature.insert(signature.end(), t->shape().begin(), t->shape().end());
    signature.push_back(-1);
    if (value_matters(i)) {
      const auto* bytes = static_cast<const unsigned char*>(t->data());
      signature.insert(signature.end(), bytes, bytes + t->nbytes());
      signature.push_back(-1);
    }
  }
  auto found = state.plans.find(signature);
  if (found != state.plans.end()) return *found->second;
  if (state.plans.size() >= kMaxCachedPlans) {
    state.plans.clear();
    state.last_device_plan = nullptr;
  }
  std::vector<ir::TensorType> types;
  std::vector<const Tensor*> values(ordered.size(), nullptr);
  for (size_t i = 0; i < ordered.size(); ++i) {
    types.push_back({ordered[i]->dtype(), ordered[i]->shape()});
    if (value_matters(i)) values[i] = ordered[i];
  }
  return *state.plans
              .emplace(signature, std::make_unique<ExecPlan>(make_exec_plan(engine, types, values)))
              .first->second;
}
}  // namespace

ExecutionContext::ExecutionContext(std::shared_ptr<const EngineImpl> engine)
    : engine_(std::move(engine)), state_(std::make_unique<ContextState>()) {}

ExecutionContext::~ExecutionContext() = default;

size_t ExecutionContext::arena_bytes() const { return state_->arena_size; }

std::map<std::string, Tensor> ExecutionContext::run(const std::map<std::string, Tensor>& inputs) {
  return run(inputs, TensorCallback{});
}

void ExecutionContext::set_rebuild_on_overflow(bool enabled,
                                               std::function<void(const std::string&)> notice) {
  state_->rebuild_on_overflow = enabled;
  state_->rebuild_notice = std::move(notice);
}

std::map<std::string, Tensor> ExecutionContext::run(const std::map<std::string, Tensor>& inputs,
                                                    const TensorCallback& each_tensor) {
  if (state_->rebuild_on_overflow && engine_->has_batch) {
    int64_t batch = 0;
    for (size_t i = 0; i < engine_->graph.inputs.size(); ++i) {
      auto it = inputs.find(engine_->graph.inputs[i]->name);
      if (engine_->input_batched[i] && it != inputs.end() && it->second.rank() > 0)
        batch = std::max(batch, it->second.dim(0));
    }
    rebuild_if_overflowing(*state_, engine_, batch);
  }
  const EngineImpl& engine = *engine_;
  const auto ordered = check_inputs(engine, inputs);
  const ExecPlan& plan = find_plan(*state_, engine, ordered);
  if (plan.uses_device) {
    DeviceContext& device = state_->device_context(engine);
    state_->last_device_plan = &plan;
    return device.run(plan, ordered, each_tensor);
  }
  if (state_->arena_size < plan.arena_bytes) {
    void* p = std::aligned_alloc(64, (plan.arena_bytes + 63) / 64 * 64);
    if (!p)
      throw Error("out of host memory: the activation arena needs " +
                  std::to_string(plan.arena_bytes) + " bytes");
    state_->arena.reset(p);
    state_->arena_size = plan.arena_bytes;
  }
  auto* arena = static_cast<std::byte*>(state_->arena.get());

  std::unordered_map<const ir::Value*, Tensor> bound;
  for (size_t i = 0; i < ordered.size(); ++i) bound[engine.graph.inputs[i]] = *ordered[i];
  for (const auto& [value, tensor] : plan.inference.values) bound[value] = tensor;

  std::vector<Tensor> in_tensors, out_tensors;
  for (size_t n = 0; n < engine.nodes.size(); ++n) {
    if (plan.precomputed[n]) continue;
    const ir::Node& node = *engine.nodes[n];
    in_tensors.clear();
    out_tensors.clear();
    for (const ir::Value* in : node.inputs) in_tensors.push_back(in ? bound.at(in) : Tensor());
    for (const ir::Value* out : node.outputs) {
      if (!out) {
        out_tensors.emplace_back();
        continue;
      }
      const auto& t = plan.inference.types.at(out);
      auto offset = plan.arena_offset.find(out);
      Tensor tensor = offset == plan.arena_offset.end()
                          ? Tensor(t.dtype, t.shape)
                          : Tensor::borrow(t.dtype, t.shape, arena + offset->second);
      out_tensors.push_back(tensor);
      bound[out] = tensor;
    }
    KernelArgs args{node, in_tensors, out_tensors};
    if (node.backend == "cpu") args.resources = state_->cpu_backend.get();
    plan.kernels[n]->run(args);
    if (each_tensor)
      for (size_t o = 0; o < node.outputs.size(); ++o)
        if (node.outputs[o])
          each_tensor(node.outputs[o]->name, cpu_plain_activation(node, o, out_tensors[o]));
  }

  std::map<std::string, Tensor> outputs;
  for (const ir::Value* out : engine.graph.outputs) {
    const Tensor& t = bound.at(out);
    // Graph inputs, constants and precomputed values are not ours to hand out: copy them.
    const bool owned = !plan.arena_offset.count(out) && !plan.inference.values.count(out) &&
                       !engine.graph.is_graph_input(out);
    outputs[out->name] = owned ? t : t.clone();
  }
  return outputs;
}

std::map<std::string, Tensor> ExecutionContext::input_buffers(int64_t batch) {
  rebuild_if_overflowing(*state_, engine_, batch);
  const EngineImpl& engine = *engine_;
  if (batch < engine.batch.min || batch > engine.batch.max)
    throw Error(
        "input_buffers: batch " + std::to_string(batch) +
        " is outside the engine's batch profile " + profile_text(engine.batch) +
        (batch > engine.batch.max && engine.has_batch ? " (rebuild on overflow is off)" : ""));
  const std::vector<ir::TensorType> types = engine.input_types_for_batch(batch);
  std::vector<Tensor> staging;
  const bool values_matter =
      std::find(engine.input_values_matter.begin(), engine.input_values_matter.end(), true) !=
      engine.input_values_matter.end();
  if (!values_matter) {
    // The plan run() will use for inputs of these shapes (shapes alone key it here).
    std::vector<Tensor> shapes;
    std::vector<const Tensor*> ordered;
    shapes.reserve(types.size());
    for (const ir::TensorType& t : types) {
      shapes.push_back(Tensor::borrow(t.dtype, t.shape, nullptr));
      ordered.push_back(&shapes.back());
    }
    const ExecPlan& plan = find_plan(*state_, engine, ordered);
    if (plan.uses_device) staging = state_->device_context(engine).input_staging(plan);
  }
  std::map<std::string, Tensor> buffers;
  for (size_t i = 0; i < types.size(); ++i) {
    const bool staged = i < staging.size() && staging[i].defined();
    buffers.emplace(engine.graph.inputs[i]->name,
                    staged ? staging[i] : Tensor(types[i].dtype, types[i].shape));
  }
  return buffers;
}

void ExecutionContext::set_cuda_stream(void* stream) {
  if (state_->device)
    throw Error("set_cuda_stream: call it before the context's first run (or input_buffers)");
  state_->device_options.stream = stream;
}

void ExecutionContext::set_cuda_graph(bool enabled) {
  if (state_->device)
    throw Error("set_cuda_graph: call it before the context's first run (or input_buffers)");
  state_->device_options.cuda_graph = enabled;
}

void observe_device_tensors(ExecutionContext& context, DeviceTensorCallback callback) {
  if (context.state_->device)
    throw Error("observe_device_tensors: call it before the context's first run");
  context.state_->device_options.each_device_tensor = std::move(callback);
}

void ExecutionContext::run_without_transfers() {
  if (!state_->device || !state_->last_device_plan)
    throw Error("run_without_transfers: needs a GPU engine and an earlier run() on this context");
  state_->device->run_without_transfers(*state_->last_device_plan);
}

ExecutionContext::GpuTimes ExecutionContext::last_gpu_times() const {
  return state_->device ? state_->device->last_times() : GpuTimes{};
}

std::vector<ExecutionContext::LayerTime> ExecutionContext::profile_layers(
    const std::map<std::string, Tensor>& inputs, int runs) {
  if (!on_gpu()) throw Error("profile_layers: the engine has no GPU layers");
  if (runs < 1) throw Error("profile_layers: runs must be at least 1");
  run(inputs);  // puts the inputs on the device and makes the plan
  std::vector<LayerTime> out;
  for (const auto& [node, ms] : state_->device->profile(*state_->last_device_plan, runs)) {
    const ir::Node& n = *engine_->nodes[node];
    out.push_back({n.name, n.op_type, n.tactic, ms});
  }
  return out;
}

bool ExecutionContext::on_gpu() const { return engine_->uses_device(); }

}  // namespace qrt
