// ArgMax and ArgMin: int64 indices along `axis` (default 0), keepdims (default 1),
// select_last_index (default 0) picks the last of equal extremes.
#include "ir/op_schema.h"

namespace qrt::ops {
namespace {

void infer_arg_reduce(const ir::InferContext& ctx, std::vector<ir::TensorType>& outputs) {
  std::vector<int64_t> shape = ctx.shape(0);
  const int64_t rank = static_cast<int64_t>(shape.size());
  if (rank < 1) ctx.fail("input must have rank >= 1");
  const int64_t axis = normalize_axis(ctx, ctx.node().attr_int("axis", 0), rank);
  if (shape[axis] == 0) ctx.fail("cannot take the index of an extreme over an empty axis");
  if (ctx.node().attr_int("keepdims", 1) != 0)
    shape[axis] = 1;
  else
    shape.erase(shape.begin() + axis);
  outputs[0] = {DataType::kInt64, shape};
}

}  // namespace

QRT_REGISTER_OP("ArgMax", infer_arg_reduce);
QRT_REGISTER_OP("ArgMin", infer_arg_reduce);

}  // namespace qrt::ops
