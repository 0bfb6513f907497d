// Build-time repack of the weights of channels_last convolutions on the CUDA backend to OHWI,
// the filter layout cuDNN's NHWC kernels read. The tensor keeps its logical shape (shape
// inference reruns on the built graph); the attribute weight_layout="OHWI" says its bytes are
// in [d0, spatial..., d1] order (see cudnn_conv.h).
#include <algorithm>
#include <cstring>

#include "backends/kernel_registry.h"

namespace qrt::cuda {
namespace {

// [d0, d1, spatial...] -> [d0, spatial..., d1], element bytes copied as they are.
Tensor to_ohwi(const Tensor& w) {
  Tensor out(w.dtype(), w.shape());
  const int64_t d0 = w.dim(0), d1 = w.dim(1), taps = w.numel() / std::max<int64_t>(1, d0 * d1);
  const size_t elem = dtype_size(w.dtype());
  const auto* src = static_cast<const char*>(w.data());
  auto* dst = static_cast<char*>(out.data());
  for (int64_t o = 0; o < d0; ++o)
    for (int64_t i = 0; i < d1; ++i)
      for (int64_t t = 0; t < taps; ++t)
        std::memcpy(dst + static_cast<size_t>((o * taps + t) * d1 + i) * elem,
                    src + static_cast<size_t>((o * d1 + i) * taps + t) * elem, elem);
  return out;
}

void repack_conv_weights(ir::Graph& graph) {
  bool changed = false;
  for (ir::Node* node : graph.nodes()) {
    if (node->backend != "cuda" || node->attr_int("channels_last", 0) == 0 ||
        node->has_attr("weight_layout"))
      continue;
    if (node->op_type != "Conv" && node->op_type != "FusedConv" && node->op_type != "ConvTranspose")
      continue;
    const ir::Value* w = node->input(1);
    if (!w || !w->is_constant() || graph.is_graph_input(w) || w->constant->rank() < 3) continue;
    if (w->constant->dtype() != DataType::kFloat32 && w->constant->dtype() != DataType::kFloat16)
      continue;
    // A new constant: the original may feed nodes of other backends.
    node->inputs[1] =
        graph.add_constant(graph.unique_name(w->name + "_ohwi"), to_ohwi(*w->constant));
    node->attrs["weight_layout"] = std::string("OHWI");
    changed = true;
  }
  if (changed) graph.remove_unused_values();
}

}  // namespace

QRT_REGISTER_BACKEND_PASS("cuda", "conv_weights_ohwi", repack_conv_weights);

}  // namespace qrt::cuda
