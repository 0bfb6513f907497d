// Gemm: Y = alpha * op(A) * op(B) + beta * C, A and B 2-D, C optional and unidirectionally
// broadcastable to M x N.
#include "ir/op_schema.h"

namespace qrt::ops {
namespace {

void infer_gemm(const ir::InferContext& ctx, std::vector<ir::TensorType>& outputs) {
  const std::vector<int64_t>& a = ctx.shape(0);
  // B may be stored in a backend's layout, its logical shape in "weights_shape".
  const std::vector<int64_t> b = ir::logical_weights_shape(ctx);
  if (a.size() != 2 || b.size() != 2)
    ctx.fail("A " + shape_to_string(a) + " and B " + shape_to_string(b) + " must be 2-D");
  if (ctx.dtype(1) != ctx.dtype(0)) ctx.fail("A and B have different element types");
  const bool trans_a = ctx.node().attr_int("transA", 0) != 0;
  const bool trans_b = ctx.node().attr_int("transB", 0) != 0;
  const int64_t m = trans_a ? a[1] : a[0], k = trans_a ? a[0] : a[1];
  const int64_t kb = trans_b ? b[1] : b[0], n = trans_b ? b[0] : b[1];
  if (k != kb)
    ctx.fail("inner dimensions differ: op(A) is " + std::to_string(m) + " x " + std::to_string(k) +
             ", op(B) is " + std::to_string(kb) + " x " + std::to_string(n));
  if (ctx.has_input(2)) {
    const std::vector<int64_t>& c = ctx.shape(2);
    if (ctx.dtype(2) != ctx.dtype(0)) ctx.fail("C has a different element type than A");
    const std::vector<int64_t> target{m, n};
    bool ok = c.size() <= 2;
    for (size_t i = 0; ok && i < c.size(); ++i) {
      const int64_t want = target[2 - c.size() + i];
      ok = c[i] == want || c[i] == 1;
    }
    if (!ok)
      ctx.fail("C " + shape_to_string(c) + " cannot be broadcast to " + shape_to_string(target));
  }
  outputs[0] = {ctx.dtype(0), {m, n}};
}

}  // namespace

QRT_REGISTER_OP("Gemm", infer_gemm);

}  // namespace qrt::ops
