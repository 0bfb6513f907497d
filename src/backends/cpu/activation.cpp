// cpu unary activations and elementwise math (Relu, LeakyRelu, Sigmoid, Tanh, HardSigmoid,
// HardSwish, Elu, Clip, Exp, Log, Abs, Sqrt; f32 and bf16): one oneDNN eltwise primitive over the
// flattened tensor (the ops are elementwise, so any rank and any dense layout is one 1-D run;
// the source may be the destination). A node in a blocked run (4-D, "cpu_layout", see
// dnnl_util.h) runs on the blocked descriptor instead, so that oneDNN knows which elements are
// channel padding: it writes zeros there even where f(0) != 0 (Sigmoid, HardSigmoid's + beta),
// as the layout pass relies on (checked by cpu_layout_test).
//
// oneDNN 2.6 has no hard sigmoid: HardSigmoid is eltwise_linear (alpha * x + beta) followed by
// eltwise_clip to [0, 1] in place on the output (bf16: the linear step rounds once, the clip is
// exact). oneDNN's hardswish is x * min(max(x + 3, 0), 6) / 6, ONNX's HardSwish
// x * max(0, min(1, x / 6 + 1 / 2)): the same function, rounded differently (a few ulp).
// Clip reads its bounds from constant inputs 1 and 2 (opset 11+) or the min / max attributes
// (before); oneDNN's clip gives alpha for every input when alpha > beta where ONNX gives max, so
// min > max is declined.
#include <limits>

#include "backends/cpu/dnnl_util.h"

namespace qrt::cpu {
namespace {

using alg = dnnl::algorithm;

struct Eltwise {
  alg algorithm = alg::eltwise_relu;
  float alpha = 0.f, beta = 0.f;
};

// The scalar of input i of a Clip node (`value`: the input's tensor, or null when omitted), else
// its min / max attribute (opset < 11), else `fallback`.
float clip_bound(const ir::Node& node, size_t i, const Tensor* value, float fallback) {
  if (value && value->defined()) return value->to_float_vector().at(0);
  return node.attr_float(i == 1 ? "min" : "max", fallback);
}

// The constant input i of the node, or null.
const Tensor* constant_input(const ir::Node& node, size_t i) {
  const ir::Value* v = node.input(i);
  return v && v->is_constant() ? &*v->constant : nullptr;
}

Eltwise eltwise_of(const KernelArgs& args) {
  const ir::Node& node = args.node;
  const std::string& op = node.op_type;
  if (op == "Relu") return {alg::eltwise_relu, 0.f, 0.f};
  if (op == "LeakyRelu") return {alg::eltwise_relu, node.attr_float("alpha", 0.01f), 0.f};
  if (op == "Sigmoid") return {alg::eltwise_logistic, 0.f, 0.f};
  if (op == "Tanh") return {alg::eltwise_tanh, 0.f, 0.f};
  if (op == "HardSigmoid")
    return {alg::eltwise_linear, node.attr_float("alpha", 0.2f), node.attr_float("beta", 0.5f)};
  if (op == "HardSwish") return {alg::eltwise_hardswish, 0.f, 0.f};
  if (op == "Elu") return {alg::eltwise_elu, node.attr_float("alpha", 1.f), 0.f};
  if (op == "Exp") return {alg::eltwise_exp, 0.f, 0.f};
  if (op == "Log") return {alg::eltwise_log, 0.f, 0.f};
  if (op == "Abs") return {alg::eltwise_abs, 0.f, 0.f};
  if (op == "Sqrt") return {alg::eltwise_sqrt, 0.f, 0.f};
  if (op == "Clip") {
    const float inf = std::numeric_limits<float>::infinity();
    return {alg::eltwise_clip, clip_bound(node, 1, args.has_in(1) ? &args.in(1) : nullptr, -inf),
            clip_bound(node, 2, args.has_in(2) ? &args.in(2) : nullptr, inf)};
  }
  throw Error("cpu: no eltwise for " + op);
}

// The descriptor the eltwise runs on: blocked for nodes in a blocked run, else one flat run.
dnnl::memory::desc eltwise_desc(const ir::Node& node, const Tensor& x) {
  if (is_blocked(node)) return blocked_desc(node, x.shape(), x.dtype());
  return dnnl::memory::desc({x.numel()}, dnnl_type(x.dtype()), dnnl::memory::format_tag::a);
}

Prepared make_eltwise(const dnnl::memory::desc& md, const Eltwise& e) {
  const dnnl::eltwise_forward::desc desc(dnnl::prop_kind::forward_inference, e.algorithm, md,
                                         e.alpha, e.beta);
  Prepared p;
  p.primitive = dnnl::eltwise_forward(dnnl::eltwise_forward::primitive_desc(desc, cpu_engine()));
  p.src_md = p.dst_md = md;
  return p;
}

void activation(const KernelArgs& args) {
  const Tensor& x = args.in(0);
  if (x.numel() == 0) return;
  const std::string key = shape_key(args);
  auto prepared = prepare(
      args, key, [&] { return make_eltwise(eltwise_desc(args.node, x), eltwise_of(args)); });
  const dnnl::memory dst = wrap(prepared->dst_md, args.out(0));
  execute(*prepared, {{DNNL_ARG_SRC, wrap(prepared->src_md, x)}, {DNNL_ARG_DST, dst}});
  if (args.node.op_type == "HardSigmoid") {
    auto clip = prepare(args, key + "|clip", [&] {
      return make_eltwise(eltwise_desc(args.node, x), {alg::eltwise_clip, 0.f, 1.f});
    });
    execute(*clip, {{DNNL_ARG_SRC, dst}, {DNNL_ARG_DST, dst}});
  }
}

bool activation_supported(const ir::Node& node, const NodeTypes& types, std::string* reason) {
  if (!float_type_supported(types, reason)) return false;
  if (types.outputs.at(0).dtype != types.inputs.at(0).dtype)
    return decline(reason, "output type differs from the input's");
  if (node.op_type != "Clip") return true;
  for (size_t i = 1; i < 3; ++i) {
    if (!node.input(i)) continue;
    if (!input_is_constant(node, i)) return decline(reason, "Clip's min and max must be constants");
    if (node.input(i)->constant->numel() != 1) return decline(reason, "Clip's bounds are scalars");
  }
  const float inf = std::numeric_limits<float>::infinity();
  if (clip_bound(node, 1, constant_input(node, 1), -inf) >
      clip_bound(node, 2, constant_input(node, 2), inf))
    return decline(reason, "Clip with min > max");
  return true;
}

}  // namespace

QRT_REGISTER_KERNEL("Relu", kBackend, DataType::kFloat32, activation, activation_supported);
QRT_REGISTER_KERNEL("LeakyRelu", kBackend, DataType::kFloat32, activation, activation_supported);
QRT_REGISTER_KERNEL("Sigmoid", kBackend, DataType::kFloat32, activation, activation_supported);
QRT_REGISTER_KERNEL("Tanh", kBackend, DataType::kFloat32, activation, activation_supported);
QRT_REGISTER_KERNEL("HardSigmoid", kBackend, DataType::kFloat32, activation, activation_supported);
QRT_REGISTER_KERNEL("HardSwish", kBackend, DataType::kFloat32, activation, activation_supported);
QRT_REGISTER_KERNEL("Elu", kBackend, DataType::kFloat32, activation, activation_supported);
QRT_REGISTER_KERNEL("Exp", kBackend, DataType::kFloat32, activation, activation_supported);
QRT_REGISTER_KERNEL("Log", kBackend, DataType::kFloat32, activation, activation_supported);
QRT_REGISTER_KERNEL("Abs", kBackend, DataType::kFloat32, activation, activation_supported);
QRT_REGISTER_KERNEL("Sqrt", kBackend, DataType::kFloat32, activation, activation_supported);
QRT_REGISTER_KERNEL("Clip", kBackend, DataType::kFloat32, activation, activation_supported);
QRT_REGISTER_KERNEL("Relu", kBackend, DataType::kBFloat16, activation, activation_supported);
QRT_REGISTER_KERNEL("LeakyRelu", kBackend, DataType::kBFloat16, activation, activation_supported);
QRT_REGISTER_KERNEL("Sigmoid", kBackend, DataType::kBFloat16, activation, activation_supported);
QRT_REGISTER_KERNEL("Tanh", kBackend, DataType::kBFloat16, activation, activation_supported);
QRT_REGISTER_KERNEL("HardSigmoid", kBackend, DataType::kBFloat16, activation, activation_supported);
QRT_REGISTER_KERNEL("HardSwish", kBackend, DataType::kBFloat16, activation, activation_supported);
QRT_REGISTER_KERNEL("Elu", kBackend, DataType::kBFloat16, activation, activation_supported);
QRT_REGISTER_KERNEL("Exp", kBackend, DataType::kBFloat16, activation, activation_supported);
QRT_REGISTER_KERNEL("Log", kBackend, DataType::kBFloat16, activation, activation_supported);
QRT_REGISTER_KERNEL("Abs", kBackend, DataType::kBFloat16, activation, activation_supported);
QRT_REGISTER_KERNEL("Sqrt", kBackend, DataType::kBFloat16, activation, activation_supported);
QRT_REGISTER_KERNEL("Clip", kBackend, DataType::kBFloat16, activation, activation_supported);

}  // namespace qrt::cpu
