// Reference qrt.MatMulInt8: every row of A (all batch dims flattened) times the constant B in
// one exact int8 GEMM, then the f32 epilogue of docs/quantization.md with column j's scale and
// bias, applied as the GEMM finishes each block.
#include "backends/kernel_registry.h"
#include "backends/reference/gemm_util.h"
#include "backends/reference/int8_epilogue.h"

namespace qrt::reference {
namespace {

void matmul_int8(const KernelArgs& args) {
  const Tensor& a = args.in(0);
  const Tensor& b = args.in(1);
  const ChannelDequant dequant(args, "a_scale");
  const Int8Output output(args, 4);
  const int64_t k = b.dim(0), n = b.dim(1);
  if (n == 0) return;
  const int64_t rows = args.out(0).numel() / n;
  const PackedMatrix<int8_t> packed(rows, k, a.data_as<int8_t>(), k, 1);
  gemm_blocks<int8_t>(packed, n, MatrixOperand<int8_t>(b.data_as<int8_t>(), n, false, k),
                      [&](int64_t i0, int64_t j0, int64_t block_rows, int64_t cols,
                          const int32_t* acc, int64_t ld) {
                        for (int64_t i = 0; i < block_rows; ++i)
                          for (int64_t j = 0; j < cols; ++j)
                            output.write((i0 + i) * n + j0 + j, dequant(acc[i * ld + j], j0 + j));
                      });
}

}  // namespace

QRT_REGISTER_KERNEL("MatMulInt8", "reference", DataType::kInt8, matmul_int8);

}  // namespace qrt::reference
