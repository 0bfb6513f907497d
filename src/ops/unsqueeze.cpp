#include <algorithm>

#include "ops/elementwise_common.h"
#include "ops/shape_common.h"

namespace qrt::ir {
namespace {

// axes (input 1) index the output, whose rank is the input's plus the number of axes.
void infer_unsqueeze(const InferContext& ctx, std::vector<TensorType>& outputs) {
  require_inputs(ctx, 2);
  const std::vector<int64_t>& in = ctx.shape(0);
  const std::vector<int64_t> requested = require_ints(ctx, 1, "axes");
  const int64_t out_rank = static_cast<int64_t>(in.size() + requested.size());
  const std::vector<int64_t> axes = normalize_axes(ctx, requested, out_rank);
  std::vector<int64_t> shape;
  auto next = in.begin();
  for (int64_t a = 0; a < out_rank; ++a)
    shape.push_back(std::find(axes.begin(), axes.end(), a) != axes.end() ? 1 : *next++);
  outputs[0] = TensorType{ctx.dtype(0), shape};
}

}  // namespace

QRT_REGISTER_OP("Unsqueeze", infer_unsqueeze);

}  // namespace qrt::ir
