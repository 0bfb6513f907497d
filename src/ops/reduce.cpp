// ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceL1, ReduceL2, ReduceSumSquare,
// ReduceLogSum, ReduceLogSumExp: same shape rule, output type = input type.
#include "ops/reduce.h"

#include "ir/op_schema.h"
#include "ops/spatial_geometry.h"

namespace qrt::ops {

ReduceAxes resolve_reduce_axes(const ir::Node& node, int64_t rank, const Tensor* axes) {
  ReduceAxes r;
  r.reduced.assign(static_cast<size_t>(rank), false);
  const std::vector<int64_t> list = axes ? axes->to_int64_vector() : std::vector<int64_t>{};
  if (list.empty()) {
    r.noop = node.attr_int("noop_with_empty_axes", 0) != 0;
    if (!r.noop) r.reduced.assign(static_cast<size_t>(rank), true);
    return r;
  }
  for (int64_t axis : list) {
    const int64_t a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank)
      fail_node(node, "axis " + std::to_string(axis) + " is out of range for rank " +
                          std::to_string(rank));
    if (r.reduced[a]) fail_node(node, "axis " + std::to_string(axis) + " is repeated");
    r.reduced[a] = true;
  }
  return r;
}

std::vector<int64_t> reduced_shape(const ir::Node& node, const std::vector<int64_t>& shape,
                                   const ReduceAxes& axes) {
  if (axes.noop) return shape;
  const bool keepdims = node.attr_int("keepdims", 1) != 0;
  std::vector<int64_t> out;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (!axes.reduced[i])
      out.push_back(shape[i]);
    else if (keepdims)
      out.push_back(1);
  }
  return out;
}

namespace {

void infer_reduce(const ir::InferContext& ctx, std::vector<ir::TensorType>& outputs) {
  const Tensor* axes = nullptr;
  if (ctx.has_input(1)) {
    if (ctx.dtype(1) != DataType::kInt64) ctx.fail("axes must be int64");
    axes = &ctx.require_value(1, "axes");
  }
  const std::vector<int64_t>& shape = ctx.shape(0);
  const ReduceAxes r = resolve_reduce_axes(ctx.node(), static_cast<int64_t>(shape.size()), axes);
  outputs[0] = {ctx.dtype(0), reduced_shape(ctx.node(), shape, r)};
}

}  // namespace

QRT_REGISTER_OP("ReduceSum", infer_reduce);
QRT_REGISTER_OP("ReduceMean", infer_reduce);
QRT_REGISTER_OP("ReduceMax", infer_reduce);
QRT_REGISTER_OP("ReduceMin", infer_reduce);
QRT_REGISTER_OP("ReduceProd", infer_reduce);
QRT_REGISTER_OP("ReduceL1", infer_reduce);
QRT_REGISTER_OP("ReduceL2", infer_reduce);
QRT_REGISTER_OP("ReduceSumSquare", infer_reduce);
QRT_REGISTER_OP("ReduceLogSum", infer_reduce);
QRT_REGISTER_OP("ReduceLogSumExp", infer_reduce);

}  // namespace qrt::ops
