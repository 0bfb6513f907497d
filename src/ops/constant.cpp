// Constant (its "value" tensor attribute) and ConstantOfShape (a shape filled with "value").
#include "ops/elementwise_common.h"
#include "ops/shape_common.h"

namespace qrt::ir {
namespace {

void infer_constant(const InferContext& ctx, std::vector<TensorType>& outputs) {
  const Tensor* value = ctx.node().attr_tensor("value");
  if (!value) ctx.fail("missing tensor attribute 'value'");
  outputs[0] = TensorType{value->dtype(), value->shape()};
}

// "value" is a one-element tensor (default: float32 0) giving the output's dtype and contents.
void infer_constant_of_shape(const InferContext& ctx, std::vector<TensorType>& outputs) {
  require_inputs(ctx, 1);
  const Tensor* value = ctx.node().attr_tensor("value");
  if (value && value->numel() != 1)
    ctx.fail("value must have one element, got shape " + shape_to_string(value->shape()));
  const std::vector<int64_t> shape = require_ints(ctx, 0, "shape");
  for (int64_t d : shape)
    if (d < 0) ctx.fail("shape " + shape_to_string(shape) + " has a negative dimension");
  outputs[0] = TensorType{value ? value->dtype() : DataType::kFloat32, shape};
}

}  // namespace

QRT_REGISTER_OP("Constant", infer_constant);
QRT_REGISTER_OP("ConstantOfShape", infer_constant_of_shape);

}  // namespace qrt::ir
