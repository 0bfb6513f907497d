// A plain cache-blocked matrix multiply shared by the reference Conv, ConvTranspose, Gemm and
// MatMul kernels. Single-threaded and portable: the inner loop runs over contiguous memory so
// the compiler vectorizes it.
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

}  // namespace qrt::reference
