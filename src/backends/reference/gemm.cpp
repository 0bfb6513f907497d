// Reference Gemm: Y starts as beta * C (broadcast), then the GEMM helper adds alpha * A * B.
#include "backends/kernel_registry.h"
#include "backends/reference/gemm_util.h"

namespace qrt::reference {
namespace {

template <typename T>
void gemm_op(const KernelArgs& args) {
  const Tensor& a = args.in(0);
  const Tensor& b = args.in(1);
  Tensor& y = args.out(0);
  const bool trans_a = args.node.attr_int("transA", 0) != 0;
  const bool trans_b = args.node.attr_int("transB", 0) != 0;
  const T alpha = static_cast<T>(args.node.attr_float("alpha", 1.f));
  const T beta = static_cast<T>(args.node.attr_float("beta", 1.f));
  const int64_t m = y.dim(0), n = y.dim(1), k = trans_a ? a.dim(0) : a.dim(1);
  const bool use_c = args.has_in(2) && beta != T(0);
  if (use_c) {
    const Tensor& c = args.in(2);
    // C is [], [n], [1 or m, 1 or n] or [1]: broadcast by zero strides.
    const int64_t rows = c.rank() == 2 ? c.dim(0) : 1;
    const int64_t cols = c.rank() >= 1 ? c.dim(c.rank() - 1) : 1;
    const int64_t row_stride = rows == 1 ? 0 : cols, col_stride = cols == 1 ? 0 : 1;
    const T* cp = c.data_as<T>();
    T* yp = y.data_as<T>();
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) yp[i * n + j] = beta * cp[i * row_stride + j * col_stride];
  }
  gemm<T>(trans_a, trans_b, m, n, k, alpha, a.data_as<T>(), a.dim(1), b.data_as<T>(), b.dim(1),
          use_c ? T(1) : T(0), y.data_as<T>(), n);
}

}  // namespace

QRT_REGISTER_KERNEL("Gemm", "reference", DataType::kFloat32, gemm_op<float>);
QRT_REGISTER_KERNEL("Gemm", "reference", DataType::kFloat64, gemm_op<double>);

}  // namespace qrt::reference
