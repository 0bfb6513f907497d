#include "ops/elementwise_common.h"

namespace qrt::ir {
namespace {

bool is_index_type(DataType t) { return t == DataType::kInt32 || t == DataType::kInt64; }

// data[:axis] + indices.shape + data[axis+1:].
void infer_gather(const InferContext& ctx, std::vector<TensorType>& outputs) {
  require_inputs(ctx, 2);
  if (!is_index_type(ctx.dtype(1))) ctx.fail("indices must be int32 or int64");
  const std::vector<int64_t>& data = ctx.shape(0);
  if (data.empty()) ctx.fail("data must have rank >= 1");
  const auto axis = static_cast<size_t>(
      normalize_axis(ctx, ctx.node().attr_int("axis", 0), static_cast<int64_t>(data.size())));
  std::vector<int64_t> shape(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(axis));
  shape.insert(shape.end(), ctx.shape(1).begin(), ctx.shape(1).end());
  shape.insert(shape.end(), data.begin() + static_cast<std::ptrdiff_t>(axis) + 1, data.end());
  outputs[0] = TensorType{ctx.dtype(0), shape};
}

// The output has the indices' shape; indices and data have the same rank.
void infer_gather_elements(const InferContext& ctx, std::vector<TensorType>& outputs) {
  require_inputs(ctx, 2);
  if (!is_index_type(ctx.dtype(1))) ctx.fail("indices must be int32 or int64");
  const std::vector<int64_t>& data = ctx.shape(0);
  const std::vector<int64_t>& indices = ctx.shape(1);
  if (data.empty() || data.size() != indices.size())
    ctx.fail("data " + shape_to_string(data) + " and indices " + shape_to_string(indices) +
             " must have the same rank >= 1");
  const auto axis = static_cast<size_t>(
      normalize_axis(ctx, ctx.node().attr_int("axis", 0), static_cast<int64_t>(data.size())));
  for (size_t d = 0; d < data.size(); ++d)
    if (d != axis && indices[d] > data[d])
      ctx.fail("indices " + shape_to_string(indices) + " exceed data " + shape_to_string(data) +
               " in dimension " + std::to_string(d));
  outputs[0] = TensorType{ctx.dtype(0), indices};
}

}  // namespace

QRT_REGISTER_OP("Gather", infer_gather);
QRT_REGISTER_OP("GatherElements", infer_gather_elements);

}  // namespace qrt::ir
