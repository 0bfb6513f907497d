#include "ops/elementwise_common.h"
#include "ops/shape_common.h"

namespace qrt::ir {
namespace {

// shape: 0 copies the input's dimension (unless allowzero=1, where it means 0), one -1 is
// inferred from the element count.
void infer_reshape(const InferContext& ctx, std::vector<TensorType>& outputs) {
  require_inputs(ctx, 2);
  const std::vector<int64_t>& in = ctx.shape(0);
  const std::vector<int64_t> requested = require_ints(ctx, 1, "shape");
  const bool allow_zero = ctx.node().attr_int("allowzero", 0) != 0;
  std::vector<int64_t> shape = requested;
  int64_t inferred_axis = -1;
  int64_t known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 0 && !allow_zero) {
      if (i >= in.size())
        ctx.fail("shape " + shape_to_string(requested) + " copies dimension " + std::to_string(i) +
                 " of an input of rank " + std::to_string(in.size()));
      shape[i] = in[i];
    }
    if (shape[i] == -1) {
      if (inferred_axis >= 0) ctx.fail("shape " + shape_to_string(requested) + " has two -1s");
      inferred_axis = static_cast<int64_t>(i);
      continue;
    }
    if (shape[i] < 0) ctx.fail("shape " + shape_to_string(requested) + " has a negative size");
    known *= shape[i];
  }
  const int64_t numel = shape_numel(in);
  if (inferred_axis >= 0 && known != 0 && numel % known == 0)
    shape[static_cast<size_t>(inferred_axis)] = numel / known;
  else if (inferred_axis >= 0 || known != numel)
    ctx.fail("cannot reshape " + shape_to_string(in) + " (" + std::to_string(numel) +
             " elements) to " + shape_to_string(requested));
  outputs[0] = TensorType{ctx.dtype(0), shape};
}

}  // namespace

QRT_REGISTER_OP("Reshape", infer_reshape);

}  // namespace qrt::ir
