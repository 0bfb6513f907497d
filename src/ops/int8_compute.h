// Checks and output types shared by the schemas of qrt's int8 compute ops (ConvInt8,
// ConvTransposeInt8, MatMulInt8, AddInt8; docs/quantization.md).
#pragma once

#include <cstdint>
#include <vector>

#include "ir/op_schema.h"

namespace qrt::ops {

// The deepest int8 dot product whose int32 sum cannot overflow: K * 128 * 128 <= 2^31 - 1.
constexpr int64_t kMaxInt8Depth = (int64_t{1} << 17) - 1;

// Fails unless input i is present and int8.
void require_int8(const ir::InferContext& ctx, size_t i, const char* what);
// The float attribute `name`, which must be given, finite and > 0.
float require_positive_scale(const ir::InferContext& ctx, const char* name);
// Fails when a dot product of `depth` int8 products could overflow the int32 accumulator.
void check_int8_depth(const ir::InferContext& ctx, int64_t depth);

// Checks "activation" (with clip_min / clip_max) and "y_scale"; returns the output type: i8
// when y_scale > 0, f32 when it is 0 (or absent).
DataType int8_output_dtype(const ir::InferContext& ctx);

// The inputs and attributes after the two int8 operands of ConvInt8, ConvTransposeInt8 and
// MatMulInt8: the per-channel scales (input 2, f32 [channels], named `scales_name`), the
// optional f32 bias (input 3, [channels]), the optional residual (input 4: i8 with attribute
// r_scale, or f32; the output's shape), the operand scale attribute `in_scale_attr` and the
// output attributes. Writes output 0.
void infer_int8_compute_output(const ir::InferContext& ctx, const char* scales_name,
                               const char* in_scale_attr, int64_t channels,
                               std::vector<int64_t> out_shape,
                               std::vector<ir::TensorType>& outputs);

}  // namespace qrt::ops
