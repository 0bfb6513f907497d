// cpu MatMul (f32, bf16): A [..., M, K] times a constant 2-D B [K, N], all of A's rows in one
// oneDNN matmul.
#include "backends/cpu/matmul_common.h"

namespace qrt::cpu {

Prepared matmul_primitive(const KernelArgs& args) {
  return make_matmul(args.node, args.in(0), args.in(1), dnnl_type(args.in(0).dtype()), nullptr,
                     dnnl::primitive_attr());
}

namespace {

void matmul(const KernelArgs& args) {
  auto prepared = prepare(args, shape_key(args), [&] { return matmul_primitive(args); });
  execute(*prepared, {{DNNL_ARG_SRC, wrap(prepared->src_md, args.in(0))},
                      {DNNL_ARG_DST, wrap(prepared->dst_md, args.out(0))}});
}

bool matmul_supported(const ir::Node& node, const NodeTypes& types, std::string* reason) {
  if (!float_type_supported(types, reason)) return false;
  if (types.inputs.at(1).dtype != types.inputs[0].dtype)
    return decline(reason, "MatMul's B must have A's type");
  if (!input_is_constant(node, 1) || types.inputs.at(1).shape.size() != 2)
    return decline(reason, "MatMul's B must be a 2-D constant");
  if (types.inputs.at(0).shape.size() < 2) return decline(reason, "MatMul's A must be 2-D or more");
  return true;
}

}  // namespace

QRT_REGISTER_KERNEL("MatMul", kBackend, DataType::kFloat32, matmul, matmul_supported);
QRT_REGISTER_KERNEL("MatMul", kBackend, DataType::kBFloat16, matmul, matmul_supported);

}  // namespace qrt::cpu
