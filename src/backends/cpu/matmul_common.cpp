#include "backends/cpu/matmul_common.h"

namespace qrt::cpu {

using tag = dnnl::memory::format_tag;

Prepared make_matmul(int64_t rows, int64_t k, int64_t n, dnnl::memory::data_type a_dt,
                     dnnl::memory::data_type b_dt, dnnl::memory::data_type y_dt, const Tensor& b,
                     bool b_transposed, const float* bias, const dnnl::primitive_attr& attr) {
  using md = dnnl::memory::desc;
  const md a(dnnl::memory::dims{rows, k}, a_dt, tag::ab);
  const md b_any(dnnl::memory::dims{k, n}, b_dt, tag::any);
  const md y(dnnl::memory::dims{rows, n}, y_dt, tag::ab);
  const md bias_md(dnnl::memory::dims{1, n}, dnnl::memory::data_type::f32, tag::ab);
  const auto desc =
      bias ? dnnl::matmul::desc(a, b_any, bias_md, y) : dnnl::matmul::desc(a, b_any, y);
  const dnnl::matmul::primitive_desc pd(desc, attr, cpu_engine());
  Prepared p;
  p.primitive = dnnl::matmul(pd);
  p.src_md = a;
  p.dst_md = y;
  const md b_user(dnnl::memory::dims{k, n}, b_dt, b_transposed ? tag::ba : tag::ab);
  p.constant_args[DNNL_ARG_WEIGHTS] = reorder_constant(b_user, b, pd.weights_desc(), p);
  if (bias) p.constant_args[DNNL_ARG_BIAS] = copy_constant(bias_md, bias);
  return p;
}

}  // namespace qrt::cpu
