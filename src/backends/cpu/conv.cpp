// cpu Conv and qrt.FusedConv (f32, bf16): one oneDNN convolution with the bias, the residual as
// a sum post-op (R copied into Y first, then Y = conv + 1 * Y) and ReLU / Clip as an eltwise
// post-op.
#include <cstring>

#include "backends/cpu/conv_common.h"

namespace qrt::cpu {

Prepared conv_primitive(const KernelArgs& args) {
  const bool fused = args.node.op_type == "FusedConv";
  const ConvShapes s =
      conv_shapes(args.node, args.in(0).shape(), logical_weights_shape(args.node, args.in(1)));
  dnnl::post_ops ops;
  if (fused && args.has_in(3)) ops.append_sum(1.f);
  if (fused) append_activation(args.node, 1.f, ops);
  dnnl::primitive_attr attr;
  attr.set_post_ops(ops);
  const auto act_dt = dnnl_type(args.in(0).dtype());
  return make_conv(s, act_dt, dnnl_type(args.in(1).dtype()), act_dt, args.in(1),
                   args.has_in(2) ? args.in(2).data_as<float>() : nullptr, attr);
}

namespace {

void conv(const KernelArgs& args) {
  const bool residual = args.node.op_type == "FusedConv" && args.has_in(3);
  auto prepared = prepare(args, shape_key(args), [&] { return conv_primitive(args); });
  Tensor& y = args.out(0);
  if (residual && args.in(3).data() != y.data())
    std::memcpy(y.data(), args.in(3).data(), y.nbytes());
  execute(*prepared, {{DNNL_ARG_SRC, wrap(prepared->src_md, args.in(0))},
                      {DNNL_ARG_DST, wrap(prepared->dst_md, y)}});
}

bool conv_f32_supported(const ir::Node& node, const NodeTypes& types, std::string* reason) {
  if (node.inputs.size() > 2 && node.inputs[2] && types.inputs[2].dtype != DataType::kFloat32)
    return decline(reason, "the bias must be f32");
  return conv_supported(node, types, {1, 2}, reason);
}

}  // namespace

QRT_REGISTER_KERNEL("Conv", kBackend, DataType::kFloat32, conv, conv_f32_supported);
QRT_REGISTER_KERNEL("FusedConv", kBackend, DataType::kFloat32, conv, conv_f32_supported);

}  // namespace qrt::cpu
