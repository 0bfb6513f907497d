// Reference qrt.MatMulInt8: every row of A (all batch dims flattened) times the constant B in
// one exact int8 GEMM per block of rows, then the f32 epilogue of docs/quantization.md with
// column j's scale and bias.
#include <algorithm>
#include <vector>

#include "backends/kernel_registry.h"
#include "backends/reference/gemm_util.h"
#include "backends/reference/int8_epilogue.h"

namespace qrt::reference {
namespace {

// Rows of A per GEMM: bounds the int32 accumulator buffer.
constexpr int64_t kRowBlock = 256;

void matmul_int8(const KernelArgs& args) {
  const Tensor& a = args.in(0);
  const Tensor& b = args.in(1);
  const ChannelDequant dequant(args, "a_scale");
  const Int8Output output(args, 4);
  const int64_t k = b.dim(0), n = b.dim(1);
  if (n == 0) return;
  const int64_t rows = args.out(0).numel() / n;
  std::vector<int32_t> acc(static_cast<size_t>(std::min(rows, kRowBlock) * n));
  for (int64_t r0 = 0; r0 < rows; r0 += kRowBlock) {
    const int64_t rb = std::min(kRowBlock, rows - r0);
    gemm_s8s32(false, false, rb, n, k, a.data_as<int8_t>() + r0 * k, k, b.data_as<int8_t>(), n,
               acc.data(), n);
    for (int64_t i = 0; i < rb; ++i)
      for (int64_t j = 0; j < n; ++j)
        output.write((r0 + i) * n + j, dequant(acc[static_cast<size_t>(i * n + j)], j));
  }
}

}  // namespace

QRT_REGISTER_KERNEL("MatMulInt8", "reference", DataType::kInt8, matmul_int8);

}  // namespace qrt::reference
