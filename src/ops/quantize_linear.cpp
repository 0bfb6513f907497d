// QuantizeLinear: y = saturate(rint(x / y_scale) + y_zero_point), per tensor or per axis. The
// output has the zero point's type (int8 or uint8), else the output_dtype attribute's, else
// uint8 (ONNX's default).
#include <string>

#include "ir/onnx_dtype.h"
#include "ops/linear_quantization.h"

namespace qrt::ops {
namespace {

bool is_8bit(DataType t) { return t == DataType::kInt8 || t == DataType::kUInt8; }

void infer_quantize_linear(const ir::InferContext& ctx, std::vector<ir::TensorType>& outputs) {
  check_linear_quant_params(ctx);
  const DataType x = ctx.dtype(0);
  if (x != DataType::kFloat32 && x != DataType::kFloat16)
    ctx.fail("x must be f32 or f16, got " + std::string(dtype_name(x)));
  DataType out = DataType::kUInt8;
  if (const int64_t code = ctx.node().attr_int("output_dtype", 0); code != 0) {
    const auto t = ir::dtype_from_onnx(code);
    if (!t || !is_8bit(*t))
      ctx.fail(std::string("output_dtype ") + ir::onnx_type_name(code) +
               " is not supported (int8 or uint8)");
    out = *t;
  }
  if (ctx.has_input(2)) {
    if (!is_8bit(ctx.dtype(2)))
      ctx.fail("the zero point must be i8 or u8, got " + std::string(dtype_name(ctx.dtype(2))));
    if (ctx.node().has_attr("output_dtype") && ctx.dtype(2) != out)
      ctx.fail("output_dtype differs from the zero point's element type");
    out = ctx.dtype(2);
  }
  outputs[0] = {out, ctx.shape(0)};
}

}  // namespace

QRT_REGISTER_OP("QuantizeLinear", infer_quantize_linear);

}  // namespace qrt::ops
