// Slice's index arithmetic, shared by its shape inference and its kernels.
#pragma once

#include <cstdint>
#include <vector>

#include "ir/graph.h"

namespace qrt::ir {

// What Slice takes from one input dimension: `length` indices start, start + step, ...
struct SliceRange {
  int64_t start = 0;
  int64_t step = 1;
  int64_t length = 0;
};

// One SliceRange per dimension of `shape` (untouched dimensions: the whole range), following
// the ONNX rules: negative starts/ends count from the end, then are clamped to [0, dim] (step
// > 0) or start to [0, dim-1] and end to [-1, dim-1] (step < 0). Throws qrt::Error naming
// `node` for bad axes or zero steps.
std::vector<SliceRange> compute_slice(const Node& node, const std::vector<int64_t>& shape,
                                      const std::vector<int64_t>& starts,
                                      const std::vector<int64_t>& ends,
                                      const std::vector<int64_t>& axes,
                                      const std::vector<int64_t>& steps);

}  // namespace qrt::ir
