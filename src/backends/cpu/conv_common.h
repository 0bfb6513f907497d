// The convolution shared by the cpu backend's Conv, FusedConv and ConvInt8: 2-D geometry in
// oneDNN's terms, the support checks, and the primitive with plain activations (NCHW, or NHWC for
// channels_last nodes) and weights in the layout oneDNN chooses, reordered once.
#pragma once

#include "backends/cpu/dnnl_util.h"

namespace qrt::cpu {

struct ConvShapes {
  dnnl::memory::dims src, weights, bias, dst;  // logical NCHW / (G)OIHW
  dnnl::memory::dims strides, dilates, pad_l, pad_r;
  dnnl::memory::format_tag act_tag, weights_tag;
  int64_t out_channels = 0;
};

// X: input 0 as stored (NHWC for channels_last nodes), W: input 1 ([O, I/g, kh, kw]).
ConvShapes conv_shapes(const ir::Node& node, const std::vector<int64_t>& x_shape,
                       const std::vector<int64_t>& w_shape);

// 2-D only, constant weights (and, when given, constant inputs `constant_inputs`).
bool conv_supported(const ir::Node& node, const NodeTypes& types,
                    const std::vector<size_t>& constant_inputs, std::string* reason);

// The activation of a FusedConv / ConvInt8 node as an eltwise post-op scaled by `scale`
// (a no-activation node gets a linear x * scale when scale != 1).
void append_activation(const ir::Node& node, float scale, dnnl::post_ops& ops);

// Makes the forward-inference convolution; weights (input 1) reordered once; `bias`
// (f32, out_channels values) or null.
Prepared make_conv(const ConvShapes& s, dnnl::memory::data_type src_dt,
                   dnnl::memory::data_type weights_dt, dnnl::memory::data_type dst_dt,
                   const Tensor& weights, const float* bias, const dnnl::primitive_attr& attr);

}  // namespace qrt::cpu
