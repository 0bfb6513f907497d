// cpu qrt.ConvInt8: an s8 x s8 oneDNN convolution (VNNI where the CPU has it) with per-channel
// output scales and the epilogue of int8_common.h as post-ops.
#include "backends/cpu/conv_common.h"
#include "backends/cpu/int8_common.h"

namespace qrt::cpu {

Prepared conv_int8_primitive(const KernelArgs& args) {
  const ConvShapes s =
      conv_shapes(args.node, args.in(0).shape(), logical_weights_shape(args.node, args.in(1)));
  const Int8Epilogue e = int8_epilogue(args, "x_scale");
  Tensor weights = args.in(1);
  // Stored weights were zeroed so at build time (and are not in OIHW order any more).
  if (!e.dead_channels.empty() && !has_stored_weights(args.node)) {
    weights = weights.clone();
    const int64_t per_channel = weights.numel() / s.out_channels;
    for (int64_t c : e.dead_channels)
      std::fill_n(weights.data_as<int8_t>() + c * per_channel, per_channel, int8_t{0});
  }
  return make_conv(s, dnnl::memory::data_type::s8, dnnl::memory::data_type::s8,
                   dnnl_type(args.out(0).dtype()), weights, e.bias.data(), e.attr);
}

namespace {

void conv_int8(const KernelArgs& args) {
  auto prepared = prepare(args, shape_key(args), [&] { return conv_int8_primitive(args); });
  stage_residual(args, prepared->dst_md);
  execute(*prepared, {{DNNL_ARG_SRC, wrap(prepared->src_md, args.in(0))},
                      {DNNL_ARG_DST, wrap(prepared->dst_md, args.out(0))}});
}

bool conv_int8_supported(const ir::Node& node, const NodeTypes& types, std::string* reason) {
  return conv_supported(node, types, {1}, reason) && int8_epilogue_supported(node, types, reason);
}

}  // namespace

QRT_REGISTER_KERNEL("ConvInt8", kBackend, DataType::kInt8, conv_int8, conv_int8_supported);

}  // namespace qrt::cpu
