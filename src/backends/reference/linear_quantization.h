// The element walk shared by the reference QuantizeLinear and DequantizeLinear kernels: each
// element of input 0 with the scale and zero point of its channel.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "backends/kernel_registry.h"

namespace qrt::reference {

struct LinearQuantParams {
  std::vector<float> scales;         // one per channel
  std::vector<int64_t> zero_points;  // one per channel (0 when the input is omitted)
  int64_t inner = 1;                 // elements per channel run (1 .. numel)
};

// Reads inputs 1 (scale) and 2 (optional zero point) of a node whose schema has checked them.
inline LinearQuantParams linear_quant_params(const KernelArgs& args) {
  LinearQuantParams p;
  p.scales = args.in(1).to_float_vector();
  p.zero_points =
      args.has_in(2) ? args.in(2).to_int64_vector() : std::vector<int64_t>(p.scales.size(), 0);
  const std::vector<int64_t>& shape = args.in(0).shape();
  if (p.scales.size() == 1) {
    p.inner = shape_numel(shape);
    return p;
  }
  int64_t axis = args.node.attr_int("axis", 1);
  if (axis < 0) axis += static_cast<int64_t>(shape.size());
  for (size_t d = static_cast<size_t>(axis) + 1; d < shape.size(); ++d) p.inner *= shape[d];
  return p;
}

// QuantizeLinear of f32 x into int8 or uint8 (the output's type): y = saturate(rint(x / scale) +
// zero_point), on the reference thread pool. The reference kernel, and the cpu backend's.
void quantize_linear(const KernelArgs& args);

// Calls fn(i, count, channel) for every run of `count` elements of one channel from index i
// on, in order.
template <typename Fn>
void for_each_quant_run(const LinearQuantParams& p, int64_t numel, Fn&& fn) {
  const int64_t channels = static_cast<int64_t>(p.scales.size());
  if (p.inner == 0) return;
  for (int64_t i = 0, run = 0; i < numel; i += p.inner, ++run)
    fn(i, std::min(p.inner, numel - i), run % channels);
}

// Calls fn(i, channel) for every element index i of input 0, in order.
template <typename Fn>
void for_each_quant_channel(const LinearQuantParams& p, int64_t numel, Fn&& fn) {
  const int64_t channels = static_cast<int64_t>(p.scales.size());
  if (p.inner == 0) return;
  for (int64_t i = 0, run = 0; i < numel; ++run)
    for (int64_t end = i + p.inner, c = run % channels; i < end; ++i) fn(i, c);
}

}  // namespace qrt::reference
