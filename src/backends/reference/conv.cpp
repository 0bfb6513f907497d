// Reference Conv: im2col per (image, group) followed by one GEMM with the group's weights.
#include <algorithm>
#include <vector>

#include "backends/kernel_registry.h"
#include "backends/reference/gemm_util.h"
#include "backends/reference/window3d.h"

namespace qrt::reference {
namespace {

// Writes the (channels * kernel taps) x (output positions) matrix whose column j holds the
// input values under the window of output position j (zero where the window hits padding).
template <typename T>
void im2col(const T* x, int64_t channels, const Window3& w, T* col) {
  const int64_t out_size = w.out_size();
  T* row = col;
  for (int64_t c = 0; c < channels; ++c) {
    const T* xc = x + c * w.in_size();
    for (int64_t kd = 0; kd < w.kernel[0]; ++kd)
      for (int64_t kh = 0; kh < w.kernel[1]; ++kh)
        for (int64_t kw = 0; kw < w.kernel[2]; ++kw, row += out_size) {
          const int64_t w_offset = kw * w.dilation[2] - w.pad_begin[2];
          int64_t ow_lo, ow_hi;
          valid_range(w_offset, w.stride[2], w.in[2], w.out[2], ow_lo, ow_hi);
          for (int64_t od = 0; od < w.out[0]; ++od) {
            const int64_t id = od * w.stride[0] - w.pad_begin[0] + kd * w.dilation[0];
            for (int64_t oh = 0; oh < w.out[1]; ++oh) {
              const int64_t ih = oh * w.stride[1] - w.pad_begin[1] + kh * w.dilation[1];
              T* dst = row + (od * w.out[1] + oh) * w.out[2];
              if (id < 0 || id >= w.in[0] || ih < 0 || ih >= w.in[1]) {
                std::fill_n(dst, w.out[2], T(0));
                continue;
              }
              const T* src = xc + (id * w.in[1] + ih) * w.in[2];
              std::fill(dst, dst + ow_lo, T(0));
              for (int64_t ow = ow_lo; ow < ow_hi; ++ow) dst[ow] = src[ow * w.stride[2] + w_offset];
              std::fill(dst + ow_hi, dst + w.out[2], T(0));
            }
          }
        }
  }
}

template <typename T>
void conv(const KernelArgs& args) {
  const Tensor& x = args.in(0);
  const Tensor& weights = args.in(1);
  const std::vector<int64_t>& xs = x.shape();
  const std::vector<int64_t>& ws = weights.shape();
  const ops::SpatialGeometry g = ops::sliding_window_geometry(
      args.node, std::span<const int64_t>(xs.begin() + 2, xs.end()),
      ops::kernel_from_weights(args.node, std::span<const int64_t>(ws.begin() + 2, ws.end())),
      false);
  const Window3 w = to_window3(g);
  const int64_t batch = xs[0], channels = xs[1], out_channels = ws[0];
  const int64_t group = args.node.attr_int("group", 1);
  const int64_t group_channels = channels / group, group_out_channels = out_channels / group;
  const int64_t patch = group_channels * w.kernel_size();  // GEMM K
  const int64_t in_size = w.in_size(), out_size = w.out_size();
  // A 1x1 kernel with stride 1 and no padding reads the input as it is: no im2col needed.
  bool pointwise = true;
  for (int i = 0; i < 3; ++i)
    pointwise = pointwise && w.kernel[i] == 1 && w.stride[i] == 1 && w.pad_begin[i] == 0 &&
                w.pad_end[i] == 0;
  std::vector<T> col(pointwise ? 0 : static_cast<size_t>(patch * out_size));
  const T* bias = args.has_in(2) ? args.in(2).data_as<T>() : nullptr;
  const T* xp = x.data_as<T>();
  const T* wp = weights.data_as<T>();
  T* yp = args.out(0).data_as<T>();
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t gi = 0; gi < group; ++gi) {
      const T* xg = xp + (n * channels + gi * group_channels) * in_size;
      const T* cols = xg;
      if (!pointwise) {
        im2col(xg, group_channels, w, col.data());
        cols = col.data();
      }
      T* yg = yp + (n * out_channels + gi * group_out_channels) * out_size;
      if (bias)
        for (int64_t m = 0; m < group_out_channels; ++m)
          std::fill_n(yg + m * out_size, out_size, bias[gi * group_out_channels + m]);
      gemm<T>(false, false, group_out_channels, out_size, patch, T(1),
              wp + gi * group_out_channels * patch, patch, cols, out_size, bias ? T(1) : T(0), yg,
              out_size);
    }
}

}  // namespace

QRT_REGISTER_KERNEL("Conv", "reference", DataType::kFloat32, conv<float>, spatial_rank_supported);
QRT_REGISTER_KERNEL("Conv", "reference", DataType::kFloat64, conv<double>, spatial_rank_supported);

}  // namespace qrt::reference
