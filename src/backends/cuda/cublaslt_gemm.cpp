#include "backends/cuda/cublaslt_gemm.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "backends/cuda/cuda_check.h"
#include "backends/cuda/cuda_device.h"
#include "backends/cuda/cuda_timing.h"
#include "backends/cuda/epilogue_kernels.h"

namespace qrt::cuda {
namespace {

constexpr int kMaxHeuristics = 8;

// The largest power of two (up to 256) dividing the address and every stride, in bytes.
uint32_t alignment(const void* p, std::initializer_list<int64_t> byte_strides) {
  uint64_t bits = reinterpret_cast<uintptr_t>(p) | 256;
  for (int64_t s : byte_strides) bits |= static_cast<uint64_t>(s);
  return static_cast<uint32_t>(bits & (~bits + 1));
}

// Descriptors of one problem, released on scope exit.
struct LtDescriptors {
  cublasLtMatmulDesc_t op = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, d = nullptr;
  cublasLtMatmulPreference_t pref = nullptr;
  std::vector<cublasLtMatmulHeuristicResult_t> heuristics;

  LtDescriptors(const Resources& res, const LtGemm& g, const void* pa, const void* pb,
                const void* pd) {
    try {
      const bool half = g.dtype == DataType::kFloat16;
      const cudaDataType_t type = half ? CUDA_R_16F : CUDA_R_32F;
      const size_t elem = dtype_size(g.dtype);
      const cublasComputeType_t compute =
          !half && res.allow_tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
      QRT_CUBLAS_CHECK(cublasLtMatmulDescCreate(&op, compute, CUDA_R_32F));
      // cuBLASLt's A is our B and its B our A (column-major views of the transposes).
      const cublasOperation_t ta = g.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
      const cublasOperation_t tb = g.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
      QRT_CUBLAS_CHECK(
          cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof(ta)));
      QRT_CUBLAS_CHECK(
          cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof(tb)));
      if (g.bias_epilogue) {
        const cublasLtEpilogue_t epilogue = CUBLASLT_EPILOGUE_BIAS;
        QRT_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_EPILOGUE,
                                                        &epilogue, sizeof(epilogue)));
        QRT_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_BIAS_POINTER,
                                                        &g.bias, sizeof(g.bias)));
        QRT_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE,
                                                        &type, sizeof(type)));
      }
      const int64_t lda = g.trans_b ? g.k : g.n, ldb = g.trans_a ? g.m : g.k, ldd = g.n;
      QRT_CUBLAS_CHECK(
          cublasLtMatrixLayoutCreate(&a, type, g.trans_b ? g.k : g.n, g.trans_b ? g.n : g.k, lda));
      QRT_CUBLAS_CHECK(
          cublasLtMatrixLayoutCreate(&b, type, g.trans_a ? g.m : g.k, g.trans_a ? g.k : g.m, ldb));
      QRT_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&d, type, g.n, g.m, ldd));
      if (g.batch > 1) {
        const int32_t count = static_cast<int32_t>(g.batch);
        const std::pair<cublasLtMatrixLayout_t, int64_t> layouts[] = {
            {a, g.stride_b}, {b, g.stride_a}, {d, g.stride_d}};
        for (const auto& [layout, stride] : layouts) {
          QRT_CUBLAS_CHECK(cublasLtMatrixLayoutSetAttribute(
              layout, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &count, sizeof(count)));
          QRT_CUBLAS_CHECK(cublasLtMatrixLayoutSetAttribute(
              layout, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride, sizeof(stride)));
        }
      }
      QRT_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&pref));
      const uint64_t ws = res.workspace_bytes;
      QRT_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(
          pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof(ws)));
      const int64_t e = static_cast<int64_t>(elem);
      const uint32_t align_a = alignment(pb, {lda * e, g.stride_b * e});
      const uint32_t align_b = alignment(pa, {ldb * e, g.stride_a * e});
      const uint32_t align_d = alignment(pd, {ldd * e, g.stride_d * e});
      const std::pair<cublasLtMatmulPreferenceAttributes_t, uint32_t> aligns[] = {
          {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, align_a},
          {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, align_b},
          {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, align_d},
          {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, align_d}};
      for (const auto& [attr, value] : aligns)
        QRT_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(pref, attr, &value, sizeof(value)));
      heuristics.resize(kMaxHeuristics);
      int returned = 0;
      QRT_CUBLAS_CHECK(cublasLtMatmulAlgoGetHeuristic(
          res.cublaslt, op, a, b, d, d, pref, kMaxHeuristics, heuristics.data(), &returned));
      heuristics.resize(static_cast<size_t>(returned));
    } catch (...) {
      destroy();
      throw;
    }
  }
  ~LtDescriptors() { destroy(); }
  LtDescriptors(const LtDescriptors&) = delete;
  LtDescriptors& operator=(const LtDescriptors&) = delete;

  void run(const Resources& res, const LtGemm& g, const void* pa, const void* pb, void* pd,
           size_t heur) const {
    QRT_CUBLAS_CHECK(cublasLtMatmul(res.cublaslt, op, &g.alpha, pb, a, pa, b, &g.beta, pd, d, pd, d,
                                    &heuristics.at(heur).algo, res.workspace, res.workspace_bytes,
                                    res.stream));
  }

 private:
  void destroy() {
    if (pref) cublasLtMatmulPreferenceDestroy(pref);
    if (d) cublasLtMatrixLayoutDestroy(d);
    if (b) cublasLtMatrixLayoutDestroy(b);
    if (a) cublasLtMatrixLayoutDestroy(a);
    if (op) cublasLtMatmulDescDestroy(op);
  }
};

}  // namespace

int lt_heuristic_index(const std::string& tactic, const std::string& what) {
  if (tactic.empty()) return 0;
  int index = 0;
  if (std::sscanf(tactic.c_str(), "heur=%d", &index) != 1 || index < 0)
    throw Error(what + ": unreadable cuBLASLt tactic '" + tactic + "'");
  return index;
}

void lt_gemm_run(const Resources& res, const LtGemm& g, const void* a, const void* b, void* d,
                 int heur, const std::string& what) {
  if (g.m == 0 || g.n == 0 || g.batch == 0) return;
  const LtDescriptors desc(res, g, a, b, d);
  if (desc.heuristics.empty()) throw Error(what + ": cuBLASLt has no algorithm for this product");
  const size_t index = static_cast<size_t>(heur) < desc.heuristics.size() ? heur : 0;
  desc.run(res, g, a, b, d, index);
}

std::string lt_gemm_tune(const Resources& res, LtGemm g) {
  if (g.m == 0 || g.n == 0 || g.batch == 0) return "";
  const size_t elem = dtype_size(g.dtype);
  auto count_of = [&](int64_t rows, int64_t cols, int64_t stride) {
    return std::max<int64_t>(1, (g.batch - 1) * stride + rows * cols);
  };
  const int64_t counts[] = {count_of(g.m, g.k, g.stride_a), count_of(g.k, g.n, g.stride_b),
                            count_of(g.m, g.n, g.stride_d), g.n};
  std::vector<DeviceBuffer> buffers;
  for (size_t i = 0; i < 4; ++i) {
    buffers.emplace_back(static_cast<size_t>(counts[i]) * elem, "tuning operand");
    launch_fill_random(g.dtype, buffers.back().get(), counts[i], static_cast<uint32_t>(i + 7),
                       res.stream);
  }
  if (g.bias_epilogue) g.bias = buffers[3].get();
  const LtDescriptors desc(res, g, buffers[0].get(), buffers[1].get(), buffers[2].get());
  if (desc.heuristics.size() < 2) return "";
  double best_ms = 0;
  int best = -1;
  for (size_t h = 0; h < desc.heuristics.size(); ++h) {
    auto enqueue = [&] {
      desc.run(res, g, buffers[0].get(), buffers[1].get(), buffers[2].get(), h);
    };
    enqueue();  // warm-up
    const double ms = time_enqueued_ms(res.stream, 5, enqueue);
    if (best < 0 || ms < best_ms) {
      best_ms = ms;
      best = static_cast<int>(h);
    }
  }
  return best < 0 ? "" : "heur=" + std::to_string(best);
}

}  // namespace qrt::cuda
