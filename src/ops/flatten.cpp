#include <span>

#include "ops/elementwise_common.h"

namespace qrt::ir {
namespace {

// [d0 .. d(axis-1), d(axis) ..] -> [d0 * .. * d(axis-1), d(axis) * ..]; axis may equal the rank.
void infer_flatten(const InferContext& ctx, std::vector<TensorType>& outputs) {
  require_inputs(ctx, 1);
  const std::vector<int64_t>& in = ctx.shape(0);
  const int64_t rank = static_cast<int64_t>(in.size());
  const int64_t attr = ctx.node().attr_int("axis", 1);
  const int64_t axis = attr < 0 ? attr + rank : attr;
  if (axis < 0 || axis > rank)
    ctx.fail("axis " + std::to_string(attr) + " is out of range for rank " + std::to_string(rank));
  const std::span<const int64_t> dims(in);
  outputs[0] = TensorType{ctx.dtype(0),
                          {shape_numel(dims.first(static_cast<size_t>(axis))),
                           shape_numel(dims.subspan(static_cast<size_t>(axis)))}};
}

}  // namespace

QRT_REGISTER_OP("Flatten", infer_flatten);

}  // namespace qrt::ir
