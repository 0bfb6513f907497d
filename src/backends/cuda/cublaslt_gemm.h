// Gemm and MatMul through cuBLASLt, f32 and f16 (f32 accumulation; f32 uses TF32 only when
// Resources::allow_tf32). Row-major operands are handed to cuBLASLt as their column-major
// transposes: D^T = op(B)^T op(A)^T.
//
// Tactics: "heur=<i>", the index of the fastest timed algorithm in cuBLASLt's heuristic list for
// the problem (the list is recomputed at run time; an index beyond it, or an empty tactic, takes
// the first).
#pragma once

#include <cstdint>
#include <string>

#include "backends/cuda/cuda_resources.h"

namespace qrt::cuda {

// Row-major D[i] (m x n) = alpha * op(A[i]) * op(B[i]) + beta * D[i] (+ bias[n] per row) for
// i < batch; strides in elements, 0 for an operand shared by all.
struct LtGemm {
  DataType dtype = DataType::kFloat32;
  int64_t m = 0, n = 0, k = 0;
  bool trans_a = false, trans_b = false;
  int64_t batch = 1, stride_a = 0, stride_b = 0, stride_d = 0;
  float alpha = 1, beta = 0;
  bool bias_epilogue = false;  // adds bias[n] to every row (cuBLASLt's BIAS epilogue)
  const void* bias = nullptr;
};

// Enqueues the product on res.stream with the heuristic choice `heur`.
void lt_gemm_run(const Resources& res, const LtGemm& g, const void* a, const void* b, void* d,
                 int heur, const std::string& what);
// Times the heuristic list on random operands; returns "heur=<i>" ("" when there is no choice).
std::string lt_gemm_tune(const Resources& res, LtGemm g);
// The index in a "heur=<i>" tactic (0 for an empty one); throws naming `what` if unreadable.
int lt_heuristic_index(const std::string& tactic, const std::string& what);

}  // namespace qrt::cuda
