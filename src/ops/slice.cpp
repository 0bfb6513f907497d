#include "ops/slice.h"

#include <limits>
#include <numeric>
#include <string>

#include "ops/elementwise_common.h"
#include "ops/shape_common.h"

namespace qrt::ir {

namespace {

[[noreturn]] void slice_fail(const Node& node, const std::string& message) {
  throw Error(node.describe() + ": " + message);
}

int64_t clamp_index(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

SliceRange slice_dim(int64_t dim, int64_t start, int64_t end, int64_t step) {
  if (start < 0) start += dim;
  if (end < 0) end += dim;
  SliceRange r;
  // |step| beyond INT64_MAX cannot matter (indices are < dim) but would overflow negation.
  r.step = std::max(step, -std::numeric_limits<int64_t>::max());
  if (step > 0) {
    r.start = clamp_index(start, 0, dim);
    end = clamp_index(end, 0, dim);
    r.length = end > r.start ? (end - r.start - 1) / step + 1 : 0;
  } else {
    r.start = clamp_index(start, 0, dim - 1);
    end = clamp_index(end, -1, dim - 1);
    r.length = r.start > end ? (r.start - end - 1) / -r.step + 1 : 0;
  }
  if (r.length == 0) r.start = 0;
  return r;
}

}  // namespace

std::vector<SliceRange> compute_slice(const Node& node, const std::vector<int64_t>& shape,
                                      const std::vector<int64_t>& starts,
                                      const std::vector<int64_t>& ends,
                                      const std::vector<int64_t>& axes,
                                      const std::vector<int64_t>& steps) {
  const auto rank = static_cast<int64_t>(shape.size());
  if (starts.size() != ends.size() || (!axes.empty() && axes.size() != starts.size()) ||
      (!steps.empty() && steps.size() != starts.size()))
    slice_fail(node, "starts, ends, axes and steps must have the same length, got " +
                         std::to_string(starts.size()) + ", " + std::to_string(ends.size()) + ", " +
                         std::to_string(axes.size()) + ", " + std::to_string(steps.size()));
  std::vector<SliceRange> ranges(shape.size());
  std::vector<bool> seen(shape.size(), false);
  for (size_t d = 0; d < shape.size(); ++d) ranges[d] = SliceRange{0, 1, shape[d]};
  for (size_t i = 0; i < starts.size(); ++i) {
    const int64_t requested = axes.empty() ? static_cast<int64_t>(i) : axes[i];
    const int64_t axis = requested < 0 ? requested + rank : requested;
    if (axis < 0 || axis >= rank)
      slice_fail(node, "axis " + std::to_string(requested) + " is out of range for rank " +
                           std::to_string(rank));
    const auto a = static_cast<size_t>(axis);
    if (seen[a]) slice_fail(node, "axis " + std::to_string(requested) + " is repeated");
    seen[a] = true;
    const int64_t step = steps.empty() ? 1 : steps[i];
    if (step == 0) slice_fail(node, "steps must not be 0");
    ranges[a] = slice_dim(shape[a], starts[i], ends[i], step);
  }
  return ranges;
}

namespace {

void infer_slice(const InferContext& ctx, std::vector<TensorType>& outputs) {
  require_inputs(ctx, 3);
  const std::vector<int64_t> axes =
      ctx.has_input(3) ? require_ints(ctx, 3, "axes") : std::vector<int64_t>{};
  const std::vector<int64_t> steps =
      ctx.has_input(4) ? require_ints(ctx, 4, "steps") : std::vector<int64_t>{};
  const auto ranges = compute_slice(ctx.node(), ctx.shape(0), require_ints(ctx, 1, "starts"),
                                    require_ints(ctx, 2, "ends"), axes, steps);
  outputs[0] = TensorType{ctx.dtype(0), {}};
  for (const SliceRange& r : ranges) outputs[0].shape.push_back(r.length);
}

}  // namespace

QRT_REGISTER_OP("Slice", infer_slice);

}  // namespace qrt::ir
