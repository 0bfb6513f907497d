// The matrix product shared by the cpu backend's Gemm, MatMul and MatMulInt8: rows of A (all
// leading dims flattened, row-major) times a constant B reordered once into oneDNN's layout.
#pragma once

#include "backends/cpu/dnnl_util.h"

namespace qrt::cpu {

// rows x k times B (k x n; stored n x k when `b_transposed`), plus `bias` (n values) or null.
Prepared make_matmul(int64_t rows, int64_t k, int64_t n, dnnl::memory::data_type a_dt,
                     dnnl::memory::data_type b_dt, dnnl::memory::data_type y_dt, const Tensor& b,
                     bool b_transposed, const float* bias, const dnnl::primitive_attr& attr);

}  // namespace qrt::cpu
