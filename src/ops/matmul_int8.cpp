// qrt.MatMulInt8: A (i8, [..., M, K]) x B (i8, [K, N]) with int32 accumulation, then the f32
// epilogue of docs/quantization.md (B_scale [N], optional Bias [N] and residual R, activation,
// y_scale) -> [..., M, N].
#include "ops/int8_compute.h"

namespace qrt::ops {
namespace {

void infer_matmul_int8(const ir::InferContext& ctx, std::vector<ir::TensorType>& outputs) {
  require_int8(ctx, 0, "A");
  require_int8(ctx, 1, "B");
  const std::vector<int64_t>& a = ctx.shape(0);
  // B may be stored in a backend's layout, its logical shape in "weights_shape".
  const std::vector<int64_t> b = ir::logical_weights_shape(ctx);
  if (a.size() < 2) ctx.fail("A must have rank >= 2 ([..., M, K]), got " + shape_to_string(a));
  if (b.size() != 2) ctx.fail("B must be 2-D ([K, N]), got " + shape_to_string(b));
  if (a.back() != b[0])
    ctx.fail("inner dimensions differ: A " + shape_to_string(a) + ", B " + shape_to_string(b));
  check_int8_depth(ctx, b[0]);
  std::vector<int64_t> shape(a.begin(), a.end() - 1);
  shape.push_back(b[1]);
  infer_int8_compute_output(ctx, "B_scale", "a_scale", b[1], std::move(shape), outputs);
}

}  // namespace

QRT_REGISTER_OP("MatMulInt8", infer_matmul_int8);

}  // namespace qrt::ops
