#include "backends/cpu/conv_common.h"

#include <cstdlib>
#include <limits>
#include <string>

#include "ops/channels_last.h"
#include "ops/spatial_geometry.h"

namespace qrt::cpu {

using tag = dnnl::memory::format_tag;

void weights_dims(const ir::Node& node, const std::vector<int64_t>& w_shape,
                  dnnl::memory::dims& dims, dnnl::memory::format_tag& plain_tag) {
  const int64_t group = node.attr_int("group", 1);
  if (group == 1) {
    dims = {w_shape[0], w_shape[1], w_shape[2], w_shape[3]};
    plain_tag = tag::oihw;
  } else {
    dims = {group, w_shape[0] / group, w_shape[1], w_shape[2], w_shape[3]};
    plain_tag = tag::goihw;
  }
}

dnnl::memory::desc plain_weights_desc(const ir::Node& node, const Tensor& w) {
  const std::vector<int64_t> shape = logical_weights_shape(node, w);
  if (shape.size() != 4) throw Error(node.describe() + ": cpu convolution weights must be 4-D");
  dnnl::memory::dims dims;
  tag plain_tag;
  weights_dims(node, shape, dims, plain_tag);
  return dnnl::memory::desc(dims, dnnl_type(w.dtype()), plain_tag);
}

ConvShapes conv_shapes(const ir::Node& node, const std::vector<int64_t>& x_shape,
                       const std::vector<int64_t>& w_shape) {
  const bool nhwc = ops::is_channels_last(node) && !ops::reads_nchw_input(node);
  const std::vector<int64_t> x =
      nhwc ? ops::permute_dims(x_shape, ops::kNhwcToNchw) : x_shape;  // logical NCHW
  const std::vector<int64_t> x_spatial(x.begin() + 2, x.end());
  const std::vector<int64_t> w_spatial(w_shape.begin() + 2, w_shape.end());
  const ops::SpatialGeometry g = ops::sliding_window_geometry(
      node, x_spatial, ops::kernel_from_weights(node, w_spatial), false);
  ConvShapes s;
  s.out_channels = w_shape[0];
  s.src = {x[0], x[1], x[2], x[3]};
  s.dst = {x[0], w_shape[0], g.output[0], g.output[1]};
  s.bias = {w_shape[0]};
  weights_dims(node, w_shape, s.weights, s.weights_tag);
  for (size_t i = 0; i < 2; ++i) {
    s.strides.push_back(g.strides[i]);
    s.dilates.push_back(g.dilations[i] - 1);  // oneDNN counts the gaps
    s.pad_l.push_back(g.pads_begin[i]);
    // The right padding that yields exactly the output size (ONNX's pads may exceed it).
    const int64_t extent = (g.kernel[i] - 1) * g.dilations[i] + 1;
    s.pad_r.push_back((g.output[i] - 1) * g.strides[i] + extent - g.input[i] - g.pads_begin[i]);
  }
  s.act_tag = activation_tag(node);
  s.src_tag = ops::reads_nchw_input(node) ? tag::nchw : s.act_tag;
  s.node = &node;
  return s;
}

bool conv_supported(const ir::Node& node, const NodeTypes& types,
                    const std::vector<size_t>& constant_inputs, std::string* reason) {
  if (types.inputs.at(0).shape.size() != 4)
    return decline(reason, "oneDNN convolutions here are 2-D (rank-4 input)");
  for (size_t i : constant_inputs)
    if (i < node.inputs.size() && node.inputs[i] && !input_is_constant(node, i))
      return decline(reason, "input " + std::to_string(i) + " must be a constant");
  return true;
}

void append_activation(const ir::Node& node, float scale, dnnl::post_ops& ops) {
  const std::string activation = node.attr_string("activation", "");
  if (activation == "relu") {
    ops.append_eltwise(scale, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
  } else if (activation == "clip") {
    const float inf = std::numeric_limits<float>::infinity();
    ops.append_eltwise(scale, dnnl::algorithm::eltwise_clip_v2, node.attr_float("clip_min", -inf),
                       node.attr_float("clip_max", inf));
  } else if (scale != 1.f) {
    ops.append_eltwise(1.f, dnnl::algorithm::eltwise_linear, scale, 0.f);
  }
}

dnnl::algorithm conv_algorithm(dnnl::memory::data_type src_dt) {
  // f32: oneDNN's choice (convolution_auto: Winograd for the 3x3 stride-1 layers where its
  // kernels are faster; measured ResNet-50 batch 64, 2 threads, Zen 4: 25.1 -> 30.0 img/s, errors
  // within the FP32 tolerances of the tests and of tools/check_torchvision.py). QRT_CPU_CONV=direct
  // keeps the direct algorithm everywhere. int8 and bf16 have only direct kernels.
  static const bool direct_only = [] {
    const char* v = std::getenv("QRT_CPU_CONV");
    return v && std::string(v) == "direct";
  }();
  return src_dt == dnnl::memory::data_type::f32 && !direct_only
             ? dnnl::algorithm::convolution_auto
             : dnnl::algorithm::convolution_direct;
}

Prepared make_conv(const ConvShapes& s, dnnl::memory::data_type src_dt,
                   dnnl::memory::data_type weights_dt, dnnl::memory::data_type dst_dt,
                   const Tensor& weights, const float* bias, const dnnl::primitive_attr& attr) {
  using md = dnnl::memory::desc;
  // act_tag may be `any` (the layout pass asking): the descriptors oneDNN chose are kept.
  const md src(s.src, src_dt, s.src_tag), dst(s.dst, dst_dt, s.act_tag);
  const md weights_any(s.weights, weights_dt, tag::any);
  const md bias_md(s.bias, dnnl::memory::data_type::f32, tag::x);
  const dnnl::algorithm algo = conv_algorithm(src_dt);
  const auto desc = bias ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference, algo,
                                                           src, weights_any, bias_md, dst,
                                                           s.strides, s.dilates, s.pad_l, s.pad_r)
                         : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference, algo,
                                                           src, weights_any, dst, s.strides,
                                                           s.dilates, s.pad_l, s.pad_r);
  const dnnl::convolution_forward::primitive_desc pd(desc, attr, cpu_engine());
  Prepared p;
  p.primitive = dnnl::convolution_forward(pd);
  p.src_md = pd.src_desc();
  p.dst_md = pd.dst_desc();
  const md weights_plain(s.weights, weights_dt, s.weights_tag);
  // Winograd weights transformed at build time, if this primitive wants exactly their layout
  // (the opt batch's; other batches or CPUs may want other blocks): used in place.
  const std::optional<StoredWino> wino =
      s.node ? stored_wino_weights(*s.node, weights_plain) : std::nullopt;
  if (wino && wino->md == pd.weights_desc()) {
    p.kept.push_back(wino->bytes);
    p.constant_args[DNNL_ARG_WEIGHTS] = wrap(wino->md, wino->bytes);
  } else {
    const md weights_user =
        s.node ? stored_weights_desc(*s.node, weights_plain, weights) : weights_plain;
    p.constant_args[DNNL_ARG_WEIGHTS] =
        reorder_constant(weights_user, weights, pd.weights_desc(), p);
  }
  if (bias) p.constant_args[DNNL_ARG_BIAS] = copy_constant(bias_md, bias);
  return p;
}

}  // namespace qrt::cpu
