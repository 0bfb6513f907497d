// Matrix multiplies shared by the reference Conv, ConvTranspose, Gemm and MatMul kernels (float)
// and their int8 versions. Operands are packed into strips that a register-blocked micro-kernel
// (AVX-512, AVX2 or baseline code, picked at run time) multiplies; the work is split over
// blocks of the output on the shared thread pool. Every output element is summed over K in
// order by one micro-kernel call, so results depend on the shapes only: not on the thread
// count nor on where the element lies in a block.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <type_traits>
#include <vector>

namespace qrt::reference {

// The instruction sets the micro-kernels are compiled for.
enum class GemmIsa { kBaseline, kAvx2, kAvx512 };

const char* gemm_isa_name(GemmIsa isa);
bool gemm_isa_supported(GemmIsa isa);
// The set in use: the best the CPU supports, or the one the environment variable
// QRT_GEMM_ISA names (baseline, avx2, avx512) if the CPU supports it.
GemmIsa gemm_isa();
// Switches the set in use (tests, benchmarks); false, and no change, if the CPU lacks it.
bool set_gemm_isa(GemmIsa isa);

// What the micro-kernels multiply and sum: T, or for int8 operands int32 words, each holding
// the int16 values of two consecutive k as pmaddwd reads them (even k in the low half), and
// int32 sums.
template <typename T>
using GemmWord = std::conditional_t<std::is_same_v<T, int8_t>, int32_t, T>;

// The widest strip of columns of any micro-kernel: operands that expose rows() must be
// readable this far past N.
constexpr int64_t kMaxGemmStripColumns = 64;

// op(B) of a GEMM (K x N), produced on demand (e.g. by im2col) a panel of columns at a time.
template <typename T>
class GemmOperand {
 public:
  virtual ~GemmOperand() = default;
  // Writes columns [n0, n0 + nb) of all K rows in strips of `width` columns, as the
  // micro-kernels read them: element (p, j) at out[(j / width) * width * K + p * width +
  // j % width]; zero past nb in the last strip.
  virtual void pack(int64_t n0, int64_t nb, int64_t width, T* out) const = 0;
  // Or, with nothing to pack: pointers to the rows of op(B) in GemmWord<T> (int8: one per
  // pair of rows), readable up to kMaxGemmStripColumns past N. Null: call pack().
  virtual const GemmWord<T>* const* rows() const { return nullptr; }
};

// A stored matrix as op(B): K x N row-major (row stride ld), or N x K when transposed.
template <typename T>
class MatrixOperand final : public GemmOperand<T> {
 public:
  MatrixOperand(const T* data, int64_t ld, bool transposed, int64_t k)
      : data_(data), ld_(ld), transposed_(transposed), k_(k) {}
  void pack(int64_t n0, int64_t nb, int64_t width, T* out) const override;

 private:
  const T* data_;
  int64_t ld_;
  bool transposed_;
  int64_t k_;
};

// op(A) of a GEMM (M x K) packed for the micro-kernels in use, so that several GEMMs with the
// same A (a Conv's weights for every image of a batch) pack it once. int8 values are packed
// in int16 pairs of consecutive k.
template <typename T>
class PackedMatrix {
 public:
  using Elem = GemmWord<T>;
  // Element (i, p) of A is at a[i * row_step + p * col_step], p < k. A non-empty k_order
  // reorders K: packed k number q is A's column k_order[q], or zero where that is negative
  // (depth() is then k_order.size()), to match the order of an operand's rows().
  PackedMatrix(int64_t m, int64_t k, const T* a, int64_t row_step, int64_t col_step,
               std::span<const int64_t> k_order = {});

  int64_t rows() const { return m_; }
  int64_t depth() const { return k_; }
  // The instruction set it was packed for, and its strips of rows (for the GEMM).
  GemmIsa isa() const { return isa_; }
  const Elem* strips() const { return strips_.data(); }

 private:
  int64_t m_, k_;
  GemmIsa isa_;
  std::vector<Elem> strips_;
};

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

// Receives results of A * B: rows [i0, i0 + rows) and columns [j0, j0 + cols) at
// acc[(i - i0) * ld + (j - j0)]. May be called from several threads at once (for disjoint
// blocks).
template <typename Acc>
using GemmBlockFn = std::function<void(int64_t i0, int64_t j0, int64_t rows, int64_t cols,
                                       const Acc* acc, int64_t ld)>;

// A * B (A: a.rows() x a.depth(), B: a.depth() x n) handed to `finish` block by block, every
// element once, so an epilogue needs no copy of C. Sums are those of gemm (float, double) or
// gemm_s8s32 (int8: exact; requires a.depth() <= kMaxInt8GemmDepth).
template <typename T>
void gemm_blocks(const PackedMatrix<T>& a, int64_t n, const GemmOperand<T>& b,
                 const GemmBlockFn<GemmWord<T>>& finish);

}  // namespace qrt::reference
