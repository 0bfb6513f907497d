#include "ops/elementwise_common.h"

namespace qrt::ir {
namespace {

// Output = input type; axis (input 1) is a scalar integer, checked when known.
void infer_cum_sum(const InferContext& ctx, std::vector<TensorType>& outputs) {
  require_inputs(ctx, 2);
  if (ctx.dtype(1) != DataType::kInt32 && ctx.dtype(1) != DataType::kInt64)
    ctx.fail("axis must be int32 or int64");
  if (shape_numel(ctx.shape(1)) != 1) ctx.fail("axis must be a scalar");
  if (const Tensor* axis = ctx.value(1))
    normalize_axis(ctx, axis->to_int64_vector()[0], static_cast<int64_t>(ctx.shape(0).size()));
  infer_same_as_input0(ctx, outputs);
}

}  // namespace

QRT_REGISTER_OP("CumSum", infer_cum_sum);

}  // namespace qrt::ir
