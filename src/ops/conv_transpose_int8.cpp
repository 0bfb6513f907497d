// qrt.ConvTransposeInt8: ConvTranspose on int8 X and W (C x M/group x k..) with int32
// accumulation, then the f32 epilogue of docs/quantization.md (W_scale [M], optional bias [M]
// and residual R, activation, y_scale). ConvTranspose's attributes.
#include "ops/channels_last.h"
#include "ops/int8_compute.h"
#include "ops/spatial_geometry.h"

namespace qrt::ops {
namespace {

void infer_conv_transpose_int8(const ir::InferContext& ctx, std::vector<ir::TensorType>& outputs) {
  require_int8(ctx, 0, "X");
  require_int8(ctx, 1, "W");
  std::vector<int64_t> shape = conv_transpose_output_shape(ctx);
  // Each output element sums at most C/group channels times every kernel tap.
  const std::vector<int64_t>& w = ctx.shape(1);
  const int64_t group = ctx.node().attr_int("group", 1);
  check_int8_depth(ctx,
                   w[0] / group * shape_numel(std::span<const int64_t>(w.begin() + 2, w.end())));
  const int64_t channels = shape[1];
  infer_int8_compute_output(ctx, "W_scale", "x_scale", channels, std::move(shape), outputs);
}

}  // namespace

QRT_REGISTER_OP("ConvTransposeInt8", channels_last_infer(infer_conv_transpose_int8));

}  // namespace qrt::ops
