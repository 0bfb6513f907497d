#include "ops/elementwise_common.h"

namespace qrt::ir {
namespace {

// min and max are optional scalar inputs of X's type.
void infer_clip(const InferContext& ctx, std::vector<TensorType>& outputs) {
  infer_unary(ctx, outputs);
  require_same_dtype(ctx, 0, 3);
  for (size_t i = 1; i < 3 && i < ctx.num_inputs(); ++i)
    if (ctx.has_input(i) && shape_numel(ctx.shape(i)) != 1)
      ctx.fail(std::string(i == 1 ? "min" : "max") + " must be a scalar, got shape " +
               shape_to_string(ctx.shape(i)));
}

}  // namespace

QRT_REGISTER_OP("Clip", infer_clip);

}  // namespace qrt::ir
