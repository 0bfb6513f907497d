#include "backends/reference/conv_util.h"

namespace qrt::reference {

namespace {
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
  l.pointwise = true;
  for (int i = 0; i < 3; ++i)
    l.pointwise = l.pointwise && l.w.kernel[i] == 1 && l.w.stride[i] == 1 &&
                  l.w.pad_begin[i] == 0 && l.w.pad_end[i] == 0;
  l.depthwise = l.group_channels == 1;
  l.padded_grid = !l.pointwise && l.w.in[0] == 1 && l.w.kernel[0] == 1 && l.w.stride[1] == 1 &&
                  l.w.stride[2] == 1;
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
