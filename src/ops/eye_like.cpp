#include "ir/onnx_dtype.h"
#include "ops/elementwise_common.h"

namespace qrt::ir {
namespace {

// A 2-D input's shape; dtype attribute (an ONNX type code) or else the input's dtype.
void infer_eye_like(const InferContext& ctx, std::vector<TensorType>& outputs) {
  require_inputs(ctx, 1);
  if (ctx.shape(0).size() != 2)
    ctx.fail("input must be 2-D, got shape " + shape_to_string(ctx.shape(0)));
  DataType dtype = ctx.dtype(0);
  if (ctx.node().has_attr("dtype")) {
    const int64_t code = ctx.node().attr_int("dtype", 0);
    const auto t = dtype_from_onnx(code);
    if (!t) ctx.fail(std::string("unsupported dtype ") + onnx_type_name(code));
    dtype = *t;
  }
  outputs[0] = TensorType{dtype, ctx.shape(0)};
}

}  // namespace

QRT_REGISTER_OP("EyeLike", infer_eye_like);

}  // namespace qrt::ir
