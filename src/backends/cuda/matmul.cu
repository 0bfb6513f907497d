// MatMul on the CUDA backend, f32 and f16, through cuBLASLt (backends/cuda/cublaslt_gemm.h).
// Batches: a B shared by every batch folds the batch into M (one GEMM); otherwise a strided
// batched GEMM where each operand is either a full batch or shared. Batch dims broadcast in both
// operands at once are declined.
#include <vector>

#include "backends/cuda/cublaslt_gemm.h"

namespace qrt::cuda {
namespace {

bool plan_matmul(DataType dtype, std::vector<int64_t> a, std::vector<int64_t> b,
                 const std::vector<int64_t>& y, LtGemm* g, std::string* why) {
  if (a.size() == 1) a.insert(a.begin(), 1);  // a row vector
  if (b.size() == 1) b.push_back(1);          // a column vector
  g->dtype = dtype;
  g->m = a[a.size() - 2];
  g->k = a.back();
  g->n = b.back();
  const int64_t batch_a = shape_numel(std::span<const int64_t>(a.data(), a.size() - 2));
  const int64_t batch_b = shape_numel(std::span<const int64_t>(b.data(), b.size() - 2));
  const int64_t rows = g->m * g->n;
  const int64_t batch = rows == 0 ? 0 : shape_numel(y) / rows;
  if (batch_b == 1) {  // weights shared by every row of every batch
    g->m *= batch_a;
    return true;
  }
  g->batch = batch;
  g->stride_d = rows;
  g->stride_a = batch_a == 1 ? 0 : g->m * g->k;
  g->stride_b = g->k * g->n;
  if ((batch_a != 1 && batch_a != batch) || batch_b != batch) {
    *why = "batch dims broadcast in both operands";
    return false;
  }
  return true;
}

void matmul(const KernelArgs& args) {
  LtGemm g;
  std::string why;
  if (!plan_matmul(args.in(0).dtype(), args.in(0).shape(), args.in(1).shape(), args.out(0).shape(),
                   &g, &why))
    throw Error(args.node.describe() + ": " + why);
  lt_gemm_run(resources(args), g, args.in(0).data(), args.in(1).data(), args.out(0).data(),
              lt_heuristic_index(args.node.tactic, args.node.describe()), args.node.describe());
}

bool supported(const ir::Node&, const NodeTypes& types, std::string* reason) {
  if (types.inputs.size() != 2 || types.inputs[1].dtype != types.inputs[0].dtype) {
    *reason = "A and B of different element types";
    return false;
  }
  LtGemm g;
  return plan_matmul(types.inputs[0].dtype, types.inputs[0].shape, types.inputs[1].shape,
                     types.outputs.at(0).shape, &g, reason);
}

std::string tune(const ir::Node&, const NodeTypes& types, const void* resources) {
  LtGemm g;
  std::string why;
  if (!plan_matmul(types.inputs[0].dtype, types.inputs[0].shape, types.inputs[1].shape,
                   types.outputs.at(0).shape, &g, &why))
    return "";
  return lt_gemm_tune(*static_cast<const Resources*>(resources), g);
}

}  // namespace

QRT_REGISTER_KERNEL("MatMul", "cuda", DataType::kFloat32, matmul, supported, tune);
QRT_REGISTER_KERNEL("MatMul", "cuda", DataType::kFloat16, matmul, supported, tune);

}  // namespace qrt::cuda
