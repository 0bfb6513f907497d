// Sliding-window geometry padded to three spatial axes (1-D and 2-D ops get leading axes of
// size 1), so the Conv, ConvTranspose and pooling kernels need a single loop nest.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

#include "backends/kernel_registry.h"
#include "ops/spatial_geometry.h"

namespace qrt::reference {

struct Window3 {
  int64_t in[3];
  int64_t out[3];
  int64_t kernel[3];
  int64_t stride[3];
  int64_t dilation[3];
  int64_t pad_begin[3];
  int64_t pad_end[3];

  int64_t in_size() const { return in[0] * in[1] * in[2]; }
  int64_t out_size() const { return out[0] * out[1] * out[2]; }
  int64_t kernel_size() const { return kernel[0] * kernel[1] * kernel[2]; }
};

// Requires g.rank() <= 3 (kernels check it with spatial_rank_supported).
inline Window3 to_window3(const ops::SpatialGeometry& g) {
  Window3 w{};
  const size_t lead = 3 - g.rank();
  for (size_t i = 0; i < 3; ++i) {
    const bool real = i >= lead;
    w.in[i] = real ? g.input[i - lead] : 1;
    w.out[i] = real ? g.output[i - lead] : 1;
    w.kernel[i] = real ? g.kernel[i - lead] : 1;
    w.stride[i] = real ? g.strides[i - lead] : 1;
    w.dilation[i] = real ? g.dilations[i - lead] : 1;
    w.pad_begin[i] = real ? g.pads_begin[i - lead] : 0;
    w.pad_end[i] = real ? g.pads_end[i - lead] : 0;
  }
  return w;
}

// The positions o in [lo, hi) within [0, count) for which o * stride + offset lies in [0, size).
inline void valid_range(int64_t offset, int64_t stride, int64_t size, int64_t count, int64_t& lo,
                        int64_t& hi) {
  lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  hi = size - 1 - offset < 0 ? 0 : std::min(count, (size - 1 - offset) / stride + 1);
  lo = std::min(lo, hi);
}

// Support predicate: input 0 has 1 to 3 spatial axes (N x C x D1 [x D2 [x D3]]).
inline bool spatial_rank_supported(const ir::Node&, const NodeTypes& types, std::string* reason) {
  const size_t rank = types.inputs.at(0).shape.size();
  if (rank >= 3 && rank <= 5) return true;
  if (reason)
    *reason = "the reference kernel handles 1 to 3 spatial dims, got rank " + std::to_string(rank);
  return false;
}

}  // namespace qrt::reference
