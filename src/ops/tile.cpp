#include "ops/elementwise_common.h"
#include "ops/shape_common.h"

namespace qrt::ir {
namespace {

// Output dimension d = input dimension d * repeats[d].
void infer_tile(const InferContext& ctx, std::vector<TensorType>& outputs) {
  require_inputs(ctx, 2);
  const std::vector<int64_t> repeats = require_ints(ctx, 1, "repeats");
  std::vector<int64_t> shape = ctx.shape(0);
  if (repeats.size() != shape.size())
    ctx.fail("repeats " + shape_to_string(repeats) + " must have one entry per dimension of " +
             shape_to_string(shape));
  for (size_t d = 0; d < shape.size(); ++d) {
    if (repeats[d] < 0) ctx.fail("repeats " + shape_to_string(repeats) + " has a negative entry");
    shape[d] *= repeats[d];
  }
  outputs[0] = TensorType{ctx.dtype(0), shape};
}

}  // namespace

QRT_REGISTER_OP("Tile", infer_tile);

}  // namespace qrt::ir
