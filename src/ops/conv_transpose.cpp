// ConvTranspose: X (N x C x D1..Dn), W (C x M/group x k1..kn), optional B (M)
// -> Y (N x M x O1..On).
#include "ir/op_schema.h"
#include "ops/spatial_geometry.h"

namespace qrt::ops {
namespace {

void infer_conv_transpose(const ir::InferContext& ctx, std::vector<ir::TensorType>& outputs) {
  const int64_t group = check_conv_operands(ctx);
  const std::vector<int64_t>& x = ctx.shape(0);
  const std::vector<int64_t>& w = ctx.shape(1);
  if (x[1] != w[0])
    ctx.fail("input has " + std::to_string(x[1]) + " channels but W " + shape_to_string(w) +
             " expects " + std::to_string(w[0]));
  if (x[1] % group != 0)
    ctx.fail("input channels " + std::to_string(x[1]) + " are not divisible by group " +
             std::to_string(group));
  const int64_t out_channels = w[1] * group;
  check_conv_bias(ctx, out_channels);
  const std::span<const int64_t> w_spatial(w.begin() + 2, w.end());
  const SpatialGeometry g =
      conv_transpose_geometry(ctx.node(), std::span<const int64_t>(x.begin() + 2, x.end()),
                              kernel_from_weights(ctx.node(), w_spatial));
  std::vector<int64_t> shape{x[0], out_channels};
  shape.insert(shape.end(), g.output.begin(), g.output.end());
  outputs[0] = {ctx.dtype(0), shape};
}

}  // namespace

QRT_REGISTER_OP("ConvTranspose", infer_conv_transpose);

}  // namespace qrt::ops
