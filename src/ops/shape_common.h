// Helpers shared by the inference functions of data movement and shape ops.
#pragma once

#include <vector>

#include "ir/op_schema.h"

namespace qrt::ir {

// The values of integer input i (a shape, axes, repeats ...), which must be known at inference.
std::vector<int64_t> require_ints(const InferContext& ctx, size_t i, const char* what);
// Axes normalised against rank (negative ones count from the end); fails on duplicates or
// out-of-range axes.
std::vector<int64_t> normalize_axes(const InferContext& ctx, const std::vector<int64_t>& axes,
                                    int64_t rank);

}  // namespace qrt::ir
