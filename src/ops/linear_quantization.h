// Checks shared by the QuantizeLinear and DequantizeLinear schemas: the scale (input 1) and the
// optional zero point (input 2) of input 0, per tensor or per axis.
#pragma once

#include <cstdint>

#include "ir/op_schema.h"

namespace qrt::ops {

// The scale is a scalar or 1-element tensor (per tensor) or a 1-D tensor with one value per
// index along the "axis" attribute (default 1) of input 0; the zero point, when present, has
// the scale's shape. Returns the normalised axis, or -1 for per-tensor parameters.
int64_t check_linear_quant_params(const ir::InferContext& ctx);

}  // namespace qrt::ops
