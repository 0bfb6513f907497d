// cpu Gemm (f32, bf16): Y = A * B' + C for a constant B and an optional constant row bias C, as a
// oneDNN matmul (alpha = beta = 1, A not transposed: what classifier heads use); C is widened to
// f32 (exact for bf16).
#include <vector>

#include "backends/cpu/matmul_common.h"

namespace qrt::cpu {

Prepared gemm_primitive(const KernelArgs& args) {
  const std::vector<float> bias =
      args.has_in(2) ? args.in(2).to_float_vector() : std::vector<float>();
  return make_matmul(args.node, args.in(0), args.in(1), dnnl_type(args.in(0).dtype()),
                     bias.empty() ? nullptr : bias.data(), dnnl::primitive_attr());
}

namespace {

void gemm(const KernelArgs& args) {
  auto prepared = prepare(args, shape_key(args), [&] { return gemm_primitive(args); });
  execute(*prepared, {{DNNL_ARG_SRC, wrap(prepared->src_md, args.in(0))},
                      {DNNL_ARG_DST, wrap(prepared->dst_md, args.out(0))}});
}

bool gemm_supported(const ir::Node& node, const NodeTypes& types, std::string* reason) {
  if (!float_type_supported(types, reason)) return false;
  if (types.inputs.at(1).dtype != types.inputs[0].dtype)
    return decline(reason, "Gemm's B must have A's type");
  if (node.attr_int("transA", 0) != 0) return decline(reason, "Gemm with transA");
  if (node.attr_float("alpha", 1.f) != 1.f) return decline(reason, "Gemm with alpha != 1");
  const bool has_c = node.inputs.size() > 2 && node.inputs[2];
  if (has_c && node.attr_float("beta", 1.f) != 1.f) return decline(reason, "Gemm with beta != 1");
  if (!input_is_constant(node, 1)) return decline(reason, "Gemm's B must be a constant");
  if (has_c) {
    if (!input_is_constant(node, 2)) return decline(reason, "Gemm's C must be a constant");
    const auto& c = types.inputs[2].shape;
    const int64_t n = types.outputs.at(0).shape.at(1);
    const bool row = (c.size() == 1 && c[0] == n) || (c.size() == 2 && c[0] == 1 && c[1] == n);
    if (!row) return decline(reason, "Gemm's C must be a row of N values");
  }
  return true;
}

}  // namespace

QRT_REGISTER_KERNEL("Gemm", kBackend, DataType::kFloat32, gemm, gemm_supported);
QRT_REGISTER_KERNEL("Gemm", kBackend, DataType::kBFloat16, gemm, gemm_supported);

}  // namespace qrt::cpu
