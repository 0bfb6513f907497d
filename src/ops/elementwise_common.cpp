#include "ops/elementwise_common.h"

#include <string>

namespace qrt::ir {

void require_inputs(const InferContext& ctx, size_t count) {
  for (size_t i = 0; i < count; ++i)
    if (!ctx.has_input(i))
      ctx.fail("expected " + std::to_string(count) + " inputs, input " + std::to_string(i) +
               " is missing");
}

void require_same_dtype(const InferContext& ctx, size_t first, size_t last) {
  for (size_t i = first + 1; i < last; ++i)
    if (ctx.has_input(i) && ctx.dtype(i) != ctx.dtype(first))
      ctx.fail("input " + std::to_string(i) + " has element type " +
               std::string(dtype_name(ctx.dtype(i))) + " but input " + std::to_string(first) +
               " has " + std::string(dtype_name(ctx.dtype(first))));
}

void require_dtype(const InferContext& ctx, size_t i, DataType want, const char* what) {
  if (ctx.dtype(i) != want)
    ctx.fail(std::string(what) + " (input " + std::to_string(i) + ") must be " +
             std::string(dtype_name(want)) + ", got " + std::string(dtype_name(ctx.dtype(i))));
}

std::vector<int64_t> broadcast_inputs(const InferContext& ctx, size_t first, size_t last) {
  if (first >= last || !ctx.has_input(first))
    ctx.fail("expected at least " + std::to_string(first + 1) + " inputs");
  std::vector<int64_t> shape = ctx.shape(first);
  for (size_t i = first + 1; i < last; ++i) {
    if (!ctx.has_input(i)) ctx.fail("input " + std::to_string(i) + " is missing");
    shape = broadcast_shapes(ctx, shape, ctx.shape(i));
  }
  return shape;
}

void infer_broadcast(const InferContext& ctx, std::vector<TensorType>& outputs) {
  require_same_dtype(ctx, 0, ctx.num_inputs());
  outputs[0] = TensorType{ctx.dtype(0), broadcast_inputs(ctx, 0, ctx.num_inputs())};
}

void infer_broadcast_to_bool(const InferContext& ctx, std::vector<TensorType>& outputs) {
  infer_broadcast(ctx, outputs);
  outputs[0].dtype = DataType::kBool;
}

void infer_unary(const InferContext& ctx, std::vector<TensorType>& outputs) {
  require_inputs(ctx, 1);
  infer_same_as_input0(ctx, outputs);
}

void infer_unary_to_bool(const InferContext& ctx, std::vector<TensorType>& outputs) {
  require_inputs(ctx, 1);
  outputs[0] = TensorType{DataType::kBool, ctx.shape(0)};
}

}  // namespace qrt::ir
