// The window walk shared by the reference MaxPool and AveragePool kernels.
#pragma once

#include "backends/reference/window3d.h"

namespace qrt::reference {

// One output position's window: kernel taps k in [lo[i], hi[i]) read the input at
// start[i] + k * dilation[i], which lies inside the input.
struct PoolWindow {
  int64_t start[3];
  int64_t lo[3];
  int64_t hi[3];

  // Calls visit(offset in the input plane) for every tap inside the input.
  template <typename Visit>
  void for_each_tap(const Window3& w, Visit visit) const {
    for (int64_t k0 = lo[0]; k0 < hi[0]; ++k0)
      for (int64_t k1 = lo[1]; k1 < hi[1]; ++k1)
        for (int64_t k2 = lo[2]; k2 < hi[2]; ++k2) {
          const int64_t i0 = start[0] + k0 * w.dilation[0];
          const int64_t i1 = start[1] + k1 * w.dilation[1];
          const int64_t i2 = start[2] + k2 * w.dilation[2];
          visit((i0 * w.in[1] + i1) * w.in[2] + i2);
        }
  }
};

// The geometry of a MaxPool / AveragePool node for its input shape.
inline Window3 pool_window3(const KernelArgs& args) {
  const std::vector<int64_t>& xs = args.in(0).shape();
  return to_window3(ops::sliding_window_geometry(
      args.node, std::span<const int64_t>(xs.begin() + 2, xs.end()),
      args.node.attr_ints("kernel_shape"), args.node.attr_int("ceil_mode", 0) != 0));
}

// For every (n, c) plane and output position, writes reduce(input plane, window).
template <typename T, typename Reduce>
void for_each_pool_window(const Tensor& x, Tensor& y, const Window3& w, Reduce reduce) {
  const int64_t planes = x.dim(0) * x.dim(1);
  const T* xp = x.data_as<T>();
  T* yp = y.data_as<T>();
  PoolWindow win{};
  for (int64_t p = 0; p < planes; ++p) {
    const T* plane = xp + p * w.in_size();
    int64_t o[3];
    for (o[0] = 0; o[0] < w.out[0]; ++o[0])
      for (o[1] = 0; o[1] < w.out[1]; ++o[1])
        for (o[2] = 0; o[2] < w.out[2]; ++o[2]) {
          for (int i = 0; i < 3; ++i) {
            win.start[i] = o[i] * w.stride[i] - w.pad_begin[i];
            valid_range(win.start[i], w.dilation[i], w.in[i], w.kernel[i], win.lo[i], win.hi[i]);
          }
          *yp++ = reduce(plane, win);
        }
  }
}

}  // namespace qrt::reference
