// InstanceNormalization: each (n, c) plane normalized over its spatial dims, then scaled and
// shifted by per-channel scale and B.
#include "ir/op_schema.h"
#include "ops/channels_last.h"

namespace qrt::ops {
namespace {

void infer_instance_normalization(const ir::InferContext& ctx,
                                  std::vector<ir::TensorType>& outputs) {
  const std::vector<int64_t>& x = ctx.shape(0);
  if (x.size() < 3)
    ctx.fail("input X must have rank >= 3 (N x C x spatial dims), got " + shape_to_string(x));
  for (size_t i = 1; i <= 2; ++i) {
    const char* name = i == 1 ? "scale" : "B";
    if (!ctx.has_input(i)) ctx.fail(std::string("input ") + name + " is required");
    if (ctx.dtype(i) != ctx.dtype(0))
      ctx.fail(std::string(name) + " has a different element type than X");
    if (ctx.shape(i) != std::vector<int64_t>{x[1]})
      ctx.fail(std::string(name) + " " + shape_to_string(ctx.shape(i)) + " must have shape [" +
               std::to_string(x[1]) + "] (one value per channel)");
  }
  outputs[0] = {ctx.dtype(0), x};
}

}  // namespace

QRT_REGISTER_OP("InstanceNormalization", channels_last_infer(infer_instance_normalization));

}  // namespace qrt::ops
