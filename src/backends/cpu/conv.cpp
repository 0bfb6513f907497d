// cpu Conv and qrt.FusedConv (f32, bf16): one oneDNN convolution with the bias, the residual as
// a sum post-op (R copied into Y first, then Y = conv + 1 * Y) and ReLU / Clip as an eltwise
// post-op. bf16: bf16 activations and weights, the bias widened to f32 (exact), f32
// accumulation and post-ops, one rounding to bf16 at the store.
#include <cstring>
#include <vector>

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
  // The bias widened to f32 (a bf16 model's bias is bf16: exact).
  const std::vector<float> bias =
      args.has_in(2) ? args.in(2).to_float_vector() : std::vector<float>();
  return make_conv(s, act_dt, dnnl_type(args.in(1).dtype()), act_dt, args.in(1),
                   bias.empty() ? nullptr : bias.data(), attr);
}

namespace {

void conv(const KernelArgs& args) {
  const bool residual = args.node.op_type == "FusedConv" && args.has_in(3);
  auto prepared = prepare(args, shape_key(args), [&] { return conv_primitive(args); });
  Tensor& y = args.out(0);
  // The whole buffer: a blocked one holds padded channels (dst_md's size, not y's elements).
  if (residual && args.in(3).data() != y.data())
    std::memcpy(y.data(), args.in(3).data(), prepared->dst_md.get_size());
  execute(*prepared, {{DNNL_ARG_SRC, wrap(prepared->src_md, args.in(0))},
                      {DNNL_ARG_DST, wrap(prepared->dst_md, y)}});
}

bool conv_float_supported(const ir::Node& node, const NodeTypes& types, std::string* reason) {
  if (!float_type_supported(types, reason)) return false;
  const DataType x = types.inputs[0].dtype;
  if (types.inputs.at(1).dtype != x) return decline(reason, "the weights must have X's type");
  if (node.inputs.size() > 2 && node.inputs[2] && types.inputs[2].dtype != DataType::kFloat32 &&
      types.inputs[2].dtype != x)
    return decline(reason, "the bias must be f32 or X's type");
  if (node.inputs.size() > 3 && node.inputs[3] && types.inputs[3].dtype != x)
    return decline(reason, "the residual must have X's type");
  return conv_supported(node, types, {1, 2}, reason);
}

}  // namespace

QRT_REGISTER_KERNEL("Conv", kBackend, DataType::kFloat32, conv, conv_float_supported);
QRT_REGISTER_KERNEL("FusedConv", kBackend, DataType::kFloat32, conv, conv_float_supported);
QRT_REGISTER_KERNEL("Conv", kBackend, DataType::kBFloat16, conv, conv_float_supported);
QRT_REGISTER_KERNEL("FusedConv", kBackend, DataType::kBFloat16, conv, conv_float_supported);

}  // namespace qrt::cpu
