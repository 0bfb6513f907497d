// ConvTranspose: X (N x C x D1..Dn), W (C x M/group x k1..kn), optional B (M)
// -> Y (N x M x O1..On).
#include "ir/op_schema.h"
#include "ops/channels_last.h"
#include "ops/spatial_geometry.h"

namespace qrt::ops {
namespace {

void infer_conv_transpose(const ir::InferContext& ctx, std::vector<ir::TensorType>& outputs) {
  std::vector<int64_t> shape = conv_transpose_output_shape(ctx);
  check_conv_bias(ctx, shape[1]);
  outputs[0] = {ctx.dtype(0), std::move(shape)};
}

}  // namespace

QRT_REGISTER_OP("ConvTranspose", channels_last_infer(infer_conv_transpose));

}  // namespace qrt::ops
