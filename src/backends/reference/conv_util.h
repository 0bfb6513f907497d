// Layouts and data movement shared by the reference Conv / ConvTranspose kernels and their
// int8 versions: the GEMM dimensions of a node, im2col as a GEMM operand, the direct
// depthwise loop and the col2im scatter.
#pragma once

#include <algorithm>
#include <type_traits>
#include <vector>

#include "backends/reference/gemm_util.h"
#include "backends/reference/thread_pool.h"
#include "backends/reference/window3d.h"

namespace qrt::reference {

// A Conv-like node (X: N x C x D.., W: M x C/group x k..) resolved for its input shapes.
struct ConvLayout {
  Window3 w;
  int64_t batch, channels, out_channels, group, group_channels, group_out_channels;
  int64_t patch;  // GEMM K: input channels of a group times kernel taps
  int64_t in_size, out_size;
  bool pointwise;  // 1x1, stride 1, no padding: the input is its own im2col matrix
  bool depthwise;  // one input channel per group: computed directly, without a GEMM
  // Stride 1 over rows (1-D, 2-D): every im2col row is a slice of the zero-padded image (see
  // ConvInput).
  bool padded_grid;
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

// A run of output positions within one output row (od, oh) and one strip of packed columns.
struct Im2colRun {
  int64_t offset;  // where the run starts in the packed strips, for k = 0
  int64_t od, oh, ow_begin, ow_end;
};

// Writes columns [first, first + count) of the (channels * kernel taps) x (output positions)
// matrix whose column j holds the input values under the window of output position j (zero
// where the window hits padding), packed in strips of `width` columns as GemmOperand::pack
// describes.
template <typename T>
void im2col_strips(const T* x, int64_t channels, const Window3& w, int64_t first, int64_t count,
                   int64_t width, T* out) {
  const int64_t k = channels * w.kernel_size(), strip_size = width * k;
  // The runs are the same for every row of the matrix.
  thread_local std::vector<Im2colRun> runs;
  runs.clear();
  for (int64_t j = 0; j < count;) {
    const int64_t pos = first + j, r = pos / w.out[2], ow = pos % w.out[2], lane = j % width;
    const int64_t len = std::min({w.out[2] - ow, width - lane, count - j});
    runs.push_back({j / width * strip_size + lane, r / w.out[1], r % w.out[1], ow, ow + len});
    j += len;
  }
  if (const int64_t tail = count % width; tail != 0) {
    T* last = out + count / width * strip_size;
    for (int64_t p = 0; p < k; ++p)
      std::fill(last + p * width + tail, last + (p + 1) * width, T(0));
  }
  int64_t p = 0;  // the matrix row: channel c, tap (kd, kh, kw)
  for (int64_t c = 0; c < channels; ++c) {
    const T* xc = x + c * w.in_size();
    for (int64_t kd = 0; kd < w.kernel[0]; ++kd)
      for (int64_t kh = 0; kh < w.kernel[1]; ++kh)
        for (int64_t kw = 0; kw < w.kernel[2]; ++kw, ++p) {
          const int64_t w_offset = kw * w.dilation[2] - w.pad_begin[2];
          int64_t ow_lo, ow_hi;
          valid_range(w_offset, w.stride[2], w.in[2], w.out[2], ow_lo, ow_hi);
          for (const Im2colRun& run : runs) {
            T* __restrict dst = out + run.offset + p * width;
            const int64_t n = run.ow_end - run.ow_begin;
            const int64_t id = run.od * w.stride[0] - w.pad_begin[0] + kd * w.dilation[0];
            const int64_t ih = run.oh * w.stride[1] - w.pad_begin[1] + kh * w.dilation[1];
            if (id < 0 || id >= w.in[0] || ih < 0 || ih >= w.in[1]) {
              for (int64_t i = 0; i < n; ++i) dst[i] = T(0);
              continue;
            }
            // dst[i] is output column ow_begin + i; [lo, hi) of them read inside the row.
            const int64_t lo = std::clamp(ow_lo, run.ow_begin, run.ow_end) - run.ow_begin;
            const int64_t hi = std::clamp(ow_hi, run.ow_begin + lo, run.ow_end) - run.ow_begin;
            const T* __restrict src =
                xc + (id * w.in[1] + ih) * w.in[2] + w_offset + (run.ow_begin + lo) * w.stride[2];
            for (int64_t i = 0; i < lo; ++i) dst[i] = T(0);
            if (w.stride[2] == 1)
              for (int64_t i = lo; i < hi; ++i) dst[i] = src[i - lo];
            else
              for (int64_t i = lo; i < hi; ++i) dst[i] = src[(i - lo) * w.stride[2]];
            for (int64_t i = hi; i < n; ++i) dst[i] = T(0);
          }
        }
  }
}

// n input values as a Conv computes with them: copied, or f16 bits (uint16_t) widened to f32.
template <typename T, typename Source>
void load_values(const Source* src, int64_t n, T* dst) {
  if constexpr (std::is_same_v<Source, T>) {
    std::copy_n(src, n, dst);
  } else {
    static_assert(std::is_same_v<Source, uint16_t> && std::is_same_v<T, float>);
    half_to_float(src, dst, static_cast<size_t>(n));
  }
}

// The buffer of the calling thread for a zero-padded image, reused across calls.
template <typename Word>
std::vector<Word>& padded_image_buffer() {
  thread_local std::vector<Word> buffer;
  return buffer;
}

// The im2col matrix of one image and group of a Conv as a GEMM operand (K = patch rows).
// Normally GEMM column j is output position j and pack() builds panels of the matrix. With
// l.padded_grid the image is copied once with its zero padding and the output computed on a
// grid as wide as the padded rows: then matrix row (c, kh, kw) is the padded image from offset
// (c, kh, kw) on, which the GEMM reads in place (rows()). GEMM column j is output row
// j / grid_width(), column j % grid_width(); columns from out[2] on are junk, dropped. For
// int8 the padded image holds int16 pairs of channels (2c', 2c' + 1), and the GEMM's k pairs
// are (2c', tap), (2c' + 1, tap): the weights must be packed in padded_k_order(l).
template <typename T>
class ConvInput final : public GemmOperand<T> {
 public:
  using Word = GemmWord<T>;
  static constexpr int64_t kPerWord = std::is_same_v<T, int8_t> ? 2 : 1;  // channels per word

  // x_group: the group's input channels, of T or (for T = float) f16 bits, widened here.
  template <typename Source>
  ConvInput(const ConvLayout& l, const Source* x_group) : l_(l) {
    if (!l.padded_grid) {
      x_ = own_values(x_group, l.group_channels * l.in_size);
      return;
    }
    const Window3& w = l.w;
    const int64_t height = w.in[1] + w.pad_begin[1] + w.pad_end[1];
    grid_width_ = w.in[2] + w.pad_begin[2] + w.pad_end[2];
    const int64_t plane = height * grid_width_, planes = ceil_channels(l);
    // GEMM strips read up to kMaxGemmStripColumns + (kernel width - 1) * dilation past the
    // last plane.
    std::vector<Word>& buffer = padded_image_buffer<Word>();
    buffer.assign(
        static_cast<size_t>(planes * plane + kMaxGemmStripColumns + w.kernel[2] * w.dilation[2]),
        Word(0));
    for (int64_t c = 0; c < l.group_channels; ++c)
      for (int64_t ih = 0; ih < w.in[1]; ++ih) {
        const Source* src = x_group + (c * w.in[1] + ih) * w.in[2];
        Word* dst = buffer.data() + c / kPerWord * plane + (ih + w.pad_begin[1]) * grid_width_ +
                    w.pad_begin[2];
        if constexpr (kPerWord == 1)
          load_values(src, w.in[2], dst);
        else  // the int16 half of channel c (sign-extended bits, as pmaddwd reads them)
          for (int64_t i = 0; i < w.in[2]; ++i)
            dst[i] |= static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint16_t>(src[i]))
                                           << (16 * (c % 2)));
      }
    const int64_t taps = w.kernel[1] * w.kernel[2];
    rows_.resize(static_cast<size_t>(planes * taps));
    for (int64_t p = 0; p < planes; ++p)
      for (int64_t kh = 0; kh < w.kernel[1]; ++kh)
        for (int64_t kw = 0; kw < w.kernel[2]; ++kw)
          rows_[static_cast<size_t>((p * w.kernel[1] + kh) * w.kernel[2] + kw)] =
              buffer.data() + p * plane + kh * w.dilation[1] * grid_width_ + kw * w.dilation[2];
  }

  // The K order of the weights' columns for a padded-grid int8 Conv (empty otherwise): k pair
  // (c', tap) holds channels 2c' and 2c' + 1 (-1: the missing channel of an odd count).
  static std::vector<int64_t> padded_k_order(const ConvLayout& l) {
    std::vector<int64_t> order;
    if (!l.padded_grid || kPerWord == 1) return order;
    const int64_t taps = l.w.kernel_size();
    for (int64_t p = 0; p < ceil_channels(l); ++p)
      for (int64_t t = 0; t < taps; ++t)
        for (int64_t c = 2 * p; c < 2 * p + 2; ++c)
          order.push_back(c < l.group_channels ? c * taps + t : -1);
    return order;
  }

  // GEMM columns per output row, and in all.
  int64_t grid_width() const { return rows_.empty() ? l_.w.out[2] : grid_width_; }
  int64_t columns() const { return rows_.empty() ? l_.out_size : l_.w.out[1] * grid_width_; }

  // Calls fn(j, position, count) for each run of `count` GEMM columns from j on, within
  // [j0, j0 + cols), that are the output positions from `position` on.
  template <typename Fn>
  void for_each_output_run(int64_t j0, int64_t cols, Fn&& fn) const {
    if (rows_.empty()) {
      fn(j0, j0, cols);
      return;
    }
    for (int64_t j = j0; j < j0 + cols;) {
      const int64_t row = j / grid_width_, col = j % grid_width_;
      if (col >= l_.w.out[2]) {
        j = (row + 1) * grid_width_;
        continue;
      }
      const int64_t count = std::min(l_.w.out[2] - col, j0 + cols - j);
      fn(j, row * l_.w.out[2] + col, count);
      j += count;
    }
  }

  const Word* const* rows() const override { return rows_.empty() ? nullptr : rows_.data(); }

  void pack(int64_t n0, int64_t nb, int64_t width, T* out) const override {
    if (l_.pointwise)  // the input planes are the matrix
      MatrixOperand<T>(x_, l_.in_size, false, l_.patch).pack(n0, nb, width, out);
    else
      im2col_strips(x_, l_.group_channels, l_.w, n0, nb, width, out);
  }

 private:
  // x itself, or for f16 bits its f32 values in a buffer of the calling thread.
  template <typename Source>
  static const T* own_values(const Source* x, int64_t n) {
    if constexpr (std::is_same_v<Source, T>) {
      return x;
    } else {
      thread_local std::vector<T> widened;
      widened.resize(static_cast<size_t>(n));
      load_values(x, n, widened.data());
      return widened.data();
    }
  }

  // Planes of the padded image: channels, in pairs for int8.
  static int64_t ceil_channels(const ConvLayout& l) {
    return (l.group_channels + kPerWord - 1) / kPerWord;
  }

  const ConvLayout& l_;
  const T* x_ = nullptr;
  int64_t grid_width_ = 0;
  std::vector<const Word*> rows_;
};

// Runs fn(n, g) for every image n and group g, spread over the thread pool.
template <typename Fn>
void for_each_image_group(const ConvLayout& l, Fn&& fn) {
  parallel_for(l.batch * l.group, 1, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) fn(t / l.group, t % l.group);
  });
}

// A Conv (not depthwise) as one GEMM per image and group, on the thread pool: calls
// out(n, oc, position, acc, count) with the sums acc[0, count) of `count` consecutive output
// positions of image n, output channel oc. x is of T or (T = float) f16 bits.
template <typename T, typename Source, typename Out>
void conv_gemm(const ConvLayout& l, const Source* x, const T* w, const Out& out) {
  // The weights packed once for the whole batch.
  const int64_t mg = l.group_out_channels;
  const std::vector<int64_t> k_order = ConvInput<T>::padded_k_order(l);
  std::vector<PackedMatrix<T>> weights;
  for (int64_t g = 0; g < l.group; ++g)
    weights.emplace_back(mg, l.patch, w + g * mg * l.patch, l.patch, 1, k_order);
  for_each_image_group(l, [&](int64_t n, int64_t g) {
    const ConvInput<T> input(l, x + (n * l.channels + g * l.group_channels) * l.in_size);
    gemm_blocks<T>(weights[static_cast<size_t>(g)], input.columns(), input,
                   [&](int64_t i0, int64_t j0, int64_t rows, int64_t cols, const GemmWord<T>* acc,
                       int64_t ld) {
                     for (int64_t r = 0; r < rows; ++r)
                       input.for_each_output_run(
                           j0, cols, [&](int64_t j, int64_t position, int64_t count) {
                             out(n, g * mg + i0 + r, position, acc + r * ld + (j - j0), count);
                           });
                   });
  });
}

// A depthwise-style Conv (one input channel per group): adds output channel oc's taps w (its
// kernel_size() weights) times input plane x to the output plane acc, tap after tap in order
// for every output element. Acc is float (T float) or int32_t (T int8_t, exact). Stride-1
// planes go through a zero-padded copy (as ConvInput): each tap is then one pass along the
// whole plane, where row by row the loops would be a few elements long.
template <typename T, typename Acc>
void depthwise_plane(const T* x, const T* w, const Window3& win, Acc* acc) {
  const int64_t width = win.out[2];
  if (win.in[0] == 1 && win.kernel[0] == 1 && win.stride[1] == 1 && win.stride[2] == 1) {
    const int64_t grid_width = win.in[2] + win.pad_begin[2] + win.pad_end[2];
    const int64_t height = win.in[1] + win.pad_begin[1] + win.pad_end[1];
    const int64_t cells = win.out[1] * grid_width;
    // Columns from `width` on are junk; the last taps read (kernel width - 1) * dilation past
    // the padded plane.
    thread_local std::vector<T> padded;
    thread_local std::vector<Acc> grid;
    padded.assign(static_cast<size_t>(height * grid_width + win.kernel[2] * win.dilation[2]), T(0));
    for (int64_t ih = 0; ih < win.in[1]; ++ih)
      std::copy_n(x + ih * win.in[2], win.in[2],
                  padded.data() + (ih + win.pad_begin[1]) * grid_width + win.pad_begin[2]);
    grid.assign(static_cast<size_t>(cells), Acc(0));
    for (int64_t oh = 0; oh < win.out[1]; ++oh)
      std::copy_n(acc + oh * width, width, grid.data() + oh * grid_width);
    Acc* __restrict g = grid.data();
    for (int64_t kh = 0; kh < win.kernel[1]; ++kh)
      for (int64_t kw = 0; kw < win.kernel[2]; ++kw) {
        const Acc weight = static_cast<Acc>(w[kh * win.kernel[2] + kw]);
        const T* __restrict src =
            padded.data() + kh * win.dilation[1] * grid_width + kw * win.dilation[2];
        for (int64_t j = 0; j < cells; ++j) g[j] += weight * static_cast<Acc>(src[j]);
      }
    for (int64_t oh = 0; oh < win.out[1]; ++oh)
      std::copy_n(grid.data() + oh * grid_width, width, acc + oh * width);
    return;
  }
  for (int64_t r = 0; r < win.out[0] * win.out[1]; ++r) {
    const int64_t od = r / win.out[1], oh = r % win.out[1];
    Acc* dst = acc + r * width;
    const T* wt = w;
    for (int64_t kd = 0; kd < win.kernel[0]; ++kd)
      for (int64_t kh = 0; kh < win.kernel[1]; ++kh, wt += win.kernel[2]) {
        const int64_t id = od * win.stride[0] - win.pad_begin[0] + kd * win.dilation[0];
        const int64_t ih = oh * win.stride[1] - win.pad_begin[1] + kh * win.dilation[1];
        if (id < 0 || id >= win.in[0] || ih < 0 || ih >= win.in[1]) continue;
        const T* row = x + (id * win.in[1] + ih) * win.in[2];
        for (int64_t kw = 0; kw < win.kernel[2]; ++kw) {
          const int64_t w_offset = kw * win.dilation[2] - win.pad_begin[2];
          int64_t lo, hi;
          valid_range(w_offset, win.stride[2], win.in[2], width, lo, hi);
          const Acc weight = static_cast<Acc>(wt[kw]);
          const T* src = row + w_offset;
          if (win.stride[2] == 1)
            for (int64_t ow = lo; ow < hi; ++ow) dst[ow] += weight * static_cast<Acc>(src[ow]);
          else
            for (int64_t ow = lo; ow < hi; ++ow)
              dst[ow] += weight * static_cast<Acc>(src[ow * win.stride[2]]);
        }
      }
  }
}

// Runs fn(n, oc, x_plane) for every image n and output channel oc of a depthwise-style Conv,
// spread over the thread pool; x_plane is oc's input channel.
template <typename T, typename Fn>
void for_each_depthwise_plane(const ConvLayout& l, const T* x, Fn&& fn) {
  parallel_for(l.batch * l.out_channels, 1, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      const int64_t n = t / l.out_channels, oc = t % l.out_channels;
      fn(n, oc, x + (n * l.channels + oc / l.group_out_channels) * l.in_size);
    }
  });
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
