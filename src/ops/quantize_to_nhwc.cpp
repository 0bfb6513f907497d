// qrt.QuantizeToNhwc: Y = Transpose(QuantizeLinear(X, scale, zero_point), perm 0,2,3,1), what
// passes::fuse_quantize_to_nhwc makes of the INT8 engine's input quantization followed by the
// channels_last pass's "<value>:nhwc" Transpose. X is 4-D NCHW (f32 or f16), the scale per
// tensor, the optional zero point int8 or uint8 (it gives Y's type, as QuantizeLinear's does);
// Y is [N, H, W, C]. The numerics are QuantizeLinear's (docs/quantization.md).
#include "ops/linear_quantization.h"

namespace qrt::ops {
namespace {

void infer_quantize_to_nhwc(const ir::InferContext& ctx, std::vector<ir::TensorType>& outputs) {
  const ir::OpSchema* quantize = ir::OpRegistry::instance().find("QuantizeLinear");
  if (!quantize) ctx.fail("needs the QuantizeLinear schema");
  quantize->infer(ctx, outputs);
  const std::vector<int64_t>& x = ctx.shape(0);
  if (x.size() != 4) ctx.fail("X must be 4-D (NCHW), got " + shape_to_string(x));
  if (shape_numel(ctx.shape(1)) != 1) ctx.fail("the scale must be per tensor");
  outputs[0].shape = {x[0], x[2], x[3], x[1]};
}

}  // namespace

QRT_REGISTER_OP("QuantizeToNhwc", infer_quantize_to_nhwc);

}  // namespace qrt::ops
