// Reference Conv: im2col per (image, group, tile of output rows) followed by one GEMM with the
// group's weights.
#include <algorithm>
#include <vector>

#include "backends/kernel_registry.h"
#include "backends/reference/gemm_util.h"
#include "backends/reference/window3d.h"

namespace qrt::reference {
namespace {

// Output rows (positions sharing od, oh) per im2col tile: bounds the scratch buffer to about
// kColBudget elements even for wide layers (e.g. DeepLabV3's 2048-channel dilated 3x3 convs).
constexpr int64_t kColBudget = int64_t{8} << 20;

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
  const int64_t rows = w.out[0] * w.out[1], width = w.out[2];
  // A 1x1 kernel with stride 1 and no padding reads the input as it is: no im2col needed.
  bool pointwise = true;
  for (int i = 0; i < 3; ++i)
    pointwise = pointwise && w.kernel[i] == 1 && w.stride[i] == 1 && w.pad_begin[i] == 0 &&
                w.pad_end[i] == 0;
  const int64_t tile_rows =
      pointwise ? rows
                : std::clamp<int64_t>(kColBudget / std::max<int64_t>(patch * width, 1), 1, rows);
  std::vector<T> col(pointwise ? 0 : static_cast<size_t>(patch * tile_rows * width));
  const T* bias = args.has_in(2) ? args.in(2).data_as<T>() : nullptr;
  const T* xp = x.data_as<T>();
  const T* wp = weights.data_as<T>();
  T* yp = args.out(0).data_as<T>();
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t gi = 0; gi < group; ++gi) {
      const T* xg = xp + (n * channels + gi * group_channels) * in_size;
      const T* wg = wp + gi * group_out_channels * patch;
      T* yg = yp + (n * out_channels + gi * group_out_channels) * out_size;
      if (bias)
        for (int64_t m = 0; m < group_out_channels; ++m)
          std::fill_n(yg + m * out_size, out_size, bias[gi * group_out_channels + m]);
      for (int64_t r0 = 0; r0 < rows; r0 += tile_rows) {
        const int64_t r1 = std::min(rows, r0 + tile_rows), cols = (r1 - r0) * width;
        const T* b = xg;
        if (!pointwise) {
          im2col(xg, group_channels, w, r0, r1, col.data());
          b = col.data();
        }
        gemm<T>(false, false, group_out_channels, cols, patch, T(1), wg, patch, b, cols,
                bias ? T(1) : T(0), yg + r0 * width, out_size);
      }
    }
}

}  // namespace

QRT_REGISTER_KERNEL("Conv", "reference", DataType::kFloat32, conv<float>, spatial_rank_supported);
QRT_REGISTER_KERNEL("Conv", "reference", DataType::kFloat64, conv<double>, spatial_rank_supported);

}  // namespace qrt::reference
