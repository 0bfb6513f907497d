// Pad: modes constant (default), reflect, edge and wrap. Negative pads crop; reflect / edge /
// wrap then work on the cropped data (as numpy and the ONNX reference do).
#include "ops/pad.h"

#include "ir/op_schema.h"
#include "ops/spatial_geometry.h"

namespace qrt::ops {

PadAmounts resolve_pads(const ir::Node& node, int64_t rank, const Tensor& pads,
                        const Tensor* axes) {
  std::vector<int64_t> axis_list;
  if (axes) {
    axis_list = axes->to_int64_vector();
  } else {
    for (int64_t i = 0; i < rank; ++i) axis_list.push_back(i);
  }
  const std::vector<int64_t> values = pads.to_int64_vector();
  const size_t n = axis_list.size();
  if (values.size() != 2 * n)
    fail_node(node, "pads has " + std::to_string(values.size()) + " values, expected " +
                        std::to_string(2 * n) + " (begin and end of " + std::to_string(n) +
                        " axes)");
  PadAmounts p{std::vector<int64_t>(rank, 0), std::vector<int64_t>(rank, 0)};
  std::vector<bool> seen(rank, false);
  for (size_t i = 0; i < n; ++i) {
    const int64_t a = axis_list[i] < 0 ? axis_list[i] + rank : axis_list[i];
    if (a < 0 || a >= rank)
      fail_node(node, "axis " + std::to_string(axis_list[i]) + " is out of range for rank " +
                          std::to_string(rank));
    if (seen[a]) fail_node(node, "axis " + std::to_string(axis_list[i]) + " is repeated");
    seen[a] = true;
    p.begin[a] = values[i];
    p.end[a] = values[n + i];
  }
  return p;
}

namespace {

void infer_pad(const ir::InferContext& ctx, std::vector<ir::TensorType>& outputs) {
  const std::string mode = ctx.node().attr_string("mode", "constant");
  if (mode != "constant" && mode != "reflect" && mode != "edge" && mode != "wrap")
    ctx.fail("unknown mode '" + mode + "'");
  if (!ctx.has_input(1)) ctx.fail("input pads is required");
  if (ctx.dtype(1) != DataType::kInt64) ctx.fail("pads must be int64");
  if (ctx.has_input(2)) {
    if (ctx.dtype(2) != ctx.dtype(0))
      ctx.fail("constant_value has a different element type than the data");
    if (shape_numel(ctx.shape(2)) != 1) ctx.fail("constant_value must hold one value");
  }
  const Tensor* axes = ctx.has_input(3) ? &ctx.require_value(3, "axes") : nullptr;
  std::vector<int64_t> shape = ctx.shape(0);
  const PadAmounts p = resolve_pads(ctx.node(), static_cast<int64_t>(shape.size()),
                                    ctx.require_value(1, "pads"), axes);
  for (size_t d = 0; d < shape.size(); ++d) {
    const int64_t kept =
        shape[d] + std::min<int64_t>(p.begin[d], 0) + std::min<int64_t>(p.end[d], 0);
    const int64_t out = shape[d] + p.begin[d] + p.end[d];
    if (kept < 0 || out < 0)
      ctx.fail("pads " + std::to_string(p.begin[d]) + ", " + std::to_string(p.end[d]) +
               " crop more than dim " + std::to_string(d) + " of size " + std::to_string(shape[d]));
    if (mode != "constant" && kept == 0 && out > 0)
      ctx.fail("mode '" + mode + "' cannot pad dim " + std::to_string(d) + " which is empty");
    shape[d] = out;
  }
  outputs[0] = {ctx.dtype(0), shape};
}

}  // namespace

QRT_REGISTER_OP("Pad", infer_pad);

}  // namespace qrt::ops
