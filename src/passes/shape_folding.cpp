#include "passes/shape_folding.h"

#include <algorithm>
#include <optional>

#include "passes/fold_util.h"

namespace qrt::passes {
namespace {

using Dims = ir::SymShape;

// The dimensions Shape(x) reports: x's shape between the start and end attributes.
std::optional<Dims> shape_output_dims(const ir::Node& shape_node) {
  const ir::Value* x = shape_node.input(0);
  if (!x || x->dtype == DataType::kUndefined) return std::nullopt;  // shape not inferred
  const auto rank = static_cast<int64_t>(x->shape.size());
  auto clamp_to_rank = [rank](int64_t i) {
    return std::clamp(i < 0 ? i + rank : i, int64_t{0}, rank);
  };
  const int64_t start = clamp_to_rank(shape_node.attr_int("start", 0));
  const int64_t end = clamp_to_rank(shape_node.attr_int("end", rank));
  if (start >= end) return Dims{};
  return Dims(x->shape.begin() + start, x->shape.begin() + end);
}

// The dimensions of a Shape node's output that feeds input 0 of `node`.
std::optional<Dims> dims_from_shape_input(const ir::Node& node) {
  const ir::Value* data = node.input(0);
  if (!data || !data->producer || data->producer->op_type != "Shape") return std::nullopt;
  return shape_output_dims(*data->producer);
}

bool replace_with_dims(ir::Node* node, const Dims& dims, std::vector<int64_t> out_shape,
                       ir::Graph& graph) {
  std::vector<int64_t> sizes;
  for (const ir::Dim& d : dims) {
    if (!d.is_static()) return false;
    sizes.push_back(d.value);
  }
  if (shape_numel(out_shape) != static_cast<int64_t>(sizes.size())) return false;
  ir::Value* out = node->output(0);
  if (!out) return false;
  make_constant(out, Tensor::from_vector(DataType::kInt64, std::move(out_shape), sizes));
  graph.remove_node(node);
  return true;
}

bool fold_shape(ir::Graph& graph, ir::Node* node) {
  const auto dims = shape_output_dims(*node);
  if (!dims) return false;
  return replace_with_dims(node, *dims, {static_cast<int64_t>(dims->size())}, graph);
}

bool fold_gather(ir::Graph& graph, ir::Node* node) {
  const auto dims = dims_from_shape_input(*node);
  const Tensor* indices = constant_of(graph, node->input(1));
  if (!dims || !indices || is_floating(indices->dtype())) return false;
  const int64_t axis = node->attr_int("axis", 0);
  if (axis != 0 && axis != -1) return false;
  const auto rank = static_cast<int64_t>(dims->size());
  Dims picked;
  for (int64_t i : indices->to_int64_vector()) {
    if (i < 0) i += rank;
    if (i < 0 || i >= rank) return false;  // left for shape inference to report
    picked.push_back((*dims)[static_cast<size_t>(i)]);
  }
  return replace_with_dims(node, picked, indices->shape(), graph);
}

// The single value of an optional 1-element integer input; `fallback` when it is omitted.
std::optional<int64_t> scalar_input(const ir::Graph& graph, const ir::Node& node, size_t i,
                                    std::optional<int64_t> fallback) {
  if (!node.input(i)) return fallback;
  const Tensor* t = constant_of(graph, node.input(i));
  if (!t || is_floating(t->dtype()) || t->numel() != 1) return std::nullopt;
  return t->to_int64_vector()[0];
}

// Indices a 1-D ONNX Slice over `length` elements selects (starts/ends clamped as the
// spec says; steps of either sign).
std::vector<int64_t> slice_indices(int64_t length, int64_t start, int64_t end, int64_t step) {
  // Steps past the end select the same single element and cannot overflow.
  step = std::clamp(step, -(length + 1), length + 1);
  if (start < 0) start += length;
  if (end < 0) end += length;
  const int64_t lo = step > 0 ? 0 : -1;
  const int64_t hi = step > 0 ? length : length - 1;
  start = std::clamp(start, lo, hi);
  end = std::clamp(end, lo, hi);
  std::vector<int64_t> out;
  for (int64_t i = start; step > 0 ? i < end : i > end; i += step) out.push_back(i);
  return out;
}

bool fold_slice(ir::Graph& graph, ir::Node* node) {
  const auto dims = dims_from_shape_input(*node);
  if (!dims) return false;
  const auto start = scalar_input(graph, *node, 1, std::nullopt);
  const auto end = scalar_input(graph, *node, 2, std::nullopt);
  const auto axis = scalar_input(graph, *node, 3, 0);
  const auto step = scalar_input(graph, *node, 4, 1);
  if (!start || !end || !axis || !step || (*axis != 0 && *axis != -1) || *step == 0) return false;
  Dims picked;
  for (int64_t i : slice_indices(static_cast<int64_t>(dims->size()), *start, *end, *step))
    picked.push_back((*dims)[static_cast<size_t>(i)]);
  return replace_with_dims(node, picked, {static_cast<int64_t>(picked.size())}, graph);
}

}  // namespace

bool fold_shape_node(ir::Graph& graph, ir::Node* node) {
  if (node->op_type == "Shape") return fold_shape(graph, node);
  if (node->op_type == "Gather") return fold_gather(graph, node);
  if (node->op_type == "Slice") return fold_slice(graph, node);
  return false;
}

}  // namespace qrt::passes
