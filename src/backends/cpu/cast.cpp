// cpu Cast between f32 and bf16 (the borders of a bf16 graph): one oneDNN reorder over the
// flattened tensor. f32 -> bf16 rounds to nearest even as the reference Cast does, except that
// vcvtneps2bf16 (avx512_core_bf16) flushes f32 subnormals to zero.
#include "backends/cpu/dnnl_util.h"

namespace qrt::cpu {
namespace {

void cast(const KernelArgs& args) {
  const Tensor& x = args.in(0);
  if (x.numel() == 0) return;
  auto prepared = prepare(args, shape_key(args), [&] {
    const dnnl::memory::dims dims{x.numel()};
    const auto a = dnnl::memory::format_tag::a;
    const dnnl::memory::desc src(dims, dnnl_type(x.dtype()), a);
    const dnnl::memory::desc dst(dims, dnnl_type(args.out(0).dtype()), a);
    Prepared p;
    p.primitive =
        dnnl::reorder(dnnl::reorder::primitive_desc(cpu_engine(), src, cpu_engine(), dst));
    p.src_md = src;
    p.dst_md = dst;
    return p;
  });
  execute(*prepared, {{DNNL_ARG_FROM, wrap(prepared->src_md, x)},
                      {DNNL_ARG_TO, wrap(prepared->dst_md, args.out(0))}});
}

bool cast_supported(const ir::Node&, const NodeTypes& types, std::string* reason) {
  const DataType from = types.inputs.at(0).dtype, to = types.outputs.at(0).dtype;
  const bool f32_bf16 = (from == DataType::kFloat32 && to == DataType::kBFloat16) ||
                        (from == DataType::kBFloat16 && to == DataType::kFloat32);
  if (!f32_bf16) return decline(reason, "Cast runs between f32 and bf16 only");
  return bf16_supported(reason);
}

}  // namespace

QRT_REGISTER_KERNEL("Cast", kBackend, DataType::kFloat32, cast, cast_supported);
QRT_REGISTER_KERNEL("Cast", kBackend, DataType::kBFloat16, cast, cast_supported);

}  // namespace qrt::cpu
