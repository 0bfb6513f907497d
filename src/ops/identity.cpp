#include "ops/elementwise_common.h"

namespace qrt::ir {
namespace {

// Inference semantics: output = input; the optional mask output is all true.
void infer_dropout(const InferContext& ctx, std::vector<TensorType>& outputs) {
  infer_unary(ctx, outputs);
  if (outputs.size() > 1) outputs[1] = TensorType{DataType::kBool, ctx.shape(0)};
}

}  // namespace

QRT_REGISTER_OP("Identity", infer_unary);
QRT_REGISTER_OP("Dropout", infer_dropout);

}  // namespace qrt::ir
