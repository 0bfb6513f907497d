// Reference MatMul: one GEMM per output batch element, or a single GEMM over all of A's rows
// when B has no batch (the common activations x weights case).
#include <vector>

#include "backends/kernel_registry.h"
#include "backends/reference/gemm_util.h"

namespace qrt::reference {
namespace {

template <typename T>
void matmul(const KernelArgs& args) {
  const Tensor& a = args.in(0);
  const Tensor& b = args.in(1);
  Tensor& y = args.out(0);
  // View 1-D operands as a 1 x K row and a K x 1 column.
  std::vector<int64_t> as = a.shape(), bs = b.shape();
  if (as.size() == 1) as.insert(as.begin(), 1);
  if (bs.size() == 1) bs.push_back(1);
  const int64_t m = as[as.size() - 2], k = as.back(), n = bs.back();
  const T* ap = a.data_as<T>();
  const T* bp = b.data_as<T>();
  T* yp = y.data_as<T>();
  const std::vector<int64_t> batch_a(as.begin(), as.end() - 2), batch_b(bs.begin(), bs.end() - 2);
  if (shape_numel(batch_b) == 1) {
    gemm<T>(false, false, shape_numel(batch_a) * m, n, k, T(1), ap, k, bp, n, T(0), yp, n);
    return;
  }
  // Broadcast the batch dims: element strides of A and B (0 along broadcast dims) per output
  // batch dim.
  const size_t rank = std::max(batch_a.size(), batch_b.size());
  std::vector<int64_t> out_batch(rank), stride_a(rank, 0), stride_b(rank, 0);
  int64_t sa = m * k, sb = k * n;
  for (size_t i = rank; i-- > 0;) {
    const size_t off_a = rank - batch_a.size(), off_b = rank - batch_b.size();
    const int64_t da = i >= off_a ? batch_a[i - off_a] : 1;
    const int64_t db = i >= off_b ? batch_b[i - off_b] : 1;
    out_batch[i] = std::max(da, db);
    if (da != 1) stride_a[i] = sa;
    if (db != 1) stride_b[i] = sb;
    sa *= da;
    sb *= db;
  }
  std::vector<int64_t> index(rank, 0);
  const int64_t batches = shape_numel(out_batch);
  for (int64_t bi = 0; bi < batches; ++bi) {
    int64_t off_a = 0, off_b = 0;
    for (size_t i = 0; i < rank; ++i) {
      off_a += index[i] * stride_a[i];
      off_b += index[i] * stride_b[i];
    }
    gemm<T>(false, false, m, n, k, T(1), ap + off_a, k, bp + off_b, n, T(0), yp + bi * m * n, n);
    for (size_t i = rank; i-- > 0;) {
      if (++index[i] < out_batch[i]) break;
      index[i] = 0;
    }
  }
}

}  // namespace

QRT_REGISTER_KERNEL("MatMul", "reference", DataType::kFloat32, matmul<float>);
QRT_REGISTER_KERNEL("MatMul", "reference", DataType::kFloat64, matmul<double>);

}  // namespace qrt::reference
