// CUDA qrt.ConvInt8 in NHWC (channels_last = 1): the int8 GEMM machinery of int8_gemm.h, the
// tactic timed per layer at build time, the weights repacked to OHWI once by a backend pass.
#include <span>
#include <string>
#include <vector>

#include "backends/cuda/int8_gemm.h"
#include "backends/cuda/int8_weights.h"
#include "ops/spatial_geometry.h"

namespace qrt::cuda {
namespace {

// X [n, h, w, c] and W [k, c/g, kh, kw] (logical shape, whatever order its data is in).
Int8ConvShape conv_shape(const ir::Node& node, const std::vector<int64_t>& x,
                         const std::vector<int64_t>& w) {
  const std::vector<int64_t> spatial{x[1], x[2]};
  const ops::SpatialGeometry g = ops::sliding_window_geometry(
      node, spatial, ops::kernel_from_weights(node, std::vector<int64_t>{w[2], w[3]}), false);
  Int8ConvShape s;
  s.n = x[0];
  s.h = x[1];
  s.w = x[2];
  s.c = x[3];
  s.out_h = g.output[0];
  s.out_w = g.output[1];
  s.k = w[0];
  s.kernel_h = w[2];
  s.kernel_w = w[3];
  s.stride_h = g.strides[0];
  s.stride_w = g.strides[1];
  s.pad_h = g.pads_begin[0];
  s.pad_w = g.pads_begin[1];
  s.dilation_h = g.dilations[0];
  s.dilation_w = g.dilations[1];
  s.group = node.attr_int("group", 1);
  return s;
}

bool supports_conv_int8(const ir::Node& node, const NodeTypes& types, std::string* reason) {
  if (!int8_conv_form_supported(node, types, "convolution", reason)) return false;
  const std::string layout = node.attr_string("weight_layout", "oihw");
  if (layout != "oihw" && layout != "ohwi") {
    if (reason) *reason = "unknown weight_layout '" + layout + "'";
    return false;
  }
  return true;
}

void conv_int8(const KernelArgs& args) {
  const Resources& res = resources(args);
  const Tensor& x = args.in(0);
  const Int8ConvShape s = conv_shape(args.node, x.shape(), args.in(1).shape());
  const std::vector<int64_t> expected{s.n, s.out_h, s.out_w, s.k};
  if (args.out(0).shape() != expected)
    throw Error(args.node.describe() + ": the output " + shape_to_string(args.out(0).shape()) +
                " is not the NHWC shape " + shape_to_string(expected));
  const int8_t* w = args.in(1).data_as<int8_t>();
  const Int8Weights weights = args.node.attr_string("weight_layout", "oihw") == "ohwi"
                                  ? Int8Weights::ohwi(w, s)
                                  : Int8Weights::oihw(w, s);
  // A tactic tuned for another shape that does not fit this one falls back to the default.
  const std::string& tactic = args.node.tactic;
  conv_int8_nhwc(s, x.data_as<int8_t>(), weights, int8_epilogue(args, "x_scale"),
                 int8_conv_tactic_fits(s, tactic) ? tactic : "", res);
}

std::string tune_conv_int8(const ir::Node& node, const NodeTypes& types, const void* resources) {
  const Int8ConvShape s = conv_shape(node, types.inputs[0].shape, types.inputs[1].shape);
  // Timed with the node's own epilogue form: it changes cuDNN's graph (and builds its plan).
  const Int8Epilogue form = int8_epilogue_form(node, types);
  return tune_int8_conv(s, *static_cast<const Resources*>(resources), &form);
}

// W [k, c/g, kh, kw] -> the same shape holding [k, kh, kw, c/g] (weight_layout = "ohwi").
void pack_conv_weights(ir::Graph& graph) {
  for (ir::Node* node : graph.nodes()) {
    if (node->backend != "cuda" || node->op_type != "ConvInt8" ||
        node->attr_int("channels_last", 0) != 1 || node->has_attr("weight_layout"))
      continue;
    ir::Value* w = node->input(1);
    if (!w || !w->is_constant() || w->constant->shape().size() != 4) continue;
    const Tensor& src = *w->constant;
    const std::vector<int64_t>& d = src.shape();
    Tensor packed(DataType::kInt8, d);
    const int8_t* in = src.data_as<int8_t>();
    int8_t* out = packed.data_as<int8_t>();
    const int64_t cg = d[1], taps = d[2] * d[3];
    for (int64_t o = 0; o < d[0]; ++o)
      for (int64_t ci = 0; ci < cg; ++ci)
        for (int64_t t = 0; t < taps; ++t)
          out[(o * taps + t) * cg + ci] = in[(o * cg + ci) * taps + t];
    replace_weights(graph, *node, 1, std::move(packed), "ohwi");
  }
}

}  // namespace

QRT_REGISTER_KERNEL("ConvInt8", "cuda", DataType::kInt8, conv_int8, supports_conv_int8,
                    tune_conv_int8);
QRT_REGISTER_BACKEND_PASS("cuda", "pack_int8_conv_weights", pack_conv_weights);

}  // namespace qrt::cuda
