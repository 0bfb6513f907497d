// MatMul with numpy semantics: batch dims broadcast; a 1-D A is a row vector and a 1-D B a
// column vector, their unit dim removed from the result.
#include "ir/op_schema.h"

namespace qrt::ops {
namespace {

void infer_matmul(const ir::InferContext& ctx, std::vector<ir::TensorType>& outputs) {
  const std::vector<int64_t>& a = ctx.shape(0);
  // B may be stored in a backend's layout, its logical shape in "weights_shape".
  const std::vector<int64_t> b = ir::logical_weights_shape(ctx);
  if (a.empty() || b.empty())
    ctx.fail("operands must have rank >= 1, got " + shape_to_string(a) + " and " +
             shape_to_string(b));
  if (ctx.dtype(1) != ctx.dtype(0)) ctx.fail("A and B have different element types");
  const int64_t k = a.back();
  const int64_t kb = b.size() == 1 ? b[0] : b[b.size() - 2];
  if (k != kb)
    ctx.fail("inner dimensions differ: A " + shape_to_string(a) + ", B " + shape_to_string(b));
  const std::vector<int64_t> batch_a(a.begin(), a.end() - std::min<size_t>(a.size(), 2));
  const std::vector<int64_t> batch_b(b.begin(), b.end() - std::min<size_t>(b.size(), 2));
  std::vector<int64_t> shape = broadcast_shapes(ctx, batch_a, batch_b);
  if (a.size() >= 2) shape.push_back(a[a.size() - 2]);
  if (b.size() >= 2) shape.push_back(b.back());
  outputs[0] = {ctx.dtype(0), shape};
}

}  // namespace

QRT_REGISTER_OP("MatMul", infer_matmul);

}  // namespace qrt::ops
