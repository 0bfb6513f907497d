// Elementwise unary ops: output type = input type (bool for the IsNaN / IsInf predicates).
#include "ops/elementwise_common.h"

namespace qrt::ir {
namespace {

void infer_not(const InferContext& ctx, std::vector<TensorType>& outputs) {
  infer_unary(ctx, outputs);
  require_dtype(ctx, 0, DataType::kBool, "X");
}

}  // namespace

QRT_REGISTER_OP("Abs", infer_unary);
QRT_REGISTER_OP("Acos", infer_unary);
QRT_REGISTER_OP("Asin", infer_unary);
QRT_REGISTER_OP("Atan", infer_unary);
QRT_REGISTER_OP("Ceil", infer_unary);
QRT_REGISTER_OP("Celu", infer_unary);
QRT_REGISTER_OP("Cos", infer_unary);
QRT_REGISTER_OP("Elu", infer_unary);
QRT_REGISTER_OP("Erf", infer_unary);
QRT_REGISTER_OP("Exp", infer_unary);
QRT_REGISTER_OP("Floor", infer_unary);
QRT_REGISTER_OP("Gelu", infer_unary);
QRT_REGISTER_OP("HardSigmoid", infer_unary);
QRT_REGISTER_OP("HardSwish", infer_unary);
QRT_REGISTER_OP("IsInf", infer_unary_to_bool);
QRT_REGISTER_OP("IsNaN", infer_unary_to_bool);
QRT_REGISTER_OP("LeakyRelu", infer_unary);
QRT_REGISTER_OP("Log", infer_unary);
QRT_REGISTER_OP("Mish", infer_unary);
QRT_REGISTER_OP("Neg", infer_unary);
QRT_REGISTER_OP("Not", infer_not);
QRT_REGISTER_OP("Reciprocal", infer_unary);
QRT_REGISTER_OP("Relu", infer_unary);
QRT_REGISTER_OP("Round", infer_unary);
QRT_REGISTER_OP("Selu", infer_unary);
QRT_REGISTER_OP("Sigmoid", infer_unary);
QRT_REGISTER_OP("Sign", infer_unary);
QRT_REGISTER_OP("Sin", infer_unary);
QRT_REGISTER_OP("Softplus", infer_unary);
QRT_REGISTER_OP("Softsign", infer_unary);
QRT_REGISTER_OP("Sqrt", infer_unary);
QRT_REGISTER_OP("Tan", infer_unary);
QRT_REGISTER_OP("Tanh", infer_unary);
QRT_REGISTER_OP("ThresholdedRelu", infer_unary);

}  // namespace qrt::ir
