#include "ops/shape_common.h"

#include <algorithm>
#include <string>

namespace qrt::ir {

std::vector<int64_t> require_ints(const InferContext& ctx, size_t i, const char* what) {
  const Tensor& t = ctx.require_value(i, what);
  if (is_floating(t.dtype()))
    ctx.fail(std::string(what) + " (input " + std::to_string(i) +
             ") must be an integer tensor, got " + std::string(dtype_name(t.dtype())));
  return t.to_int64_vector();
}

std::vector<int64_t> normalize_axes(const InferContext& ctx, const std::vector<int64_t>& axes,
                                    int64_t rank) {
  std::vector<int64_t> out;
  for (int64_t axis : axes) {
    const int64_t a = normalize_axis(ctx, axis, rank);
    if (std::find(out.begin(), out.end(), a) != out.end())
      ctx.fail("axis " + std::to_string(axis) + " is repeated in " + shape_to_string(axes));
    out.push_back(a);
  }
  return out;
}

}  // namespace qrt::ir
