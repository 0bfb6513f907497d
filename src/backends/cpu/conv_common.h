// The convolution shared by the cpu backend's Conv, FusedConv and ConvInt8: 2-D geometry in
// oneDNN's terms, the support checks, and the primitive with the node's activation layout
// (activation_tag: NCHW, NHWC, or the blocked layout the build chose) and weights in the layout
// oneDNN chooses: stored so in the plan, or reordered once (dnnl_util.h).
#pragma once

#include "backends/cpu/dnnl_util.h"

namespace qrt::cpu {

struct ConvShapes {
  dnnl::memory::dims src, weights, bias, dst;  // logical NCHW / (G)OIHW
  dnnl::memory::dims strides, dilates, pad_l, pad_r;
  dnnl::memory::format_tag act_tag, weights_tag;
  dnnl::memory::format_tag src_tag;  // act_tag, or nchw for a node that reads X as NCHW
  int64_t out_channels = 0;
  const ir::Node* node = nullptr;  // for its stored weight layout
};

// X: input 0 as stored (NHWC for channels_last nodes), W: input 1 ([O, I/g, kh, kw]).
ConvShapes conv_shapes(const ir::Node& node, const std::vector<int64_t>& x_shape,
                       const std::vector<int64_t>& w_shape);

// The weights' dims in oneDNN's terms ((G)OIHW) and their plain tag.
void weights_dims(const ir::Node& node, const std::vector<int64_t>& w_shape,
                  dnnl::memory::dims& dims, dnnl::memory::format_tag& plain_tag);
// The descriptor of W (input 1) in its ONNX order.
dnnl::memory::desc plain_weights_desc(const ir::Node& node, const Tensor& w);

// 2-D only, constant weights (and, when given, constant inputs `constant_inputs`).
bool conv_supported(const ir::Node& node, const NodeTypes& types,
                    const std::vector<size_t>& constant_inputs, std::string* reason);

// The activation of a FusedConv / ConvInt8 node as an eltwise post-op scaled by `scale`
// (a no-activation node gets a linear x * scale when scale != 1).
void append_activation(const ir::Node& node, float scale, dnnl::post_ops& ops);

// The convolution algorithm for activations of type `src_dt` (convolution_auto for f32 unless
// QRT_CPU_CONV=direct; direct otherwise).
dnnl::algorithm conv_algorithm(dnnl::memory::data_type src_dt);

// Makes the forward-inference convolution; weights (input 1, in the node's stored layout or
// plain) used in place when they are in the layout oneDNN wants, else reordered once; `bias`
// (f32, out_channels values) or null.
Prepared make_conv(const ConvShapes& s, dnnl::memory::data_type src_dt,
                   dnnl::memory::data_type weights_dt, dnnl::memory::data_type dst_dt,
                   const Tensor& weights, const float* bias, const dnnl::primitive_attr& attr);

// The primitives of the kernels, for the build-time passes (which call them with the node's
// concrete types: activation tensors are shape-only views, constants are the real ones).
Prepared conv_primitive(const KernelArgs& args);
Prepared conv_int8_primitive(const KernelArgs& args);

}  // namespace qrt::cpu
