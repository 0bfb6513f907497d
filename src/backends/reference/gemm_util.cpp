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

// The int8 GEMM works on dot products: row i of op(A) and column j of op(B), both widened to
// int16 and contiguous, so the compiler turns the inner loop into 16-bit multiply-adds into
// int32 lanes (pmaddwd and the like). Rows of A are widened kInt8BlockM at a time; columns of
// op(B) in panels of about 32 KiB.
constexpr int64_t kInt8BlockM = 64;

int64_t int8_panel_columns(int64_t k) {
  return std::clamp<int64_t>((int64_t{16} << 10) / std::max<int64_t>(k, 1) / 4 * 4, 4, 256);
}

// Writes `rows` k-long int16 rows: row r is row r0 + r of X (ld apart) or, when `columns`, the
// column r0 + r of X (a k x ? matrix).
void widen_rows(bool columns, const int8_t* x, int64_t ld, int64_t r0, int64_t rows, int64_t k,
                int16_t* out) {
  if (!columns) {
    for (int64_t r = 0; r < rows; ++r) std::copy_n(x + (r0 + r) * ld, k, out + r * k);
    return;
  }
  // Blocks of 8 source rows: each output row gets 8 contiguous values per pass.
  constexpr int64_t kStep = 8;
  int64_t p0 = 0;
  for (; p0 + kStep <= k; p0 += kStep)
    for (int64_t r = 0; r < rows; ++r) {
      const int8_t* src = x + p0 * ld + r0 + r;
      int16_t* dst = out + r * k + p0;
      for (int64_t p = 0; p < kStep; ++p) dst[p] = src[p * ld];
    }
  for (int64_t p = p0; p < k; ++p) {
    const int8_t* src = x + p * ld + r0;
    for (int64_t r = 0; r < rows; ++r) out[r * k + p] = src[r];
  }
}

// c[0..4) = the dot products of `a` with four consecutive k-long rows of `b`, sharing each a
// value loaded.
void dot4(int64_t k, const int16_t* __restrict a, const int16_t* __restrict b, int32_t* c) {
  const int16_t* __restrict b0 = b;
  const int16_t* __restrict b1 = b + k;
  const int16_t* __restrict b2 = b + 2 * k;
  const int16_t* __restrict b3 = b + 3 * k;
  int32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (int64_t p = 0; p < k; ++p) {
    const int32_t v = a[p];
    s0 += v * b0[p];
    s1 += v * b1[p];
    s2 += v * b2[p];
    s3 += v * b3[p];
  }
  c[0] = s0;
  c[1] = s1;
  c[2] = s2;
  c[3] = s3;
}

int32_t dot1(int64_t k, const int16_t* __restrict a, const int16_t* __restrict b) {
  int32_t s = 0;
  for (int64_t p = 0; p < k; ++p) s += int32_t{a[p]} * b[p];
  return s;
}

}  // namespace

void gemm_s8s32(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const int8_t* a,
                int64_t lda, const int8_t* b, int64_t ldb, int32_t* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  const int64_t panel_columns = int8_panel_columns(k);
  std::vector<int16_t> a_block(static_cast<size_t>(std::min(m, kInt8BlockM) * k));
  std::vector<int16_t> panel(static_cast<size_t>(std::min(n, panel_columns) * k));
  int32_t out[4];
  for (int64_t m0 = 0; m0 < m; m0 += kInt8BlockM) {
    const int64_t mb = std::min(kInt8BlockM, m - m0);
    widen_rows(trans_a, a, lda, m0, mb, k, a_block.data());
    for (int64_t n0 = 0; n0 < n; n0 += panel_columns) {
      const int64_t nb = std::min(panel_columns, n - n0);
      // Column j of op(B) is a column of B, or a row of B when it is stored transposed.
      widen_rows(!trans_b, b, ldb, n0, nb, k, panel.data());
      for (int64_t i = 0; i < mb; ++i) {
        const int16_t* ai = a_block.data() + i * k;
        int32_t* ci = c + (m0 + i) * ldc + n0;
        int64_t j = 0;
        for (; j + 4 <= nb; j += 4) {
          dot4(k, ai, panel.data() + j * k, out);
          std::copy_n(out, 4, ci + j);
        }
        for (; j < nb; ++j) ci[j] = dot1(k, ai, panel.data() + j * k);
      }
    }
  }
}

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
