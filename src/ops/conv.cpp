// Conv: X (N x C x D1..Dn), W (M x C/group x k1..kn), optional B (M) -> Y (N x M x O1..On).
#include "ir/op_schema.h"
#include "ops/spatial_geometry.h"

namespace qrt::ops {
namespace {

void infer_conv(const ir::InferContext& ctx, std::vector<ir::TensorType>& outputs) {
  const int64_t group = check_conv_operands(ctx);
  const std::vector<int64_t>& x = ctx.shape(0);
  const std::vector<int64_t>& w = ctx.shape(1);
  if (x[1] != w[1] * group)
    ctx.fail("input has " + std::to_string(x[1]) + " channels but W " + shape_to_string(w) +
             " with group " + std::to_string(group) + " expects " + std::to_string(w[1] * group));
  if (w[0] % group != 0)
    ctx.fail("W has " + std::to_string(w[0]) + " output channels, not divisible by group " +
             std::to_string(group));
  check_conv_bias(ctx, w[0]);
  const std::span<const int64_t> w_spatial(w.begin() + 2, w.end());
  const SpatialGeometry g =
      sliding_window_geometry(ctx.node(), std::span<const int64_t>(x.begin() + 2, x.end()),
                              kernel_from_weights(ctx.node(), w_spatial), false);
  std::vector<int64_t> shape{x[0], w[0]};
  shape.insert(shape.end(), g.output.begin(), g.output.end());
  outputs[0] = {ctx.dtype(0), shape};
}

}  // namespace

QRT_REGISTER_OP("Conv", infer_conv);

}  // namespace qrt::ops
