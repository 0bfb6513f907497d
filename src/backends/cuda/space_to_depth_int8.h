// The "s2d64" / "s2d64s" / "s2d128s" tactics of ConvInt8 (space_to_depth_int8.cu): a strided
// convolution over few input channels (an RGB stem) as a stride-1 convolution over the input
// rearranged space-to-depth, on the implicit GEMM.
//
// With stride S (per axis), input row ih = S * oh - P + kh of output row oh is written
// ih = S * (oh + a) + b, b in [0, S): a runs over [floor(-P / S), floor((KH - 1 - P) / S)], so
// every S x S block of input pixels becomes one pixel of S_h * S_w * C channels (order (bh, bw,
// c), zero-padded to a multiple of 16) and the convolution one of T = a_max - a_min + 1 taps,
// stride 1, begin pad -a_min, over ceil(H / S) rows. Rearranged weight (th, bh) is the original
// tap kh = S * (th + a_min) + bh + P, zero outside [0, KH). ResNet's 7x7 s2 p3 stem: 4x4 taps of
// 16 channels (depth 256 for 147 real products, against 7x7x16 = 784 for the padded GEMM).
//
// The index helpers are host-device so that the host tests run the same arithmetic as the
// kernels.
#pragma once

#include <cstdint>
#include <string>

#include "backends/cuda/int8_gemm.h"

namespace qrt::cuda {

struct SpaceToDepth {
  int64_t block_h = 1, block_w = 1;  // the strides: the block of input pixels folded into one
  int64_t block_channels = 0;        // block_h * block_w * c: a rearranged pixel's real channels
  // The stride-1 problem: X' [n, ceil(h / block_h), ceil(w / block_w), block_channels padded to
  // 16], taps (kernel_h, kernel_w) with begin pads (pad_h, pad_w) = (-a_min_h, -a_min_w), the
  // original output size and channels.
  Int8ConvShape gemm;
};

// The rearranged problem of `s` (meaningful when space_to_depth_fits).
SpaceToDepth space_to_depth_geometry(const Int8ConvShape& s);

// Group 1, dilation 1, a stride of at least 2 along one axis, block_channels <= 64 (few
// channels), the GEMM at most 1024 deep, one image within 32-bit offsets; *reason says why not.
bool space_to_depth_fits(const Int8ConvShape& s, std::string* reason = nullptr);

// "s2d64", "s2d64s" (the staged epilogue) or "s2d128s" (128-channel tiles, staged).
bool is_space_to_depth_tactic(const std::string& tactic);

// Enqueues Y = epilogue(conv(X, W)) with one of the tactics above: the weights rearranged into
// the workspace, then per chunk of images the rearranged input after them and the GEMM over it.
void launch_space_to_depth(const Int8ConvShape& s, const int8_t* x, const Int8Weights& w,
                           const Int8Epilogue& e, const std::string& tactic, const Resources& res);

// Where rearranged weight [o, th, tw, cc] comes from: its offset in `w` (element (o, c, kh, kw)
// of the original), or -1 for a zero (a tap outside the kernel, a padding channel).
QRT_HOST_DEVICE inline int64_t space_to_depth_weight_offset(const Int8ConvShape& s,
                                                            const SpaceToDepth& g,
                                                            const Int8Weights& w, int64_t o,
                                                            int64_t th, int64_t tw, int64_t cc) {
  if (cc >= g.block_channels) return -1;
  const int64_t bh = cc / (g.block_w * s.c), bw = cc / s.c % g.block_w, c = cc % s.c;
  // a = th + a_min = th - gemm.pad_h; kh = S * a + bh + P.
  const int64_t kh = g.block_h * (th - g.gemm.pad_h) + bh + s.pad_h;
  const int64_t kw = g.block_w * (tw - g.gemm.pad_w) + bw + s.pad_w;
  if (kh < 0 || kh >= s.kernel_h || kw < 0 || kw >= s.kernel_w) return -1;
  return o * w.out + c * w.in + kh * w.tap_h + kw * w.tap_w;
}

// Channels [16 * q, 16 * q + 16) of rearranged pixel (i, j) of one image (`image`: that image's
// X [h, w, c]) as four little-endian words. Block row bh of the pixel is block_w * c contiguous
// bytes of X: row block_h * i + bh from column block_w * j on, cut at the image's right edge;
// rows past the bottom edge and channels from block_channels on are zeros. 32-bit offsets
// (space_to_depth_fits keeps an image below 2^31 bytes).
QRT_HOST_DEVICE inline void space_to_depth_chunk(const Int8ConvShape& s, const SpaceToDepth& g,
                                                 const int8_t* image, int i, int j, int q,
                                                 uint32_t (&words)[4]) {
  const int c = static_cast<int>(s.c), in_h = static_cast<int>(s.h), in_w = static_cast<int>(s.w),
            block_h = static_cast<int>(g.block_h);
  const int run = static_cast<int>(g.block_w) * c;  // bytes of one block row
  const int row0 = block_h * i, col0 = static_cast<int>(g.block_w) * j;
  const int inside = (in_w - col0) * c;  // bytes left of the right edge from col0 on
  const int row_bytes = inside < run ? inside : run;
  const int cc0 = 16 * q;
  int bh = cc0 / run, r = cc0 - bh * run;  // channel cc = bh * run + r
  words[0] = words[1] = words[2] = words[3] = 0;
#ifdef __CUDA_ARCH__  // the device compiler's; the host compiler warns about it
#pragma unroll
#endif
  for (int b = 0; b < 16; ++b) {
    // bh < block_h exactly when cc < block_channels.
    if (bh < block_h && row0 + bh < in_h && r < row_bytes) {
      const int8_t v = image[((row0 + bh) * in_w + col0) * c + r];
      words[b / 4] |= static_cast<uint32_t>(static_cast<uint8_t>(v)) << (8 * (b % 4));
    }
    if (++r == run) {
      r = 0;
      ++bh;
    }
  }
}

}  // namespace qrt::cuda
