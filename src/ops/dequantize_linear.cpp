// DequantizeLinear: y = (x - x_zero_point) * x_scale, per tensor or per axis, for int8, uint8
// and int32 x. The output has the scale's type (f32, or f16 as opset 19 allows).
#include <string>

#include "ops/linear_quantization.h"

namespace qrt::ops {
namespace {

void infer_dequantize_linear(const ir::InferContext& ctx, std::vector<ir::TensorType>& outputs) {
  check_linear_quant_params(ctx);
  const DataType x = ctx.dtype(0);
  if (x != DataType::kInt8 && x != DataType::kUInt8 && x != DataType::kInt32)
    ctx.fail("x must be i8, u8 or i32, got " + std::string(dtype_name(x)));
  if (ctx.has_input(2) && ctx.dtype(2) != x)
    ctx.fail("the zero point has element type " + std::string(dtype_name(ctx.dtype(2))) +
             " but x has " + std::string(dtype_name(x)));
  const DataType scale = ctx.dtype(1);
  if (scale != DataType::kFloat32 && scale != DataType::kFloat16)
    ctx.fail("the scale must be f32 or f16, got " + std::string(dtype_name(scale)));
  outputs[0] = {scale, ctx.shape(0)};
}

}  // namespace

QRT_REGISTER_OP("DequantizeLinear", infer_dequantize_linear);

}  // namespace qrt::ops
