// Broadcasting binary and variadic elementwise ops.
#include <string>

#include "ops/elementwise_common.h"

namespace qrt::ir {
namespace {

void infer_binary(const InferContext& ctx, std::vector<TensorType>& outputs) {
  require_inputs(ctx, 2);
  infer_broadcast(ctx, outputs);
}

void infer_comparison(const InferContext& ctx, std::vector<TensorType>& outputs) {
  require_inputs(ctx, 2);
  infer_broadcast_to_bool(ctx, outputs);
}

void infer_logical(const InferContext& ctx, std::vector<TensorType>& outputs) {
  require_inputs(ctx, 2);
  require_dtype(ctx, 0, DataType::kBool, "A");
  require_dtype(ctx, 1, DataType::kBool, "B");
  infer_broadcast(ctx, outputs);
}

// Pow's exponent may have another numeric type than the base; the result has the base's.
void infer_pow(const InferContext& ctx, std::vector<TensorType>& outputs) {
  require_inputs(ctx, 2);
  outputs[0] = TensorType{ctx.dtype(0), broadcast_inputs(ctx, 0, 2)};
}

void infer_mod(const InferContext& ctx, std::vector<TensorType>& outputs) {
  infer_binary(ctx, outputs);
  if (is_floating(ctx.dtype(0)) && ctx.node().attr_int("fmod", 0) == 0)
    ctx.fail("fmod must be 1 for floating-point inputs");
}

void infer_bit_shift(const InferContext& ctx, std::vector<TensorType>& outputs) {
  infer_binary(ctx, outputs);
  const std::string direction = ctx.node().attr_string("direction", "");
  if (direction != "LEFT" && direction != "RIGHT")
    ctx.fail("direction must be \"LEFT\" or \"RIGHT\", got \"" + direction + "\"");
}

}  // namespace

QRT_REGISTER_OP("Add", infer_binary);
QRT_REGISTER_OP("Sub", infer_binary);
QRT_REGISTER_OP("Mul", infer_binary);
QRT_REGISTER_OP("Div", infer_binary);
QRT_REGISTER_OP("Pow", infer_pow);
QRT_REGISTER_OP("Mod", infer_mod);
QRT_REGISTER_OP("Min", infer_broadcast);
QRT_REGISTER_OP("Max", infer_broadcast);
QRT_REGISTER_OP("Sum", infer_broadcast);
QRT_REGISTER_OP("Mean", infer_broadcast);
QRT_REGISTER_OP("Equal", infer_comparison);
QRT_REGISTER_OP("Less", infer_comparison);
QRT_REGISTER_OP("LessOrEqual", infer_comparison);
QRT_REGISTER_OP("Greater", infer_comparison);
QRT_REGISTER_OP("GreaterOrEqual", infer_comparison);
QRT_REGISTER_OP("And", infer_logical);
QRT_REGISTER_OP("Or", infer_logical);
QRT_REGISTER_OP("Xor", infer_logical);
QRT_REGISTER_OP("BitShift", infer_bit_shift);

}  // namespace qrt::ir
