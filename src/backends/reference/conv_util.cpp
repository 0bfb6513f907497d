#include "backends/reference/conv_util.h"

namespace qrt::reference {

namespace {
// Output rows per im2col tile: bounds the scratch buffer to about kColBudget elements even for
// wide layers (e.g. DeepLabV3's 2048-channel dilated 3x3 convs).
constexpr int64_t kColBudget = int64_t{8} << 20;

std::span<const int64_t> spatial(const std::vector<int64_t>& shape) {
  return std::span<const int64_t>(shape.begin() + 2, shape.end());
}
}  // namespace

ConvLayout conv_layout(const KernelArgs& args) {
  const std::vector<int64_t>& xs = args.in(0).shape();
  const std::vector<int64_t>& ws = args.in(1).shape();
  ConvLayout l{};
  l.w = to_window3(ops::sliding_window_geometry(
      args.node, spatial(xs), ops::kernel_from_weights(args.node, spatial(ws)), false));
  l.batch = xs[0];
  l.channels = xs[1];
  l.out_channels = ws[0];
  l.group = args.node.attr_int("group", 1);
  l.group_channels = l.channels / l.group;
  l.group_out_channels = l.out_channels / l.group;
  l.patch = l.group_channels * l.w.kernel_size();
  l.in_size = l.w.in_size();
  l.out_size = l.w.out_size();
  l.rows = l.w.out[0] * l.w.out[1];
  l.width = l.w.out[2];
  l.pointwise = true;
  for (int i = 0; i < 3; ++i)
    l.pointwise = l.pointwise && l.w.kernel[i] == 1 && l.w.stride[i] == 1 &&
                  l.w.pad_begin[i] == 0 && l.w.pad_end[i] == 0;
  l.tile_rows = l.pointwise ? l.rows
                            : std::clamp<int64_t>(
                                  kColBudget / std::max<int64_t>(l.patch * l.width, 1), 1, l.rows);
  return l;
}

ConvTransposeLayout conv_transpose_layout(const KernelArgs& args) {
  const std::vector<int64_t>& xs = args.in(0).shape();
  const std::vector<int64_t>& ws = args.in(1).shape();
  ConvTransposeLayout l{};
  l.w = to_window3(ops::conv_transpose_geometry(args.node, spatial(xs),
                                                ops::kernel_from_weights(args.node, spatial(ws))));
  l.batch = xs[0];
  l.channels = xs[1];
  l.group = args.node.attr_int("group", 1);
  l.group_channels = l.channels / l.group;
  l.group_out_channels = ws[1];
  l.out_channels = l.group_out_channels * l.group;
  l.taps = l.group_out_channels * l.w.kernel_size();
  l.in_size = l.w.in_size();
  l.out_size = l.w.out_size();
  return l;
}

}  // namespace qrt::reference
