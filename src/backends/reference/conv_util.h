// Layouts and data movement shared by the reference Conv / ConvTranspose kernels and their
// int8 versions: the GEMM dimensions of a node, im2col tiles and the col2im scatter.
#pragma once

#include <algorithm>
#include <vector>

#include "backends/reference/window3d.h"

namespace qrt::reference {

// A Conv-like node (X: N x C x D.., W: M x C/group x k..) resolved for its input shapes.
struct ConvLayout {
  Window3 w;
  int64_t batch, channels, out_channels, group, group_channels, group_out_channels;
  int64_t patch;  // GEMM K: input channels of a group times kernel taps
  int64_t in_size, out_size;
  int64_t rows, width;  // output rows (positions sharing od, oh) and positions per row
  bool pointwise;       // 1x1, stride 1, no padding: the input is its own im2col matrix
  int64_t tile_rows;    // output rows per im2col tile
};

// A ConvTranspose-like node (X: N x C x D.., W: C x M/group x k..).
struct ConvTransposeLayout {
  Window3 w;
  int64_t batch, channels, out_channels, group, group_channels, group_out_channels;
  int64_t taps;  // GEMM M: output channels of a group times kernel taps
  int64_t in_size, out_size;
};

ConvLayout conv_layout(const KernelArgs& args);
ConvTransposeLayout conv_transpose_layout(const KernelArgs& args);

// Writes the (channels * kernel taps) x (output positions) matrix whose column j holds the
// input values under the window of output position j (zero where the window hits padding),
// for the output rows [row_begin, row_end) (a row: the out[2] positions of one (od, oh)).
template <typename T>
void im2col(const T* x, int64_t channels, const Window3& w, int64_t row_begin, int64_t row_end,
            T* col) {
  const int64_t width = w.out[2], cols = (row_end - row_begin) * width;
  T* dst_row = col;
  for (int64_t c = 0; c < channels; ++c) {
    const T* xc = x + c * w.in_size();
    for (int64_t kd = 0; kd < w.kernel[0]; ++kd)
      for (int64_t kh = 0; kh < w.kernel[1]; ++kh)
        for (int64_t kw = 0; kw < w.kernel[2]; ++kw, dst_row += cols) {
          const int64_t w_offset = kw * w.dilation[2] - w.pad_begin[2];
          int64_t ow_lo, ow_hi;
          valid_range(w_offset, w.stride[2], w.in[2], width, ow_lo, ow_hi);
          for (int64_t r = row_begin; r < row_end; ++r) {
            const int64_t od = r / w.out[1], oh = r % w.out[1];
            const int64_t id = od * w.stride[0] - w.pad_begin[0] + kd * w.dilation[0];
            const int64_t ih = oh * w.stride[1] - w.pad_begin[1] + kh * w.dilation[1];
            T* dst = dst_row + (r - row_begin) * width;
            if (id < 0 || id >= w.in[0] || ih < 0 || ih >= w.in[1]) {
              std::fill_n(dst, width, T(0));
              continue;
            }
            const T* src = xc + (id * w.in[1] + ih) * w.in[2];
            std::fill(dst, dst + ow_lo, T(0));
            for (int64_t ow = ow_lo; ow < ow_hi; ++ow) dst[ow] = src[ow * w.stride[2] + w_offset];
            std::fill(dst + ow_hi, dst + width, T(0));
          }
        }
  }
}

// For every image n, group g and tile of output rows, calls fn(n, g, col, first, cols): col
// is the tile's (patch x cols) im2col matrix (row stride cols) and `first` the tile's first
// output position in the plane.
template <typename T, typename Fn>
void for_each_conv_tile(const ConvLayout& l, const T* x, Fn&& fn) {
  std::vector<T> col(l.pointwise ? 0 : static_cast<size_t>(l.patch * l.tile_rows * l.width));
  for (int64_t n = 0; n < l.batch; ++n)
    for (int64_t g = 0; g < l.group; ++g) {
      const T* xg = x + (n * l.channels + g * l.group_channels) * l.in_size;
      for (int64_t r0 = 0; r0 < l.rows; r0 += l.tile_rows) {
        const int64_t r1 = std::min(l.rows, r0 + l.tile_rows), cols = (r1 - r0) * l.width;
        if (l.pointwise) {  // a single tile
          fn(n, g, xg, int64_t{0}, cols);
          continue;
        }
        im2col(xg, l.group_channels, l.w, r0, r1, col.data());
        fn(n, g, static_cast<const T*>(col.data()), r0 * l.width, cols);
      }
    }
}

// y[m, i*stride - pad + k*dilation] += col[(m, k), i] for every channel m, tap k and input
// position i whose target lies inside the output.
template <typename T>
void col2im_add(const T* col, int64_t channels, const Window3& w, T* y) {
  const int64_t in_size = w.in_size();
  const T* row = col;
  for (int64_t c = 0; c < channels; ++c) {
    T* yc = y + c * w.out_size();
    for (int64_t kd = 0; kd < w.kernel[0]; ++kd)
      for (int64_t kh = 0; kh < w.kernel[1]; ++kh)
        for (int64_t kw = 0; kw < w.kernel[2]; ++kw, row += in_size) {
          const int64_t w_offset = kw * w.dilation[2] - w.pad_begin[2];
          int64_t iw_lo, iw_hi;
          valid_range(w_offset, w.stride[2], w.out[2], w.in[2], iw_lo, iw_hi);
          for (int64_t id = 0; id < w.in[0]; ++id) {
            const int64_t od = id * w.stride[0] - w.pad_begin[0] + kd * w.dilation[0];
            if (od < 0 || od >= w.out[0]) continue;
            for (int64_t ih = 0; ih < w.in[1]; ++ih) {
              const int64_t oh = ih * w.stride[1] - w.pad_begin[1] + kh * w.dilation[1];
              if (oh < 0 || oh >= w.out[1]) continue;
              T* dst = yc + (od * w.out[1] + oh) * w.out[2];
              const T* src = row + (id * w.in[1] + ih) * w.in[2];
              for (int64_t iw = iw_lo; iw < iw_hi; ++iw)
                dst[iw * w.stride[2] + w_offset] += src[iw];
            }
          }
        }
  }
}

}  // namespace qrt::reference
