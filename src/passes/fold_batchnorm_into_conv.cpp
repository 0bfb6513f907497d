#include <algorithm>
#include <cmath>
#include <optional>

#include "passes/fold_util.h"
#include "passes/pass.h"

namespace qrt::passes {
namespace {

// BatchNormalization at inference is y = x * scale + shift per channel.
struct ChannelAffine {
  std::vector<double> scale;
  std::vector<double> shift;
};

std::optional<ChannelAffine> batchnorm_affine(const ir::Graph& graph, const ir::Node& bn) {
  std::vector<std::vector<float>> params;  // scale, B, mean, var
  for (size_t i = 1; i <= 4; ++i) {
    const Tensor* t = constant_of(graph, bn.input(i));
    if (!t || !is_floating(t->dtype()) || t->rank() != 1) return std::nullopt;
    params.push_back(t->to_float_vector());
    if (params.back().size() != params[0].size()) return std::nullopt;
  }
  const double epsilon = bn.attr_float("epsilon", 1e-5f);
  ChannelAffine affine;
  for (size_t c = 0; c < params[0].size(); ++c) {
    const double s = params[0][c] / std::sqrt(static_cast<double>(params[3][c]) + epsilon);
    affine.scale.push_back(s);
    affine.shift.push_back(params[1][c] - params[2][c] * s);
  }
  return affine;
}

bool only_feeds(const ir::Graph& graph, const ir::Value* v, const ir::Node* consumer) {
  if (graph.is_graph_output(v)) return false;
  for (const ir::Node* n : graph.nodes())
    for (const ir::Value* in : n->inputs)
      if (in == v && n != consumer) return false;
  return true;
}

// Output channel of each weight element's leading two indices: Conv weights are
// [C_out, C_in/group, ...]; ConvTranspose weights [C_in, C_out/group, ...].
int64_t output_channel(bool transposed, int64_t group, const Tensor& w, int64_t i0, int64_t i1) {
  if (!transposed) return i0;
  const int64_t in_per_group = w.dim(0) / group;
  return (i0 / in_per_group) * w.dim(1) + i1;
}

bool fold(ir::Graph& graph, ir::Node* bn) {
  ir::Value* conv_out = bn->input(0);
  ir::Node* conv = conv_out ? conv_out->producer : nullptr;
  if (!conv || (conv->op_type != "Conv" && conv->op_type != "ConvTranspose")) return false;
  if (conv->output(0) != conv_out || !bn->output(0) || !only_feeds(graph, conv_out, bn))
    return false;
  // Training-mode running statistics outputs cannot be expressed by a conv.
  for (size_t i = 1; i < bn->outputs.size(); ++i)
    if (bn->outputs[i]) return false;
  const bool transposed = conv->op_type == "ConvTranspose";
  const Tensor* w = constant_of(graph, conv->input(1));
  const Tensor* b = constant_of(graph, conv->input(2));
  if (!w || w->dtype() != DataType::kFloat32 || w->rank() < 2) return false;
  if (conv->input(2) && (!b || b->dtype() != DataType::kFloat32)) return false;
  const int64_t group = conv->attr_int("group", 1);
  if (group < 1 || w->dim(0) % group != 0) return false;
  const int64_t channels = transposed ? w->dim(1) * group : w->dim(0);
  if (b && b->numel() != channels) return false;
  const auto affine = batchnorm_affine(graph, *bn);
  if (!affine || static_cast<int64_t>(affine->scale.size()) != channels) return false;

  Tensor new_w(DataType::kFloat32, w->shape());
  const int64_t inner = w->numel() / (w->dim(0) * w->dim(1));
  const float* src = w->data_as<float>();
  float* dst = new_w.data_as<float>();
  for (int64_t i0 = 0; i0 < w->dim(0); ++i0)
    for (int64_t i1 = 0; i1 < w->dim(1); ++i1) {
      const double s =
          affine->scale[static_cast<size_t>(output_channel(transposed, group, *w, i0, i1))];
      const int64_t base = (i0 * w->dim(1) + i1) * inner;
      for (int64_t k = 0; k < inner; ++k) dst[base + k] = static_cast<float>(src[base + k] * s);
    }
  Tensor new_b(DataType::kFloat32, {channels});
  for (int64_t c = 0; c < channels; ++c) {
    const double old_bias = b ? b->data_as<float>()[c] : 0.0;
    const auto ci = static_cast<size_t>(c);
    new_b.data_as<float>()[c] =
        static_cast<float>(old_bias * affine->scale[ci] + affine->shift[ci]);
  }

  // New constants: the old weights may be shared with other nodes.
  conv->inputs.resize(std::max<size_t>(conv->inputs.size(), 3));
  conv->inputs[1] =
      graph.add_constant(graph.unique_name(conv->inputs[1]->name + "_bn"), std::move(new_w));
  conv->inputs[2] = graph.add_constant(graph.unique_name(bn->name + "_bias"), std::move(new_b));
  // The conv takes over the BN's output value so its name (maybe a graph output) survives.
  ir::Value* bn_out = bn->outputs[0];
  graph.remove_node(bn);
  conv->outputs[0] = bn_out;
  bn_out->producer = conv;
  conv_out->producer = nullptr;
  return true;
}

}  // namespace

PassResult fold_batchnorm_into_conv(ir::Graph& graph) {
  PassResult result;
  for (ir::Node* node : graph.nodes())
    if (node->op_type == "BatchNormalization" && fold(graph, node)) ++result.rewrites;
  result.changed = result.rewrites > 0;
  return result;
}

}  // namespace qrt::passes
