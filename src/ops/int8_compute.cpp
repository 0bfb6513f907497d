#include "ops/int8_compute.h"

#include <cmath>
#include <limits>
#include <string>

namespace qrt::ops {

void require_int8(const ir::InferContext& ctx, size_t i, const char* what) {
  if (!ctx.has_input(i))
    ctx.fail(std::string(what) + " (input " + std::to_string(i) + ") is missing");
  if (ctx.dtype(i) != DataType::kInt8)
    ctx.fail(std::string(what) + " must be i8, got " + std::string(dtype_name(ctx.dtype(i))));
}

float require_positive_scale(const ir::InferContext& ctx, const char* name) {
  if (!ctx.node().has_attr(name)) ctx.fail(std::string("attribute ") + name + " is required");
  const float v = ctx.node().attr_float(name, 0.f);
  if (!(v > 0.f) || !std::isfinite(v))
    ctx.fail(std::string(name) + " must be a finite positive float, got " + std::to_string(v));
  return v;
}

void check_int8_depth(const ir::InferContext& ctx, int64_t depth) {
  if (depth > kMaxInt8Depth)
    ctx.fail("dot products of " + std::to_string(depth) + " int8 products could overflow the " +
             "int32 accumulator (at most " + std::to_string(kMaxInt8Depth) + ")");
}

DataType int8_output_dtype(const ir::InferContext& ctx) {
  const ir::Node& node = ctx.node();
  const std::string activation = node.attr_string("activation", "");
  if (activation == "clip") {
    const float lo = node.attr_float("clip_min", -std::numeric_limits<float>::infinity());
    const float hi = node.attr_float("clip_max", std::numeric_limits<float>::infinity());
    if (!(lo <= hi))
      ctx.fail("clip_min " + std::to_string(lo) + " must not exceed clip_max " +
               std::to_string(hi));
  } else if (!activation.empty() && activation != "relu") {
    ctx.fail("unknown activation '" + activation + "' (expected \"\", \"relu\" or \"clip\")");
  }
  const float y_scale = node.attr_float("y_scale", 0.f);
  if (!(y_scale >= 0.f) || !std::isfinite(y_scale))
    ctx.fail("y_scale must be 0 (f32 output) or a finite positive float, got " +
             std::to_string(y_scale));
  return y_scale > 0.f ? DataType::kInt8 : DataType::kFloat32;
}

namespace {
// Input i must be an f32 vector of `channels` values.
void check_per_channel(const ir::InferContext& ctx, size_t i, const std::string& what,
                       int64_t channels) {
  if (ctx.dtype(i) != DataType::kFloat32)
    ctx.fail(what + " must be f32, got " + std::string(dtype_name(ctx.dtype(i))));
  if (ctx.shape(i) != std::vector<int64_t>{channels})
    ctx.fail(what + " " + shape_to_string(ctx.shape(i)) + " must have shape [" +
             std::to_string(channels) + "] (one value per output channel)");
}
}  // namespace

void infer_int8_compute_output(const ir::InferContext& ctx, const char* scales_name,
                               const char* in_scale_attr, int64_t channels,
                               std::vector<int64_t> out_shape,
                               std::vector<ir::TensorType>& outputs) {
  if (!ctx.has_input(2)) ctx.fail(std::string(scales_name) + " (input 2) is missing");
  check_per_channel(ctx, 2, scales_name, channels);
  if (ctx.has_input(3)) check_per_channel(ctx, 3, "the bias (input 3)", channels);
  require_positive_scale(ctx, in_scale_attr);
  if (ctx.has_input(4)) {
    if (ctx.dtype(4) == DataType::kInt8)
      require_positive_scale(ctx, "r_scale");
    else if (ctx.dtype(4) != DataType::kFloat32)
      ctx.fail("the residual R must be i8 or f32, got " + std::string(dtype_name(ctx.dtype(4))));
    if (ctx.shape(4) != out_shape)
      ctx.fail("the residual R " + shape_to_string(ctx.shape(4)) +
               " must have the output's shape " + shape_to_string(out_shape));
  }
  outputs[0] = {int8_output_dtype(ctx), std::move(out_shape)};
}

}  // namespace qrt::ops
