// cpu qrt.MatMulInt8: rows of the i8 A times the constant i8 B in one s8 x s8 oneDNN matmul,
// per-column output scales and the epilogue of int8_common.h as post-ops.
#include "backends/cpu/int8_common.h"
#include "backends/cpu/matmul_common.h"

namespace qrt::cpu {

Prepared matmul_int8_primitive(const KernelArgs& args) {
  const Int8Epilogue e = int8_epilogue(args, "a_scale");
  Tensor b = args.in(1);
  // Stored weights were zeroed so at build time (and are not [K, N] any more).
  if (!e.dead_channels.empty() && !has_stored_weights(args.node)) {
    b = b.clone();
    const int64_t k = b.dim(0), n = b.dim(1);
    for (int64_t row = 0; row < k; ++row)
      for (int64_t c : e.dead_channels) b.data_as<int8_t>()[row * n + c] = 0;
  }
  return make_matmul(args.node, args.in(0), b, dnnl_type(args.out(0).dtype()), e.bias.data(),
                     e.attr);
}

namespace {

void matmul_int8(const KernelArgs& args) {
  auto prepared = prepare(args, shape_key(args), [&] { return matmul_int8_primitive(args); });
  stage_residual(args, prepared->dst_md);
  execute(*prepared, {{DNNL_ARG_SRC, wrap(prepared->src_md, args.in(0))},
                      {DNNL_ARG_DST, wrap(prepared->dst_md, args.out(0))}});
}

bool matmul_int8_supported(const ir::Node& node, const NodeTypes& types, std::string* reason) {
  if (!input_is_constant(node, 1) || types.inputs.at(1).shape.size() != 2)
    return decline(reason, "MatMulInt8's B must be a 2-D constant");
  return int8_epilogue_supported(node, types, reason);
}

}  // namespace

QRT_REGISTER_KERNEL("MatMulInt8", kBackend, DataType::kInt8, matmul_int8, matmul_int8_supported);

}  // namespace qrt::cpu
