// Pooling ops. MaxPool / AveragePool: sliding windows over the spatial dims of
// X (N x C x D1..Dn) with kernel_shape, strides, dilations, pads / auto_pad and ceil_mode.
// GlobalAveragePool / GlobalMaxPool: one window covering all spatial dims.
#include "ir/op_schema.h"
#include "ops/channels_last.h"
#include "ops/spatial_geometry.h"

namespace qrt::ops {
namespace {

void infer_pool(const ir::InferContext& ctx, std::vector<ir::TensorType>& outputs) {
  const std::vector<int64_t>& x = ctx.shape(0);
  if (x.size() < 3)
    ctx.fail("input X must have rank >= 3 (N x C x spatial dims), got " + shape_to_string(x));
  if (!ctx.node().has_attr("kernel_shape")) ctx.fail("kernel_shape is required");
  const SpatialGeometry g = sliding_window_geometry(
      ctx.node(), std::span<const int64_t>(x.begin() + 2, x.end()),
      ctx.node().attr_ints("kernel_shape"), ctx.node().attr_int("ceil_mode", 0) != 0);
  std::vector<int64_t> shape{x[0], x[1]};
  shape.insert(shape.end(), g.output.begin(), g.output.end());
  outputs[0] = {ctx.dtype(0), shape};
  // MaxPool's optional Indices output.
  if (outputs.size() > 1 && ctx.node().output(1)) outputs[1] = {DataType::kInt64, shape};
}

void infer_global_pool(const ir::InferContext& ctx, std::vector<ir::TensorType>& outputs) {
  std::vector<int64_t> shape = ctx.shape(0);
  if (shape.size() < 3)
    ctx.fail("input X must have rank >= 3 (N x C x spatial dims), got " + shape_to_string(shape));
  std::fill(shape.begin() + 2, shape.end(), 1);
  outputs[0] = {ctx.dtype(0), shape};
}

}  // namespace

QRT_REGISTER_OP("MaxPool", channels_last_infer(infer_pool));
QRT_REGISTER_OP("AveragePool", channels_last_infer(infer_pool));
QRT_REGISTER_OP("GlobalAveragePool", channels_last_infer(infer_global_pool));
QRT_REGISTER_OP("GlobalMaxPool", channels_last_infer(infer_global_pool));

}  // namespace qrt::ops
