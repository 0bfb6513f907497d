// Softmax and LogSoftmax with opset-13 semantics (along one axis, default -1). With the
// importer's qrt_coerce_2d = 1 (models of opset < 13), the input is instead viewed as 2-D at
// axis (default 1) and normalized over the flattened dims [axis, rank).
#include "ir/op_schema.h"

namespace qrt::ops {
namespace {

void infer_softmax(const ir::InferContext& ctx, std::vector<ir::TensorType>& outputs) {
  const bool coerce_2d = ctx.node().attr_int("qrt_coerce_2d", 0) != 0;
  const int64_t rank = static_cast<int64_t>(ctx.shape(0).size());
  if (coerce_2d) {
    // Opset < 13 accepts axis == rank (an empty normalized block).
    const int64_t axis = ctx.node().attr_int("axis", 1);
    if (axis < -rank || axis > rank)
      ctx.fail("axis " + std::to_string(axis) + " is out of range for rank " +
               std::to_string(rank));
  } else {
    normalize_axis(ctx, ctx.node().attr_int("axis", -1), rank);
  }
  infer_same_as_input0(ctx, outputs);
}

}  // namespace

QRT_REGISTER_OP("Softmax", infer_softmax);
QRT_REGISTER_OP("LogSoftmax", infer_softmax);

}  // namespace qrt::ops
