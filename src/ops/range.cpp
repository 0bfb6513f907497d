#include <cmath>

#include "ops/elementwise_common.h"

namespace qrt::ir {
namespace {

// Element count max(ceil((limit - start) / delta), 0), computed as onnxruntime does: integers
// exactly, floats with the difference taken in the input type.
int64_t range_length(const InferContext& ctx, const Tensor& start, const Tensor& limit,
                     const Tensor& delta) {
  switch (start.dtype()) {
    case DataType::kFloat32: {
      const float d = delta.data_as<float>()[0];
      if (d == 0) ctx.fail("delta must not be 0");
      return static_cast<int64_t>(std::ceil(
          static_cast<double>(limit.data_as<float>()[0] - start.data_as<float>()[0]) / d));
    }
    case DataType::kFloat64: {
      const double d = delta.data_as<double>()[0];
      if (d == 0) ctx.fail("delta must not be 0");
      return static_cast<int64_t>(
          std::ceil((limit.data_as<double>()[0] - start.data_as<double>()[0]) / d));
    }
    case DataType::kInt32:
    case DataType::kInt64: {
      const int64_t s = start.to_int64_vector()[0];
      const int64_t l = limit.to_int64_vector()[0];
      const int64_t d = delta.to_int64_vector()[0];
      if (d == 0) ctx.fail("delta must not be 0");
      const int64_t span = l - s;
      // Ceiling division for either sign of delta.
      return span / d + ((span % d != 0) && ((span < 0) == (d < 0)) ? 1 : 0);
    }
    default:
      ctx.fail("unsupported element type " + std::string(dtype_name(start.dtype())));
  }
}

void infer_range(const InferContext& ctx, std::vector<TensorType>& outputs) {
  require_inputs(ctx, 3);
  require_same_dtype(ctx, 0, 3);
  const char* names[] = {"start", "limit", "delta"};
  for (size_t i = 0; i < 3; ++i)
    if (ctx.require_value(i, names[i]).numel() != 1)
      ctx.fail(std::string(names[i]) + " must be a scalar, got shape " +
               shape_to_string(ctx.shape(i)));
  const int64_t n = range_length(ctx, *ctx.value(0), *ctx.value(1), *ctx.value(2));
  outputs[0] = TensorType{ctx.dtype(0), {std::max<int64_t>(n, 0)}};
}

}  // namespace

QRT_REGISTER_OP("Range", infer_range);

}  // namespace qrt::ir
