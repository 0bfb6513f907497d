// The matrix product shared by the cpu backend's Gemm, MatMul and MatMulInt8: rows of A (all
// leading dims flattened, row-major) times a constant B in the layout oneDNN chooses: stored so
// in the plan by the build's weights pass, or reordered once (dnnl_util.h).
#pragma once

#include "backends/cpu/dnnl_util.h"

namespace qrt::cpu {

// Gemm, MatMul or MatMulInt8.
bool is_matmul(const ir::Node& node);

// The descriptor of B (input 1) as the model gives it: dims {k, n} in oneDNN's terms, row-major
// ([k, n]), or column-major for a Gemm with transB ([n, k]). Reads B's logical shape (the
// node's "weights_shape" when B is stored packed); a one-line error naming the node when it is
// not 2-D.
dnnl::memory::desc plain_matmul_weights_desc(const ir::Node& node, const Tensor& b);

// A's rows (A.numel() / k) times B (input 1 of `node`: plain, or in its stored layout) plus
// `bias` (n f32 values) or null, into a row-major Y of type `y_dt`. B is used in place when it
// is in the layout oneDNN wants, else reordered once.
Prepared make_matmul(const ir::Node& node, const Tensor& a, const Tensor& b,
                     dnnl::memory::data_type y_dt, const float* bias,
                     const dnnl::primitive_attr& attr);

// The primitives of the kernels, for the build-time weights pass (which calls them with the
// node's concrete types: A a shape-only view, the constants the real ones).
Prepared gemm_primitive(const KernelArgs& args);
Prepared matmul_primitive(const KernelArgs& args);
Prepared matmul_int8_primitive(const KernelArgs& args);

}  // namespace qrt::cpu
