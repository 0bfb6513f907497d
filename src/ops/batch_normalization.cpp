// BatchNormalization, inference form: Y = (X - mean) / sqrt(var + epsilon) * scale + B with
// per-channel scale, B, mean and var (the training-mode outputs are not supported).
#include "ir/op_schema.h"
#include "ops/channels_last.h"

namespace qrt::ops {
namespace {

void infer_batch_normalization(const ir::InferContext& ctx, std::vector<ir::TensorType>& outputs) {
  const std::vector<int64_t>& x = ctx.shape(0);
  if (x.size() < 2) ctx.fail("input X must have rank >= 2 (N x C ...), got " + shape_to_string(x));
  if (ctx.node().attr_int("training_mode", 0) != 0)
    ctx.fail("training_mode is not supported (inference only)");
  for (size_t i = 1; i < outputs.size(); ++i)
    if (ctx.node().output(i))
      ctx.fail("the training-mode outputs (running mean / var) are not supported");
  static const char* const kParams[] = {"scale", "B", "input_mean", "input_var"};
  for (size_t i = 1; i <= 4; ++i) {
    if (!ctx.has_input(i)) ctx.fail(std::string("input ") + kParams[i - 1] + " is required");
    if (ctx.dtype(i) != ctx.dtype(0))
      ctx.fail(std::string(kParams[i - 1]) + " has a different element type than X");
    if (ctx.shape(i) != std::vector<int64_t>{x[1]})
      ctx.fail(std::string(kParams[i - 1]) + " " + shape_to_string(ctx.shape(i)) +
               " must have shape [" + std::to_string(x[1]) + "] (one value per channel)");
  }
  outputs[0] = {ctx.dtype(0), x};
}

}  // namespace

QRT_REGISTER_OP("BatchNormalization", channels_last_infer(infer_batch_normalization));

}  // namespace qrt::ops
