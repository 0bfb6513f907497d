// Reference ConvTranspose: per (image, group) one GEMM W^T * X giving every kernel tap's
// contribution, then col2im scatter-adds them into the output.
#include <algorithm>
#include <vector>

#include "backends/kernel_registry.h"
#include "backends/reference/gemm_util.h"
#include "backends/reference/window3d.h"

namespace qrt::reference {
namespace {

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

template <typename T>
void conv_transpose(const KernelArgs& args) {
  const Tensor& x = args.in(0);
  const Tensor& weights = args.in(1);
  const std::vector<int64_t>& xs = x.shape();
  const std::vector<int64_t>& ws = weights.shape();
  const ops::SpatialGeometry g = ops::conv_transpose_geometry(
      args.node, std::span<const int64_t>(xs.begin() + 2, xs.end()),
      ops::kernel_from_weights(args.node, std::span<const int64_t>(ws.begin() + 2, ws.end())));
  const Window3 w = to_window3(g);
  const int64_t batch = xs[0], channels = xs[1];
  const int64_t group = args.node.attr_int("group", 1);
  const int64_t group_channels = channels / group, group_out_channels = ws[1];
  const int64_t out_channels = group_out_channels * group;
  const int64_t taps = group_out_channels * w.kernel_size();  // GEMM M
  const int64_t in_size = w.in_size(), out_size = w.out_size();
  std::vector<T> col(static_cast<size_t>(taps * in_size));
  const T* bias = args.has_in(2) ? args.in(2).data_as<T>() : nullptr;
  const T* xp = x.data_as<T>();
  const T* wp = weights.data_as<T>();
  T* yp = args.out(0).data_as<T>();
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t gi = 0; gi < group; ++gi) {
      const T* xg = xp + (n * channels + gi * group_channels) * in_size;
      const T* wg = wp + gi * group_channels * taps;
      gemm<T>(true, false, taps, in_size, group_channels, T(1), wg, taps, xg, in_size, T(0),
              col.data(), in_size);
      T* yg = yp + (n * out_channels + gi * group_out_channels) * out_size;
      for (int64_t m = 0; m < group_out_channels; ++m)
        std::fill_n(yg + m * out_size, out_size, bias ? bias[gi * group_out_channels + m] : T(0));
      col2im_add(col.data(), group_out_channels, w, yg);
    }
}

}  // namespace

QRT_REGISTER_KERNEL("ConvTranspose", "reference", DataType::kFloat32, conv_transpose<float>,
                    spatial_rank_supported);
QRT_REGISTER_KERNEL("ConvTranspose", "reference", DataType::kFloat64, conv_transpose<double>,
                    spatial_rank_supported);

}  // namespace qrt::reference
