// Pad's per-dim begin / end amounts (negative crops), shared by its schema and kernels.
// Canonical form: pads input 1 (int64, [begin..., end...] over the padded axes), optional
// constant_value input 2, optional axes input 3, "mode" attribute.
#pragma once

#include <cstdint>
#include <vector>

#include "ir/graph.h"
#include "qrt/tensor.h"

namespace qrt::ops {

struct PadAmounts {
  std::vector<int64_t> begin;  // per input dim
  std::vector<int64_t> end;
};

// `axes` is null when omitted (then pads cover every dim). Throws naming the node.
PadAmounts resolve_pads(const ir::Node& node, int64_t rank, const Tensor& pads, const Tensor* axes);

}  // namespace qrt::ops
