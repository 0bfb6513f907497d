#include "backends/reference/gemm_util.h"

#include <algorithm>
#include <vector>

namespace qrt::reference {

namespace {

// Block sizes: a packed kBlockK x kBlockN panel of B (128 KiB in float) stays in L2 while
// every row of A streams over it; four rows of C (4 KiB) stay in L1. Rows of A are taken
// kBlockM at a time to bound the scratch buffer.
constexpr int64_t kBlockN = 256;
constexpr int64_t kBlockK = 128;
constexpr int64_t kBlockM = 256;

// Copies rows k0..k0+kb and columns n0..n0+nb of op(B) into a dense kb x nb buffer.
template <typename T>
void pack_b(bool trans_b, const T* b, int64_t ldb, int64_t k0, int64_t kb, int64_t n0, int64_t nb,
            T* packed) {
  if (!trans_b) {
    for (int64_t p = 0; p < kb; ++p) std::copy_n(b + (k0 + p) * ldb + n0, nb, packed + p * nb);
    return;
  }
  for (int64_t j = 0; j < nb; ++j) {
    const T* src = b + (n0 + j) * ldb + k0;
    for (int64_t p = 0; p < kb; ++p) packed[p * nb + j] = src[p];
  }
}

// c_r[0..nb) += sum_p a[r][p] * packed[p][0..nb) for four rows r at once, so each packed
// value loaded feeds four multiply-adds.
template <typename T>
void rows4_kernel(int64_t kb, int64_t nb, const T* a0, const T* a1, const T* a2, const T* a3,
                  const T* __restrict packed, T* __restrict c0, T* __restrict c1, T* __restrict c2,
                  T* __restrict c3) {
  for (int64_t p = 0; p < kb; ++p) {
    const T v0 = a0[p], v1 = a1[p], v2 = a2[p], v3 = a3[p];
    const T* __restrict bp = packed + p * nb;
    for (int64_t j = 0; j < nb; ++j) {
      const T bv = bp[j];
      c0[j] += v0 * bv;
      c1[j] += v1 * bv;
      c2[j] += v2 * bv;
      c3[j] += v3 * bv;
    }
  }
}

template <typename T>
void row_kernel(int64_t kb, int64_t nb, const T* a0, const T* __restrict packed, T* __restrict c0) {
  for (int64_t p = 0; p < kb; ++p) {
    const T v0 = a0[p];
    const T* __restrict bp = packed + p * nb;
    for (int64_t j = 0; j < nb; ++j) c0[j] += v0 * bp[j];
  }
}

}  // namespace

template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
          int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i) {
    T* row = c + i * ldc;
    if (beta == T(0))
      std::fill_n(row, n, T(0));
    else if (beta != T(1))
      for (int64_t j = 0; j < n; ++j) row[j] *= beta;
  }
  if (m == 0 || n == 0 || k == 0 || alpha == T(0)) return;

  std::vector<T> packed(static_cast<size_t>(std::min(k, kBlockK) * std::min(n, kBlockN)));
  // alpha * op(A) for the current block of rows and K, one contiguous row per row of C.
  std::vector<T> a_block(static_cast<size_t>(std::min(m, kBlockM) * std::min(k, kBlockK)));
  for (int64_t m0 = 0; m0 < m; m0 += kBlockM) {
    const int64_t mb = std::min(kBlockM, m - m0);
    for (int64_t k0 = 0; k0 < k; k0 += kBlockK) {
      const int64_t kb = std::min(kBlockK, k - k0);
      for (int64_t i = 0; i < mb; ++i)
        for (int64_t p = 0; p < kb; ++p)
          a_block[i * kb + p] =
              alpha * (trans_a ? a[(k0 + p) * lda + m0 + i] : a[(m0 + i) * lda + k0 + p]);
      for (int64_t n0 = 0; n0 < n; n0 += kBlockN) {
        const int64_t nb = std::min(kBlockN, n - n0);
        pack_b(trans_b, b, ldb, k0, kb, n0, nb, packed.data());
        T* c_block = c + m0 * ldc + n0;
        int64_t i = 0;
        for (; i + 4 <= mb; i += 4) {
          const T* ai = a_block.data() + i * kb;
          T* ci = c_block + i * ldc;
          rows4_kernel(kb, nb, ai, ai + kb, ai + 2 * kb, ai + 3 * kb, packed.data(), ci, ci + ldc,
                       ci + 2 * ldc, ci + 3 * ldc);
        }
        for (; i < mb; ++i)
          row_kernel(kb, nb, a_block.data() + i * kb, packed.data(), c_block + i * ldc);
      }
    }
  }
}

template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t,
                          const float*, int64_t, float, float*, int64_t);
template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*, int64_t,
                           const double*, int64_t, double, double*, int64_t);

}  // namespace qrt::reference
