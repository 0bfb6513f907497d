#include "ops/elementwise_common.h"
#include "ops/shape_common.h"

namespace qrt::ir {
namespace {

// Output = numpy broadcast of the input's shape and the requested one (so a requested 1 keeps
// the input's dimension).
void infer_expand(const InferContext& ctx, std::vector<TensorType>& outputs) {
  require_inputs(ctx, 2);
  const std::vector<int64_t> shape = require_ints(ctx, 1, "shape");
  for (int64_t d : shape)
    if (d < 0) ctx.fail("shape " + shape_to_string(shape) + " has a negative dimension");
  outputs[0] = TensorType{ctx.dtype(0), broadcast_shapes(ctx, ctx.shape(0), shape)};
}

}  // namespace

QRT_REGISTER_OP("Expand", infer_expand);

}  // namespace qrt::ir
