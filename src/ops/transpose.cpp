#include <algorithm>
#include <numeric>

#include "ops/elementwise_common.h"

namespace qrt::ir {
namespace {

// Output dimension i is input dimension perm[i]; perm defaults to reversing the dimensions.
void infer_transpose(const InferContext& ctx, std::vector<TensorType>& outputs) {
  require_inputs(ctx, 1);
  const std::vector<int64_t>& in = ctx.shape(0);
  std::vector<int64_t> identity(in.size());
  std::iota(identity.begin(), identity.end(), 0);
  std::vector<int64_t> reversed(identity.rbegin(), identity.rend());
  const std::vector<int64_t> perm = ctx.node().attr_ints("perm", reversed);
  if (!std::is_permutation(perm.begin(), perm.end(), identity.begin(), identity.end()))
    ctx.fail("perm " + shape_to_string(perm) + " is not a permutation of the " +
             std::to_string(in.size()) + " input dimensions");
  std::vector<int64_t> shape;
  for (int64_t p : perm) shape.push_back(in[static_cast<size_t>(p)]);
  outputs[0] = TensorType{ctx.dtype(0), shape};
}

}  // namespace

QRT_REGISTER_OP("Transpose", infer_transpose);

}  // namespace qrt::ir
