// cuBLASLt Gemm and MatMul against the reference backend, f32 and f16, default and tuned.
#include <gtest/gtest.h>

#include <cstdio>

#include "cuda/cuda_kernel_runner.h"
#include "cuda/cuda_test_util.h"
#include "op_test_util.h"

namespace qrt::test {
namespace {

using Attrs = std::map<std::string, ir::AttributeValue>;

void check(const std::string& op, const std::vector<Tensor>& inputs, const Attrs& attrs,
           const std::string& what) {
  for (DataType dtype : {DataType::kFloat32, DataType::kFloat16})
    for (bool tune : {false, true}) {
      std::vector<Tensor> in;
      for (const Tensor& t : inputs)
        in.push_back(!t.defined() || dtype == DataType::kFloat32 ? t : to_f16(t));
      const Tensor want = to_f32(run_op(op, in, attrs).at(0));
      const CudaRun run = run_cuda_kernel(op, in, attrs, {dtype, want.shape()}, tune);
      const double tolerance = dtype == DataType::kFloat16 ? 2e-3 : 1e-5;
      EXPECT_LE(max_rel_error(to_f32(run.outputs.at(0)), want), tolerance)
          << what << (dtype == DataType::kFloat16 ? " f16" : " f32")
          << (tune ? " tuned '" + run.tactic + "'" : " default");
    }
}

TEST(CudaGemm, MatchesReference) {
  QRT_SKIP_WITHOUT_GPU();
  check("Gemm", {random_tensor({7, 13}, 1), random_tensor({13, 5}, 2)}, {}, "plain");
  check("Gemm", {random_tensor({13, 7}, 3), random_tensor({9, 13}, 4), random_tensor({9}, 5)},
        {{"transA", int64_t{1}}, {"transB", int64_t{1}}}, "transposed, bias epilogue");
  check("Gemm", {random_tensor({33, 70}, 6), random_tensor({70, 21}, 7), random_tensor({33, 1}, 8)},
        {{"alpha", 0.5f}, {"beta", 2.f}}, "alpha beta, C per row");
  check("Gemm",
        {random_tensor({64, 96}, 9), random_tensor({40, 96}, 10), random_tensor({64, 40}, 11)},
        {{"transB", int64_t{1}}, {"beta", -1.f}}, "full C");
  check("Gemm",
        {random_tensor({1, 300}, 12), random_tensor({300, 1000}, 13), random_tensor({}, 14)}, {},
        "batch 1 classifier, scalar C");
}

TEST(CudaMatMul, MatchesReference) {
  QRT_SKIP_WITHOUT_GPU();
  check("MatMul", {random_tensor({5, 11}, 1), random_tensor({11, 3}, 2)}, {}, "2-D");
  check("MatMul", {random_tensor({4, 9, 17}, 3), random_tensor({17, 6}, 4)}, {},
        "batched A, shared B (folded)");
  check("MatMul", {random_tensor({2, 3, 9, 17}, 5), random_tensor({2, 3, 17, 6}, 6)}, {},
        "batched both");
  check("MatMul", {random_tensor({9, 17}, 7), random_tensor({5, 17, 6}, 8)}, {},
        "shared A, batched B");
  check("MatMul", {random_tensor({17}, 9), random_tensor({3, 17, 6}, 10)}, {}, "1-D A");
  check("MatMul", {random_tensor({3, 4, 17}, 11), random_tensor({17}, 12)}, {}, "1-D B");
}

TEST(CudaMatMul, DeclinesDoubleBroadcast) {
  QRT_SKIP_WITHOUT_GPU();
  EXPECT_THROW(
      run_cuda_op("MatMul", {random_tensor({2, 1, 4, 5}, 1), random_tensor({1, 3, 5, 2}, 2)}),
      Error);
}

TEST(CudaGemmBench, F16Square4096) {
  QRT_SKIP_WITHOUT_GPU();
  const int64_t s = 4096;
  const Tensor a = to_f16(random_tensor({s, s}, 1));
  const Tensor b = to_f16(random_tensor({s, s}, 2));
  CudaKernelRunner gemm("Gemm", {a, b}, {{"transB", int64_t{1}}}, {{DataType::kFloat16, {s, s}}});
  const double default_ms = gemm.time_ms(10);
  const std::string tactic = gemm.tune();
  const double tuned_ms = gemm.time_ms(10);
  const double flops = 2.0 * s * s * s;
  std::printf(
      "[bench] Gemm f16 4096^3: default %.3f ms (%.0f TFLOPS), tuned '%s' %.3f ms "
      "(%.0f TFLOPS)\n",
      default_ms, flops / default_ms / 1e9, tactic.c_str(), tuned_ms, flops / tuned_ms / 1e9);
}

}  // namespace
}  // namespace qrt::test
