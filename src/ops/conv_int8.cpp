// qrt.ConvInt8: Conv on int8 X and W (M x C/group x k..) with int32 accumulation, then the f32
// epilogue of docs/quantization.md (W_scale [M], optional bias [M] and residual R, activation,
// y_scale). Conv's attributes; auto_pad is resolved to pads before lowering but accepted.
#include "ops/channels_last.h"
#include "ops/int8_compute.h"
#include "ops/spatial_geometry.h"

namespace qrt::ops {
namespace {

void infer_conv_int8(const ir::InferContext& ctx, std::vector<ir::TensorType>& outputs) {
  require_int8(ctx, 0, "X");
  require_int8(ctx, 1, "W");
  std::vector<int64_t> shape = conv_output_shape(ctx);
  const std::vector<int64_t> w = ir::logical_weights_shape(ctx);
  check_int8_depth(ctx, shape_numel(std::span<const int64_t>(w.begin() + 1, w.end())));
  const int64_t channels = shape[1];
  infer_int8_compute_output(ctx, "W_scale", "x_scale", channels, std::move(shape), outputs);
}

}  // namespace

QRT_REGISTER_OP("ConvInt8", channels_last_infer(infer_conv_int8));

}  // namespace qrt::ops
