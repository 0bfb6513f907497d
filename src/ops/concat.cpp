#include "ops/elementwise_common.h"

namespace qrt::ir {
namespace {

// All inputs share dtype and rank and agree on every dimension but `axis`.
void infer_concat(const InferContext& ctx, std::vector<TensorType>& outputs) {
  require_inputs(ctx, std::max<size_t>(ctx.num_inputs(), 1));
  require_same_dtype(ctx, 0, ctx.num_inputs());
  if (!ctx.node().has_attr("axis")) ctx.fail("missing required attribute 'axis'");
  std::vector<int64_t> shape = ctx.shape(0);
  if (shape.empty()) ctx.fail("cannot concatenate scalars");
  const auto axis = static_cast<size_t>(
      normalize_axis(ctx, ctx.node().attr_int("axis", 0), static_cast<int64_t>(shape.size())));
  for (size_t i = 1; i < ctx.num_inputs(); ++i) {
    const std::vector<int64_t>& s = ctx.shape(i);
    bool compatible = s.size() == shape.size();
    for (size_t d = 0; compatible && d < s.size(); ++d) compatible = d == axis || s[d] == shape[d];
    if (!compatible)
      ctx.fail("input " + std::to_string(i) + " of shape " + shape_to_string(s) +
               " does not match input 0 of shape " + shape_to_string(ctx.shape(0)) +
               " outside axis " + std::to_string(axis));
    shape[axis] += s[axis];
  }
  outputs[0] = TensorType{ctx.dtype(0), shape};
}

}  // namespace

QRT_REGISTER_OP("Concat", infer_concat);

}  // namespace qrt::ir
