// Concrete and symbolic shapes of an engine's graph for the batch sizes of its profile.
#include "runtime/engine_impl.h"

namespace qrt {

std::vector<ir::TensorType> input_types_for_batch(const ir::Graph& graph,
                                                  const std::vector<bool>& batched,
                                                  int64_t batch_size) {
  std::vector<ir::TensorType> types;
  for (size_t i = 0; i < graph.inputs.size(); ++i) {
    const ir::Value* v = graph.inputs[i];
    ir::TensorType t{v->dtype, {}};
    for (size_t d = 0; d < v->shape.size(); ++d)
      t.shape.push_back(d == 0 && batched[i] ? batch_size : v->shape[d].value);
    types.push_back(std::move(t));
  }
  return types;
}

std::vector<ir::TensorType> EngineImpl::input_types_for_batch(int64_t batch_size) const {
  return qrt::input_types_for_batch(graph, input_batched, batch_size);
}

namespace {
ir::ConcreteInference infer_at(const ir::Graph& graph, const std::vector<bool>& batched,
                               int64_t batch) {
  try {
    ir::InferOptions options;
    options.defer_unknown_values = true;
    return ir::infer_concrete(graph, input_types_for_batch(graph, batched, batch), options);
  } catch (const Error& e) {
    throw Error("at batch " + std::to_string(batch) + ": " + e.what());
  }
}
}  // namespace

bool annotate_symbolic_shapes(ir::Graph& graph, const std::vector<bool>& batched,
                              const BatchProfile& profile, bool has_batch) {
  const auto lo = infer_at(graph, batched, profile.min);
  const bool varies = has_batch && profile.max != profile.min;
  // A dim is static if it is the same at both ends of the profile; one that scales with the
  // batch is shown as "kN". The opt batch is checked too, so every size kernels see is valid.
  const auto hi = varies ? infer_at(graph, batched, profile.max) : ir::ConcreteInference{};
  if (varies && profile.opt != profile.min && profile.opt != profile.max)
    infer_at(graph, batched, profile.opt);
  for (ir::Value* v : graph.values()) {
    if (lo.deferred.count(v)) {
      v->dtype = DataType::kUndefined;
      v->shape.clear();
      continue;
    }
    auto it = lo.types.find(v);
    if (it == lo.types.end()) continue;
    v->dtype = it->second.dtype;
    ir::SymShape shape;
    const auto& a = it->second.shape;
    const std::vector<int64_t>* b = nullptr;
    if (varies) b = &hi.types.at(v).shape;
    for (size_t d = 0; d < a.size(); ++d) {
      if (!b || (*b)[d] == a[d]) {
        shape.push_back(ir::Dim{a[d], {}});
      } else if (a[d] % profile.min == 0 && (*b)[d] == a[d] / profile.min * profile.max) {
        const int64_t k = a[d] / profile.min;
        shape.push_back(ir::Dim{-1, k == 1 ? "N" : std::to_string(k) + "N"});
      } else {
        shape.push_back(ir::Dim{-1, "?"});
      }
    }
    v->shape = std::move(shape);
  }
  return !lo.deferred.empty();
}

}  // namespace qrt
