// Plain cache-blocked matrix multiplies shared by the reference Conv, ConvTranspose, Gemm and
// MatMul kernels (float) and their int8 versions. Single-threaded and portable: the inner loops
// run over contiguous memory so the compiler vectorizes them.
#pragma once

#include <cstdint>

namespace qrt::reference {

// C = alpha * op(A) * op(B) + beta * C, all row-major, op(A) M x K and op(B) K x N.
// A is stored M x K (lda) or, when trans_a, K x M; B is K x N (ldb) or, when trans_b, N x K.
// With beta == 0, C is only written, never read (it may hold garbage).
// Instantiated for float and double.
template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
          int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc);

// The deepest int8 GEMM whose sums cannot overflow int32: k * 128 * 128 <= 2^31 - 1.
constexpr int64_t kMaxInt8GemmDepth = (int64_t{1} << 17) - 1;

// C = op(A) * op(B) for int8 operands, exact: products of int8 values summed in int32. Same
// layouts as gemm; C is only written. Requires k <= kMaxInt8GemmDepth.
void gemm_s8s32(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const int8_t* a,
                int64_t lda, const int8_t* b, int64_t ldb, int32_t* c, int64_t ldc);

}  // namespace qrt::reference
