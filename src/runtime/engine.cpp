#include <sstream>

#include "runtime/engine_impl.h"
#include "runtime/partition.h"

namespace qrt {

Engine::Engine(std::shared_ptr<const EngineImpl> impl) : impl_(std::move(impl)) {}

std::shared_ptr<Engine> Engine::load(const std::string& plan_path) {
  return std::make_shared<Engine>(load_plan(plan_path));
}

bool Engine::is_plan(const std::string& path) { return is_plan_file(path); }

void Engine::save(const std::string& plan_path) const { save_plan(*impl_, plan_path); }

std::shared_ptr<Engine> Engine::rebuild_for_batch(int64_t batch) const {
  return std::make_shared<Engine>(qrt::rebuild_for_batch(*impl_, batch));
}

namespace {
TensorInfo tensor_info(const ir::Value* v, bool batched) {
  TensorInfo info{v->name, v->dtype, {}, ir::sym_shape_to_string(v->shape)};
  for (size_t d = 0; d < v->shape.size(); ++d)
    info.shape.push_back(d == 0 && batched ? -1 : v->shape[d].value);
  return info;
}

// What a layer computes in, from the element types it touches.
std::string node_precision(const ir::Node& n) {
  // qrt's own ops include float ones (FusedConv): only the *Int8 compute ops are int8 by name.
  bool int8 = n.op_type.ends_with("Int8"), half = false, bf16 = false;
  for (const auto* list : {&n.inputs, &n.outputs})
    for (const ir::Value* v : *list) {
      if (!v || v->is_constant()) continue;
      int8 |= v->dtype == DataType::kInt8 || v->dtype == DataType::kUInt8;
      half |= v->dtype == DataType::kFloat16;
      bf16 |= v->dtype == DataType::kBFloat16;
    }
  return int8 ? "int8" : half ? "fp16" : bf16 ? "bf16" : "fp32";
}

std::string describe_value(const ir::Value* v) {
  if (!v) return "(none)";
  return v->name + ": " + std::string(dtype_name(v->dtype)) + " " +
         ir::sym_shape_to_string(v->shape);
}
}  // namespace

std::vector<TensorInfo> Engine::inputs() const {
  std::vector<TensorInfo> out;
  for (size_t i = 0; i < impl_->graph.inputs.size(); ++i)
    out.push_back(tensor_info(impl_->graph.inputs[i], impl_->input_batched[i]));
  return out;
}

std::vector<TensorInfo> Engine::outputs() const {
  std::vector<TensorInfo> out;
  for (const ir::Value* v : impl_->graph.outputs) {
    TensorInfo info = tensor_info(v, false);
    for (size_t d = 0; d < v->shape.size(); ++d)
      if (!v->shape[d].is_static()) info.shape[d] = -1;
    out.push_back(info);
  }
  return out;
}

BatchProfile Engine::batch_profile() const { return impl_->batch; }

EngineSummary Engine::summary() const {
  const EngineImpl& e = *impl_;
  EngineSummary s;
  s.source = e.source;
  s.qrt_version = e.qrt_version;
  s.precision = e.precision;
  s.batch = e.batch;
  s.inputs = inputs();
  s.outputs = outputs();
  for (const ir::Value* v : e.graph.values())
    if (v->is_constant()) s.weight_bytes += v->constant->nbytes();
  const std::vector<const ir::Node*> nodes(e.nodes.begin(), e.nodes.end());
  const std::vector<size_t> runs = subgraph_runs(nodes);
  for (size_t i = 0; i < nodes.size(); ++i) {
    const ir::Node* n = nodes[i];
    LayerInfo layer{n->name, n->op_type,         n->backend, node_precision(*n),
                    runs[i], n->fallback_reason, {},         {}};
    if (s.subgraphs.size() <= runs[i]) s.subgraphs.push_back({n->backend, 0, {}});
    SubgraphInfo& sub = s.subgraphs[runs[i]];
    ++sub.layers;
    // Precisions in a fixed order (int8, fp16, bf16, fp32), joined by '+'.
    std::string mix;
    for (const std::string p : {"int8", "fp16", "bf16", "fp32"}) {
      if (layer.precision != p && sub.precision.find(p) == std::string::npos) continue;
      if (!mix.empty()) mix.push_back('+');
      mix.append(p);
    }
    sub.precision = mix;
    for (const ir::Value* in : n->inputs)
      if (!in || !in->is_constant()) layer.inputs.push_back(describe_value(in));
    for (const ir::Value* out : n->outputs) layer.outputs.push_back(describe_value(out));
    s.layers.push_back(std::move(layer));
  }
  const ExecPlan plan = make_exec_plan(e, e.input_types_for_batch(e.batch.max), {}, true);
  s.activation_bytes_at_max_batch = plan.arena_bytes;
  s.activation_bytes_unshared = plan.unshared_bytes;
  return s;
}

std::unique_ptr<ExecutionContext> Engine::create_context() const {
  return std::make_unique<ExecutionContext>(impl_);
}

}  // namespace qrt
