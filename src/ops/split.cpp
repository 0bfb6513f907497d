#include <numeric>

#include "ops/elementwise_common.h"
#include "ops/shape_common.h"

namespace qrt::ir {
namespace {

// Sizes along `axis`: the split input (1) when given; otherwise equal parts, one per output,
// where num_outputs (opset 18) lets the last part be smaller.
std::vector<int64_t> split_sizes(const InferContext& ctx, int64_t dim, size_t num_outputs) {
  if (ctx.has_input(1)) {
    std::vector<int64_t> sizes = require_ints(ctx, 1, "split");
    if (sizes.size() != num_outputs)
      ctx.fail("split has " + std::to_string(sizes.size()) + " sizes for " +
               std::to_string(num_outputs) + " outputs");
    for (int64_t s : sizes)
      if (s < 0) ctx.fail("split " + shape_to_string(sizes) + " has a negative size");
    if (std::accumulate(sizes.begin(), sizes.end(), int64_t{0}) != dim)
      ctx.fail("split " + shape_to_string(sizes) + " does not sum to the axis size " +
               std::to_string(dim));
    return sizes;
  }
  const auto n = static_cast<int64_t>(num_outputs);
  if (n == 0) ctx.fail("has no outputs");
  if (ctx.node().has_attr("num_outputs") && ctx.node().attr_int("num_outputs", 0) != n)
    ctx.fail("num_outputs is " + std::to_string(ctx.node().attr_int("num_outputs", 0)) +
             " but the node has " + std::to_string(n) + " outputs");
  if (dim % n != 0 && !ctx.node().has_attr("num_outputs"))
    ctx.fail("axis size " + std::to_string(dim) + " cannot be split evenly into " +
             std::to_string(n) + " outputs");
  const int64_t chunk = (dim + n - 1) / n;
  std::vector<int64_t> sizes(num_outputs, chunk);
  sizes.back() = dim - chunk * (n - 1);
  if (sizes.back() < 0)
    ctx.fail("axis size " + std::to_string(dim) + " cannot be split into " + std::to_string(n) +
             " parts of " + std::to_string(chunk));
  return sizes;
}

void infer_split(const InferContext& ctx, std::vector<TensorType>& outputs) {
  require_inputs(ctx, 1);
  const std::vector<int64_t>& in = ctx.shape(0);
  const auto axis = static_cast<size_t>(
      normalize_axis(ctx, ctx.node().attr_int("axis", 0), static_cast<int64_t>(in.size())));
  if (in.empty()) ctx.fail("cannot split a scalar");
  const std::vector<int64_t> sizes = split_sizes(ctx, in[axis], outputs.size());
  for (size_t i = 0; i < outputs.size(); ++i) {
    outputs[i] = TensorType{ctx.dtype(0), in};
    outputs[i].shape[axis] = sizes[i];
  }
}

}  // namespace

QRT_REGISTER_OP("Split", infer_split);

}  // namespace qrt::ir
