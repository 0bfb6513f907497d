#include "ops/linear_quantization.h"

#include <string>

namespace qrt::ops {

int64_t check_linear_quant_params(const ir::InferContext& ctx) {
  if (!ctx.has_input(0) || !ctx.has_input(1)) ctx.fail("expects an input and a scale");
  const std::vector<int64_t>& x = ctx.shape(0);
  const std::vector<int64_t>& scale = ctx.shape(1);
  if (!is_floating(ctx.dtype(1)))
    ctx.fail("the scale must be floating point, got " + std::string(dtype_name(ctx.dtype(1))));
  if (ctx.node().attr_int("block_size", 0) != 0)
    ctx.fail("blocked quantization (block_size) is not supported");
  if (ctx.has_input(2) && ctx.shape(2) != scale)
    ctx.fail("the zero point " + shape_to_string(ctx.shape(2)) + " must have the scale's shape " +
             shape_to_string(scale));
  if (scale.size() > 1)
    ctx.fail("the scale must be a scalar or 1-D, got " + shape_to_string(scale));
  if (shape_numel(scale) == 1) return -1;
  const int64_t rank = static_cast<int64_t>(x.size());
  const int64_t axis = ir::normalize_axis(ctx, ctx.node().attr_int("axis", 1), rank);
  if (scale[0] != x[static_cast<size_t>(axis)])
    ctx.fail("the scale has " + std::to_string(scale[0]) + " values but the input " +
             shape_to_string(x) + " has " + std::to_string(x[static_cast<size_t>(axis)]) +
             " along axis " + std::to_string(axis));
  return axis;
}

}  // namespace qrt::ops
