// Resize's output shape, per-dim scales and roi, shared by its schema and kernels.
// Canonical form: X, roi (optional), scales (optional), sizes (optional) inputs; an empty
// tensor counts as omitted. Exactly one of scales / sizes must be given.
#pragma once

#include <cstdint>
#include <vector>

#include "ir/graph.h"
#include "qrt/tensor.h"

namespace qrt::ops {

struct ResizePlan {
  std::vector<int64_t> output_shape;
  std::vector<float> scales;  // per dim: the scale the coordinate transform uses (1 if unresized)
  std::vector<float> roi_start;  // per dim, for tf_crop_and_resize (default 0)
  std::vector<float> roi_end;    // per dim (default 1)
};

// Any of roi / scales / sizes may be null (omitted or empty). Also validates the mode
// attributes. Throws naming the node.
ResizePlan resolve_resize(const ir::Node& node, const std::vector<int64_t>& input_shape,
                          const Tensor* roi, const Tensor* scales, const Tensor* sizes);

}  // namespace qrt::ops
