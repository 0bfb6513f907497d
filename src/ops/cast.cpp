#include "ir/onnx_dtype.h"
#include "ops/elementwise_common.h"

namespace qrt::ir {
namespace {

void infer_cast(const InferContext& ctx, std::vector<TensorType>& outputs) {
  require_inputs(ctx, 1);
  if (!ctx.node().has_attr("to")) ctx.fail("missing required attribute 'to'");
  const int64_t to = ctx.node().attr_int("to", 0);
  const auto dtype = dtype_from_onnx(to);
  if (!dtype)
    ctx.fail(std::string("cannot cast to ") + onnx_type_name(to) + " (" + std::to_string(to) + ")");
  outputs[0] = TensorType{*dtype, ctx.shape(0)};
}

}  // namespace

QRT_REGISTER_OP("Cast", infer_cast);

}  // namespace qrt::ir
