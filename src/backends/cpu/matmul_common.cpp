#include "backends/cpu/matmul_common.h"

namespace qrt::cpu {

using tag = dnnl::memory::format_tag;

bool is_matmul(const ir::Node& node) {
  return node.op_type == "Gemm" || node.op_type == "MatMul" || node.op_type == "MatMulInt8";
}

dnnl::memory::desc plain_matmul_weights_desc(const ir::Node& node, const Tensor& b) {
  const std::vector<int64_t> shape = logical_weights_shape(node, b);
  if (shape.size() != 2) throw Error(node.describe() + ": cpu matmul weights must be 2-D");
  const bool transposed = node.op_type == "Gemm" && node.attr_int("transB", 0) != 0;
  const int64_t k = transposed ? shape[1] : shape[0], n = transposed ? shape[0] : shape[1];
  return dnnl::memory::desc({k, n}, dnnl_type(b.dtype()), transposed ? tag::ba : tag::ab);
}

Prepared make_matmul(const ir::Node& node, const Tensor& a, const Tensor& b,
                     dnnl::memory::data_type y_dt, const float* bias,
                     const dnnl::primitive_attr& attr) {
  using md = dnnl::memory::desc;
  const md b_plain = plain_matmul_weights_desc(node, b);
  const int64_t k = b_plain.dims()[0], n = b_plain.dims()[1];
  const md a_md(dnnl::memory::dims{a.numel() / k, k}, dnnl_type(a.dtype()), tag::ab);
  const md b_any(dnnl::memory::dims{k, n}, b_plain.data_type(), tag::any);
  const md y(dnnl::memory::dims{a.numel() / k, n}, y_dt, tag::ab);
  const md bias_md(dnnl::memory::dims{1, n}, dnnl::memory::data_type::f32, tag::ab);
  const auto desc =
      bias ? dnnl::matmul::desc(a_md, b_any, bias_md, y) : dnnl::matmul::desc(a_md, b_any, y);
  const dnnl::matmul::primitive_desc pd(desc, attr, cpu_engine());
  Prepared p;
  p.primitive = dnnl::matmul(pd);
  p.src_md = a_md;
  p.dst_md = y;
  p.constant_args[DNNL_ARG_WEIGHTS] =
      reorder_constant(stored_weights_desc(node, b_plain, b), b, pd.weights_desc(), p);
  if (bias) p.constant_args[DNNL_ARG_BIAS] = copy_constant(bias_md, bias);
  return p;
}

}  // namespace qrt::cpu
