// Shape and Size: int64 tensors describing the input's shape; its values are never read.
#include <algorithm>

#include "ops/elementwise_common.h"

namespace qrt::ir {
namespace {

// start / end (opset 15) select dims [start, end); negative ones count from the end, both clamp.
void infer_shape(const InferContext& ctx, std::vector<TensorType>& outputs) {
  require_inputs(ctx, 1);
  const auto rank = static_cast<int64_t>(ctx.shape(0).size());
  auto clamp_attr = [&](const char* name, int64_t fallback) {
    int64_t v = ctx.node().attr_int(name, fallback);
    if (v < 0) v += rank;
    return std::clamp<int64_t>(v, 0, rank);
  };
  const int64_t start = clamp_attr("start", 0);
  const int64_t end = clamp_attr("end", rank);
  outputs[0] = TensorType{DataType::kInt64, {std::max<int64_t>(end - start, 0)}};
}

void infer_size(const InferContext& ctx, std::vector<TensorType>& outputs) {
  require_inputs(ctx, 1);
  outputs[0] = TensorType{DataType::kInt64, {}};
}

}  // namespace

QRT_REGISTER_OP("Shape", infer_shape);
QRT_REGISTER_OP("Size", infer_size);

}  // namespace qrt::ir
