#include "ops/elementwise_common.h"

namespace qrt::ir {
namespace {

// The slope broadcasts to X (unidirectionally): the output has X's shape.
void infer_prelu(const InferContext& ctx, std::vector<TensorType>& outputs) {
  require_inputs(ctx, 2);
  require_same_dtype(ctx, 0, 2);
  if (broadcast_inputs(ctx, 0, 2) != ctx.shape(0))
    ctx.fail("slope of shape " + shape_to_string(ctx.shape(1)) +
             " does not broadcast to X of shape " + shape_to_string(ctx.shape(0)));
  infer_same_as_input0(ctx, outputs);
}

}  // namespace

QRT_REGISTER_OP("PRelu", infer_prelu);

}  // namespace qrt::ir
