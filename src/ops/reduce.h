// The axes a ReduceXxx node reduces, shared by its schema and the kernels. Canonical form:
// optional int64 axes input 1, attributes keepdims (default 1) and noop_with_empty_axes
// (default 0); no axes reduces every dim, unless noop_with_empty_axes makes it an identity.
#pragma once

#include <cstdint>
#include <vector>

#include "ir/graph.h"
#include "qrt/tensor.h"

namespace qrt::ops {

struct ReduceAxes {
  std::vector<bool> reduced;  // per input dim
  bool noop = false;          // empty axes with noop_with_empty_axes: output = input
};

// `axes` is null when the input is omitted. Throws naming the node on a bad or repeated axis.
ReduceAxes resolve_reduce_axes(const ir::Node& node, int64_t rank, const Tensor* axes);

// The output shape: reduced dims dropped, or kept as 1 with keepdims.
std::vector<int64_t> reduced_shape(const ir::Node& node, const std::vector<int64_t>& shape,
                                   const ReduceAxes& axes);

}  // namespace qrt::ops
