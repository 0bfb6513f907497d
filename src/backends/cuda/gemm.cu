// Gemm on the CUDA backend, f32 and f16, through cuBLASLt (backends/cuda/cublaslt_gemm.h): a C
// of one row with beta 1 is cuBLASLt's bias epilogue; any other C is broadcast into Y first and
// scaled by beta in the product.
#include <vector>

#include "backends/cuda/cublaslt_gemm.h"
#include "backends/cuda/epilogue_kernels.h"

namespace qrt::cuda {
namespace {

struct GemmPlan {
  LtGemm lt;
  bool copy_c = false;  // Y = broadcast(C) before the product
  int64_t c_stride_m = 0, c_stride_n = 0;
};

GemmPlan plan_gemm(const ir::Node& node, DataType dtype, const std::vector<int64_t>& a,
                   const std::vector<int64_t>& b, const std::vector<int64_t>* c) {
  GemmPlan p;
  LtGemm& g = p.lt;
  g.dtype = dtype;
  g.trans_a = node.attr_int("transA", 0) != 0;
  g.trans_b = node.attr_int("transB", 0) != 0;
  g.m = g.trans_a ? a[1] : a[0];
  g.k = g.trans_a ? a[0] : a[1];
  g.n = g.trans_b ? b[0] : b[1];
  g.alpha = node.attr_float("alpha", 1.f);
  const float beta = node.attr_float("beta", 1.f);
  if (!c || beta == 0.f) return p;
  const int64_t cm = c->size() == 2 ? (*c)[0] : 1, cn = c->empty() ? 1 : c->back();
  if (beta == 1.f && cm == 1 && cn == g.n) {
    g.bias_epilogue = true;
    return p;
  }
  p.copy_c = true;
  p.c_stride_n = cn == 1 ? 0 : 1;
  p.c_stride_m = cm == 1 ? 0 : cn;
  g.beta = beta;
  return p;
}

const std::vector<int64_t>* c_shape(const NodeTypes& types) {
  return types.inputs.size() > 2 && types.inputs[2].dtype != DataType::kUndefined
             ? &types.inputs[2].shape
             : nullptr;
}

void gemm(const KernelArgs& args) {
  const Resources& res = resources(args);
  GemmPlan p = plan_gemm(args.node, args.in(0).dtype(), args.in(0).shape(), args.in(1).shape(),
                         args.has_in(2) ? &args.in(2).shape() : nullptr);
  if (p.lt.bias_epilogue) p.lt.bias = args.in(2).data();
  if (p.copy_c)
    launch_broadcast_2d(p.lt.dtype, args.in(2).data(), p.c_stride_m, p.c_stride_n,
                        args.out(0).data(), p.lt.m, p.lt.n, res.stream);
  lt_gemm_run(res, p.lt, args.in(0).data(), args.in(1).data(), args.out(0).data(),
              lt_heuristic_index(args.node.tactic, args.node.describe()), args.node.describe());
}

std::string tune_gemm(const ir::Node& node, const NodeTypes& types, const void* resources) {
  const GemmPlan p = plan_gemm(node, types.inputs[0].dtype, types.inputs[0].shape,
                               types.inputs[1].shape, c_shape(types));
  return lt_gemm_tune(*static_cast<const Resources*>(resources), p.lt);
}

bool same_dtypes(const ir::Node&, const NodeTypes& types, std::string* reason) {
  for (const ir::TensorType& t : types.inputs)
    if (t.dtype != DataType::kUndefined && t.dtype != types.inputs[0].dtype) {
      *reason = "inputs of different element types";
      return false;
    }
  return true;
}

}  // namespace

QRT_REGISTER_KERNEL("Gemm", "cuda", DataType::kFloat32, gemm, same_dtypes, tune_gemm);
QRT_REGISTER_KERNEL("Gemm", "cuda", DataType::kFloat16, gemm, same_dtypes, tune_gemm);

}  // namespace qrt::cuda
