#include "ops/elementwise_common.h"

namespace qrt::ir {
namespace {

// condition (bool) ? X : Y, all three broadcast together.
void infer_where(const InferContext& ctx, std::vector<TensorType>& outputs) {
  require_inputs(ctx, 3);
  require_dtype(ctx, 0, DataType::kBool, "condition");
  require_same_dtype(ctx, 1, 3);
  outputs[0] = TensorType{ctx.dtype(1), broadcast_inputs(ctx, 0, 3)};
}

}  // namespace

QRT_REGISTER_OP("Where", infer_where);

}  // namespace qrt::ir
