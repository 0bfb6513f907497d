#include "backends/reference/gemm_util.h"

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "backends/reference/thread_pool.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define QRT_GEMM_X86 1
#include <immintrin.h>
#endif

namespace qrt::reference {

// The micro-kernels, once per instruction set (see gemm_kernels.inc).
namespace baseline {
using F32Vec = float __attribute__((vector_size(16)));
using F64Vec = double __attribute__((vector_size(16)));
using S32Vec = int32_t __attribute__((vector_size(16)));
constexpr int kF32Rows = 4, kF32Vecs = 2, kF64Rows = 4, kF64Vecs = 2, kS16Rows = 4, kS16Vecs = 2;
inline S32Vec s32_madd(S32Vec acc, S32Vec a, S32Vec b) {
#ifdef QRT_GEMM_X86
  return acc + reinterpret_cast<S32Vec>(
                   _mm_madd_epi16(reinterpret_cast<__m128i>(a), reinterpret_cast<__m128i>(b)));
#else
  // The int16 halves, sign-extended: products of int8 values and their pairwise sums fit.
  return acc + ((a << 16) >> 16) * ((b << 16) >> 16) + (a >> 16) * (b >> 16);
#endif
}
#include "backends/reference/gemm_kernels.inc"
}  // namespace baseline

#ifdef QRT_GEMM_X86
#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace avx2 {
using F32Vec = float __attribute__((vector_size(32)));
using F64Vec = double __attribute__((vector_size(32)));
using S32Vec = int32_t __attribute__((vector_size(32)));
constexpr int kF32Rows = 4, kF32Vecs = 3, kF64Rows = 4, kF64Vecs = 3, kS16Rows = 4, kS16Vecs = 3;
inline S32Vec s32_madd(S32Vec acc, S32Vec a, S32Vec b) {
  return acc + reinterpret_cast<S32Vec>(
                   _mm256_madd_epi16(reinterpret_cast<__m256i>(a), reinterpret_cast<__m256i>(b)));
}
#include "backends/reference/gemm_kernels.inc"
}  // namespace avx2
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vnni,avx2,fma")
namespace avx512 {
using F32Vec = float __attribute__((vector_size(64)));
using F64Vec = double __attribute__((vector_size(64)));
using S32Vec = int32_t __attribute__((vector_size(64)));
constexpr int kF32Rows = 8, kF32Vecs = 2, kF64Rows = 8, kF64Vecs = 2, kS16Rows = 8, kS16Vecs = 2;
inline S32Vec s32_madd(S32Vec acc, S32Vec a, S32Vec b) {
  return reinterpret_cast<S32Vec>(_mm512_dpwssd_epi32(
      reinterpret_cast<__m512i>(acc), reinterpret_cast<__m512i>(a), reinterpret_cast<__m512i>(b)));
}
#include "backends/reference/gemm_kernels.inc"
}  // namespace avx512
#pragma GCC pop_options
#endif

namespace {

// One micro-kernel: a rows x cols tile from `depth` packed elements, each holding
// k_per_elem consecutive k (int8 pairs share an int32), with B packed or through row pointers.
template <typename Elem>
struct TileKernel {
  int64_t rows, cols, k_per_elem;
  void (*run)(int64_t depth, const Elem* a, const Elem* b, Elem* out, int64_t ld);
  void (*run_rows)(int64_t depth, const Elem* a, const Elem* const* rows, int64_t j, Elem* out,
                   int64_t ld);
};

struct KernelSet {
  TileKernel<float> f32;
  TileKernel<double> f64;
  TileKernel<int32_t> s16;
};

template <typename Vec, typename Elem>
constexpr int64_t lanes() {
  return static_cast<int64_t>(sizeof(Vec) / sizeof(Elem));
}

#define QRT_KERNEL_SET(ns)                                                                         \
  KernelSet {                                                                                      \
    {ns::kF32Rows, ns::kF32Vecs * lanes<ns::F32Vec, float>(), 1, ns::f32_tile, ns::f32_tile_rows}, \
        {ns::kF64Rows, ns::kF64Vecs * lanes<ns::F64Vec, double>(), 1, ns::f64_tile,                \
         ns::f64_tile_rows},                                                                       \
        {ns::kS16Rows, ns::kS16Vecs * lanes<ns::S32Vec, int32_t>(), 2, ns::s16_tile,               \
         ns::s16_tile_rows},                                                                       \
  }

const KernelSet& kernel_set(GemmIsa isa) {
  static const KernelSet portable = QRT_KERNEL_SET(baseline);
#ifdef QRT_GEMM_X86
  static const KernelSet with_avx2 = QRT_KERNEL_SET(avx2);
  static const KernelSet with_avx512 = QRT_KERNEL_SET(avx512);
  if (isa == GemmIsa::kAvx512) return with_avx512;
  if (isa == GemmIsa::kAvx2) return with_avx2;
#endif
  (void)isa;
  return portable;
}
#undef QRT_KERNEL_SET

GemmIsa best_supported_isa() {
  for (GemmIsa isa : {GemmIsa::kAvx512, GemmIsa::kAvx2})
    if (gemm_isa_supported(isa)) return isa;
  return GemmIsa::kBaseline;
}

GemmIsa initial_isa() {
  if (const char* env = std::getenv("QRT_GEMM_ISA"))
    for (GemmIsa isa : {GemmIsa::kBaseline, GemmIsa::kAvx2, GemmIsa::kAvx512})
      if (env == std::string(gemm_isa_name(isa)) && gemm_isa_supported(isa)) return isa;
  return best_supported_isa();
}

std::atomic<GemmIsa>& current_isa() {
  static std::atomic<GemmIsa> isa{initial_isa()};
  return isa;
}

// Per-thread buffers for packed B panels, operand columns and blocks of results, reused
// across calls (a thread runs one GEMM task at a time: tasks never start GEMMs).
class Scratch {
 public:
  template <typename T>
  T* get(int slot, int64_t count) {
    std::vector<std::byte>& buf = buffers_[slot];
    const size_t bytes = static_cast<size_t>(count) * sizeof(T) + kAlign;
    if (buf.size() < bytes) buf.resize(bytes);
    const auto address = reinterpret_cast<uintptr_t>(buf.data());
    return reinterpret_cast<T*>((address + kAlign - 1) / kAlign * kAlign);
  }

 private:
  static constexpr size_t kAlign = 64;
  std::vector<std::byte> buffers_[3];
};

thread_local Scratch t_scratch;

constexpr int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

template <typename T>
const TileKernel<GemmWord<T>>& tile_kernel_for(GemmIsa isa) {
  if constexpr (std::is_same_v<T, float>)
    return kernel_set(isa).f32;
  else if constexpr (std::is_same_v<T, double>)
    return kernel_set(isa).f64;
  else
    return kernel_set(isa).s16;
}

// Output blocks of at most kMaxBlockRows x kMaxPanelCols, smaller where K is deep, so that a
// block's strips of A and its packed panel of B stay in L2.
constexpr int64_t kPanelBytes = int64_t{256} << 10;
constexpr int64_t kMaxBlockRows = 256, kMaxPanelCols = 512;

// The blocked GEMM: the output is cut into blocks, one task each. A task packs its columns of
// B into strips (pack_b; not when the operand has rows()), runs the micro-kernel over every
// (row strip, column strip) pair into a block of results and hands it to
// finish(i0, j0, rows, cols, block, ld).
template <typename T, typename PackB, typename Finish>
void blocked_gemm(const PackedMatrix<T>& a, int64_t n, const GemmOperand<T>& b, const PackB& pack_b,
                  const Finish& finish) {
  using Elem = GemmWord<T>;
  const TileKernel<Elem>& kernel = tile_kernel_for<T>(a.isa());
  const int64_t m = a.rows();
  if (m <= 0 || n <= 0) return;
  const int64_t depth = ceil_div(a.depth(), kernel.k_per_elem);
  const int64_t line_bytes = std::max<int64_t>(depth, 1) * static_cast<int64_t>(sizeof(Elem));
  const int64_t mc =
      std::clamp<int64_t>(kPanelBytes / line_bytes / kernel.rows, 1, kMaxBlockRows / kernel.rows) *
      kernel.rows;
  const int64_t nc =
      std::clamp<int64_t>(kPanelBytes / line_bytes / kernel.cols, 1, kMaxPanelCols / kernel.cols) *
      kernel.cols;
  const int64_t m_blocks = ceil_div(m, mc);
  const Elem* const* b_rows = b.rows();
  ThreadPool::instance().run(m_blocks * ceil_div(n, nc), [&](int64_t task) {
    const int64_t i0 = task % m_blocks * mc, j0 = task / m_blocks * nc;
    const int64_t mb = std::min(mc, m - i0), nb = std::min(nc, n - j0);
    const int64_t col_strips = ceil_div(nb, kernel.cols), ld = col_strips * kernel.cols;
    Elem* block = t_scratch.get<Elem>(2, ceil_div(mb, kernel.rows) * kernel.rows * ld);
    Elem* b_strips = nullptr;
    if (!b_rows) {
      b_strips = t_scratch.get<Elem>(0, ld * depth);
      pack_b(j0, nb, kernel.cols, b_strips);
    }
    for (int64_t j = 0; j < nb; j += kernel.cols)
      for (int64_t i = 0; i < mb; i += kernel.rows) {
        const Elem* a_strip = a.strips() + (i0 + i) * depth;
        if (b_rows)
          kernel.run_rows(depth, a_strip, b_rows, j0 + j, block + i * ld + j, ld);
        else
          kernel.run(depth, a_strip, b_strips + j * depth, block + i * ld + j, ld);
      }
    finish(i0, j0, mb, nb, static_cast<const Elem*>(block), ld);
  });
}

// Two int8 values as the int16 halves of an int32 (the even k in the low half), as pmaddwd
// reads them.
inline int32_t int16_pair(int8_t low, int8_t high) {
  return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint16_t>(int16_t{low})) |
                              static_cast<uint32_t>(static_cast<uint16_t>(int16_t{high})) << 16);
}

// Packs op(B) columns through the operand; int8 strips (K x cols) become int16 pairs
// (depth x cols, k = 2q and 2q + 1 in element q).
template <typename T>
auto operand_packer(const GemmOperand<T>& b, int64_t k) {
  return [&b, k](int64_t j0, int64_t nb, int64_t cols, auto* out) {
    if constexpr (!std::is_same_v<T, int8_t>) {
      (void)k;  // K is the operand's own business for float types
      b.pack(j0, nb, cols, out);
    } else {
      const int64_t strips = ceil_div(nb, cols), depth = ceil_div(k, 2);
      int8_t* bytes = t_scratch.get<int8_t>(1, strips * cols * k);
      b.pack(j0, nb, cols, bytes);
      for (int64_t s = 0; s < strips; ++s) {
        const int8_t* src = bytes + s * cols * k;
        int32_t* dst = out + s * cols * depth;
        for (int64_t q = 0; q < k / 2; ++q)
          for (int64_t c = 0; c < cols; ++c)
            dst[q * cols + c] = int16_pair(src[2 * q * cols + c], src[(2 * q + 1) * cols + c]);
        if (k % 2)
          for (int64_t c = 0; c < cols; ++c)
            dst[(depth - 1) * cols + c] = int16_pair(src[(k - 1) * cols + c], 0);
      }
    }
  };
}

template <typename T>
void float_gemm(const PackedMatrix<T>& a, int64_t n, const GemmOperand<T>& b, T alpha,
                bool accumulate, T* c, int64_t ldc) {
  blocked_gemm(a, n, b, operand_packer(b, a.depth()),
               [&](int64_t i0, int64_t j0, int64_t rows, int64_t cols, const T* tile, int64_t ld) {
                 for (int64_t r = 0; r < rows; ++r) {
                   const T* src = tile + r * ld;
                   T* dst = c + (i0 + r) * ldc + j0;
                   if (accumulate)
                     for (int64_t j = 0; j < cols; ++j) dst[j] += alpha * src[j];
                   else
                     for (int64_t j = 0; j < cols; ++j) dst[j] = alpha * src[j];
                 }
               });
}

}  // namespace

template <typename T>
PackedMatrix<T>::PackedMatrix(int64_t m, int64_t k, const T* a, int64_t row_step, int64_t col_step,
                              std::span<const int64_t> k_order)
    : m_(m), k_(k_order.empty() ? k : static_cast<int64_t>(k_order.size())), isa_(gemm_isa()) {
  const auto& kernel = tile_kernel_for<T>(isa_);
  const int64_t rows = kernel.rows, depth = ceil_div(k_, kernel.k_per_elem);
  strips_.assign(static_cast<size_t>(ceil_div(m, rows) * rows * depth), Elem(0));
  // Element q of row i in packed K order, zero past the end.
  const auto value = [&](const T* row, int64_t q) {
    if (q >= k_) return T(0);
    const int64_t p = k_order.empty() ? q : k_order[static_cast<size_t>(q)];
    return p < 0 ? T(0) : row[p * col_step];
  };
  // Strip s holds rows [s * rows, (s + 1) * rows) at strip[q * rows + r]; zero past the matrix.
  for (int64_t i = 0; i < m; ++i) {
    Elem* strip = strips_.data() + i / rows * rows * depth + i % rows;
    const T* src = a + i * row_step;
    for (int64_t q = 0; q < depth; ++q) {
      if constexpr (std::is_same_v<T, int8_t>)
        strip[q * rows] = int16_pair(value(src, 2 * q), value(src, 2 * q + 1));
      else
        strip[q * rows] = value(src, q);
    }
  }
}

template class PackedMatrix<float>;
template class PackedMatrix<double>;
template class PackedMatrix<int8_t>;

template <typename T>
void MatrixOperand<T>::pack(int64_t n0, int64_t nb, int64_t width, T* out) const {
  for (int64_t j0 = 0; j0 < nb; j0 += width, out += width * k_) {
    const int64_t cols = std::min(width, nb - j0);
    if (!transposed_) {
      for (int64_t p = 0; p < k_; ++p) {
        const T* src = data_ + p * ld_ + n0 + j0;
        T* dst = out + p * width;
        for (int64_t c = 0; c < cols; ++c) dst[c] = src[c];
        for (int64_t c = cols; c < width; ++c) dst[c] = T(0);
      }
      continue;
    }
    for (int64_t c = 0; c < width; ++c) {
      if (c >= cols) {
        for (int64_t p = 0; p < k_; ++p) out[p * width + c] = T(0);
        continue;
      }
      const T* src = data_ + (n0 + j0 + c) * ld_;
      for (int64_t p = 0; p < k_; ++p) out[p * width + c] = src[p];
    }
  }
}

template class MatrixOperand<float>;
template class MatrixOperand<double>;
template class MatrixOperand<int8_t>;

template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
          int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  if (beta != T(0) && beta != T(1))
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) c[i * ldc + j] *= beta;
  if (k == 0 || alpha == T(0)) {
    if (beta == T(0))
      for (int64_t i = 0; i < m; ++i) std::fill_n(c + i * ldc, n, T(0));
    return;
  }
  const PackedMatrix<T> packed(m, k, a, trans_a ? 1 : lda, trans_a ? lda : 1);
  float_gemm(packed, n, MatrixOperand<T>(b, ldb, trans_b, k), alpha, beta != T(0), c, ldc);
}

template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t,
                          const float*, int64_t, float, float*, int64_t);
template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*, int64_t,
                           const double*, int64_t, double, double*, int64_t);
void gemm_s8s32(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const int8_t* a,
                int64_t lda, const int8_t* b, int64_t ldb, int32_t* c, int64_t ldc) {
  const PackedMatrix<int8_t> packed(m, k, a, trans_a ? 1 : lda, trans_a ? lda : 1);
  const MatrixOperand<int8_t> operand(b, ldb, trans_b, k);
  blocked_gemm(
      packed, n, operand, operand_packer(operand, k),
      [&](int64_t i0, int64_t j0, int64_t rows, int64_t cols, const int32_t* tile, int64_t ld) {
        for (int64_t r = 0; r < rows; ++r)
          std::copy_n(tile + r * ld, cols, c + (i0 + r) * ldc + j0);
      });
}

template <typename T>
void gemm_blocks(const PackedMatrix<T>& a, int64_t n, const GemmOperand<T>& b,
                 const GemmBlockFn<GemmWord<T>>& finish) {
  blocked_gemm(a, n, b, operand_packer(b, a.depth()), finish);
}

template void gemm_blocks<float>(const PackedMatrix<float>&, int64_t, const GemmOperand<float>&,
                                 const GemmBlockFn<float>&);
template void gemm_blocks<double>(const PackedMatrix<double>&, int64_t, const GemmOperand<double>&,
                                  const GemmBlockFn<double>&);
template void gemm_blocks<int8_t>(const PackedMatrix<int8_t>&, int64_t, const GemmOperand<int8_t>&,
                                  const GemmBlockFn<int32_t>&);

const char* gemm_isa_name(GemmIsa isa) {
  switch (isa) {
    case GemmIsa::kAvx512:
      return "avx512";
    case GemmIsa::kAvx2:
      return "avx2";
    case GemmIsa::kBaseline:
      break;
  }
  return "baseline";
}

bool gemm_isa_supported(GemmIsa isa) {
#ifdef QRT_GEMM_X86
  if (isa == GemmIsa::kAvx512)
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("fma");
  if (isa == GemmIsa::kAvx2) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
  return isa == GemmIsa::kBaseline;
}

GemmIsa gemm_isa() { return current_isa().load(); }

bool set_gemm_isa(GemmIsa isa) {
  if (!gemm_isa_supported(isa)) return false;
  current_isa().store(isa);
  return true;
}

}  // namespace qrt::reference
