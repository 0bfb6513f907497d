// cpu BatchNormalization (inference): one oneDNN batch_normalization forward_inference with the
// given statistics (use_global_stats) and separate per-channel scale and shift, over ranks 2 to
// 5 in NC... order, and 4-D channels_last nodes (NHWC, or the blocked layout of their run: see
// activation_tag); f32 and bf16 (oneDNN keeps scale, shift,
// mean and variance in f32, so bf16 constants are widened once). The four parameters must be
// constants: they are copied into the prepared primitive. oneDNN computes
// (x - mean) / sqrtf(var + epsilon) * scale + shift in f32, the reference in double for the
// inverse square root: they agree to about 1e-6 relative. A following Relu is not fused (that
// needs a graph pass; oneDNN's fuse_norm_relu flag would do it).
#include "backends/cpu/dnnl_util.h"
#include "ops/channels_last.h"

namespace qrt::cpu {
namespace {

using tag = dnnl::memory::format_tag;

// The plain tag of a rank-2..5 NC... tensor.
tag plain_tag(size_t rank) {
  switch (rank) {
    case 2:
      return tag::nc;
    case 3:
      return tag::ncw;
    case 4:
      return tag::nchw;
    default:
      return tag::ncdhw;
  }
}

void batch_normalization(const KernelArgs& args) {
  const Tensor& x = args.in(0);
  if (x.numel() == 0) return;
  auto prepared = prepare(args, shape_key(args), [&] {
    const bool nhwc = ops::is_channels_last(args.node);
    const std::vector<int64_t> logical =
        nhwc ? ops::permute_dims(x.shape(), ops::kNhwcToNchw) : x.shape();
    const dnnl::memory::dims dims(logical.begin(), logical.end());
    const tag act = dims.size() == 4 ? activation_tag(args.node) : plain_tag(dims.size());
    const dnnl::memory::desc md(dims, dnnl_type(x.dtype()), act);
    const auto flags = dnnl::normalization_flags::use_global_stats |
                       dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;
    const float epsilon = args.node.attr_float("epsilon", 1e-5f);
    const dnnl::batch_normalization_forward::desc desc(dnnl::prop_kind::forward_inference, md,
                                                       epsilon, flags);
    const dnnl::batch_normalization_forward::primitive_desc pd(desc, cpu_engine());
    Prepared p;
    p.primitive = dnnl::batch_normalization_forward(pd);
    p.src_md = p.dst_md = md;
    const dnnl::memory::desc channel_md({dims[1]}, dnnl::memory::data_type::f32, tag::a);
    static constexpr std::pair<int, size_t> kParams[] = {
        {DNNL_ARG_SCALE, 1}, {DNNL_ARG_SHIFT, 2}, {DNNL_ARG_MEAN, 3}, {DNNL_ARG_VARIANCE, 4}};
    for (const auto& [arg, input] : kParams)
      p.constant_args[arg] = copy_constant(channel_md, args.in(input).to_float_vector().data());
    return p;
  });
  execute(*prepared, {{DNNL_ARG_SRC, wrap(prepared->src_md, x)},
                      {DNNL_ARG_DST, wrap(prepared->dst_md, args.out(0))}});
}

bool batch_normalization_supported(const ir::Node& node, const NodeTypes& types,
                                   std::string* reason) {
  if (!float_type_supported(types, reason)) return false;
  const size_t rank = types.inputs.at(0).shape.size();
  if (rank < 2 || rank > 5) return decline(reason, "BatchNormalization of rank 2 to 5");
  if (node.attr_int("training_mode", 0) != 0)
    return decline(reason, "training_mode=1 (inference only)");
  if (node.outputs.size() > 1)
    for (size_t i = 1; i < node.outputs.size(); ++i)
      if (node.outputs[i]) return decline(reason, "the training-mode outputs");
  for (size_t i = 1; i <= 4; ++i)
    if (!input_is_constant(node, i))
      return decline(reason, "scale, B, mean and var must be constants");
  return true;
}

}  // namespace

QRT_REGISTER_KERNEL("BatchNormalization", kBackend, DataType::kFloat32, batch_normalization,
                    batch_normalization_supported);
QRT_REGISTER_KERNEL("BatchNormalization", kBackend, DataType::kBFloat16, batch_normalization,
                    batch_normalization_supported);

}  // namespace qrt::cpu
