// qrt.FusedConv: act(Conv(X, W, B) + R), what fuse_conv_activation makes of Conv -> [Add] ->
// [Relu | Clip]. Inputs X, W, optional B as Conv, then optional R (input 3: the residual, the
// output's shape and type); Conv's attributes plus "activation" ("" | "relu" | "clip", the
// latter with float attributes clip_min / clip_max, default unbounded).
#include "ir/op_schema.h"

namespace qrt::ops {
namespace {

void infer_fused_conv(const ir::InferContext& ctx, std::vector<ir::TensorType>& outputs) {
  // The output is exactly Conv's, whatever Conv's schema supports (layouts included).
  const ir::OpSchema* conv = ir::OpRegistry::instance().find("Conv");
  if (!conv) ctx.fail("needs the Conv schema");
  conv->infer(ctx, outputs);
  if (ctx.has_input(3) && (ctx.dtype(3) != outputs[0].dtype || ctx.shape(3) != outputs[0].shape))
    ctx.fail("residual R " + std::string(dtype_name(ctx.dtype(3))) + " " +
             shape_to_string(ctx.shape(3)) + " must have the output's type and shape " +
             std::string(dtype_name(outputs[0].dtype)) + " " + shape_to_string(outputs[0].shape));
  const std::string activation = ctx.node().attr_string("activation", "");
  if (activation != "" && activation != "relu" && activation != "clip")
    ctx.fail("unknown activation '" + activation + "' (expected \"\", \"relu\" or \"clip\")");
}

}  // namespace

QRT_REGISTER_OP("FusedConv", infer_fused_conv);

}  // namespace qrt::ops
