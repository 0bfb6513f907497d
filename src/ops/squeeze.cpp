#include <algorithm>

#include "ops/elementwise_common.h"
#include "ops/shape_common.h"

namespace qrt::ir {
namespace {

// Without axes (input 1 omitted or empty), every dimension of size 1 is removed.
void infer_squeeze(const InferContext& ctx, std::vector<TensorType>& outputs) {
  require_inputs(ctx, 1);
  const std::vector<int64_t>& in = ctx.shape(0);
  const int64_t rank = static_cast<int64_t>(in.size());
  std::vector<int64_t> axes;
  if (ctx.has_input(1)) axes = normalize_axes(ctx, require_ints(ctx, 1, "axes"), rank);
  if (!axes.empty()) {
    for (int64_t a : axes)
      if (in[static_cast<size_t>(a)] != 1)
        ctx.fail("cannot squeeze axis " + std::to_string(a) + " of size " +
                 std::to_string(in[static_cast<size_t>(a)]) + " in shape " + shape_to_string(in));
  } else {
    for (int64_t a = 0; a < rank; ++a)
      if (in[static_cast<size_t>(a)] == 1) axes.push_back(a);
  }
  std::vector<int64_t> shape;
  for (int64_t a = 0; a < rank; ++a)
    if (std::find(axes.begin(), axes.end(), a) == axes.end())
      shape.push_back(in[static_cast<size_t>(a)]);
  outputs[0] = TensorType{ctx.dtype(0), shape};
}

}  // namespace

QRT_REGISTER_OP("Squeeze", infer_squeeze);

}  // namespace qrt::ir
