// qrt.AddInt8: float(a) * a_scale + float(b) * b_scale with numpy broadcasting, then activation
// and y_scale as docs/quantization.md says (i8 output when y_scale > 0, else f32).
#include "ops/int8_compute.h"

namespace qrt::ops {
namespace {

void infer_add_int8(const ir::InferContext& ctx, std::vector<ir::TensorType>& outputs) {
  require_int8(ctx, 0, "A");
  require_int8(ctx, 1, "B");
  require_positive_scale(ctx, "a_scale");
  require_positive_scale(ctx, "b_scale");
  outputs[0] = {int8_output_dtype(ctx), ir::broadcast_shapes(ctx, ctx.shape(0), ctx.shape(1))};
}

}  // namespace

QRT_REGISTER_OP("AddInt8", infer_add_int8);

}  // namespace qrt::ops
