// The space-to-depth tactics of ConvInt8 (space_to_depth_int8.h): ResNet's 7x7 stride-2 RGB
// stem, MobileNetV2's 3x3 stride-2 one. The explicit im2col writes (and the GEMM reads back) a
// patch row of kh * kw * c bytes per output pixel (160 for ResNet's stem); the rearranged input
// is the image itself, 16 bytes per output pixel, which the implicit GEMM reads in place with
// its 16-byte loads (one tap of 16 channels each). The GEMM is deeper than im2col's (256 against
// 160 for ResNet's stem: the taps of a 4x4 window that fall outside the 7x7 kernel are zero
// weights), but no patch matrix goes through memory.
//
// The sums are the same int32 sums (zeros add nothing), and the epilogue is the implicit GEMM's
// own, so results equal the reference's bit for bit.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "backends/cuda/cuda_check.h"
#include "backends/cuda/space_to_depth_int8.h"

namespace qrt::cuda {
namespace {

constexpr int kThreads = 256;
// A rearranged pixel of more channels than this is not "few channels": the implicit GEMM reads
// such inputs well in place.
constexpr int64_t kMaxBlockChannels = 64;
constexpr int64_t kMaxDepth = 1024;

unsigned blocks_for(int64_t total) {
  return static_cast<unsigned>(
      std::clamp<int64_t>((total + kThreads - 1) / kThreads, 1, int64_t{1} << 20));
}

size_t align_up(size_t bytes) { return (bytes + 255) / 256 * 256; }

// floor(a / b) for b > 0.
int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// Weights in any Int8Weights order -> the rearranged OHWI [k, taps_h, taps_w, gemm.c].
__global__ void space_to_depth_weights_kernel(const Int8ConvShape s, const SpaceToDepth g,
                                              const Int8Weights w, int8_t* out) {
  const Int8ConvShape& t = g.gemm;
  const int64_t taps = t.kernel_h * t.kernel_w, total = t.k * t.depth();
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < total;
       i += int64_t{gridDim.x} * blockDim.x) {
    const int64_t cc = i % t.c, tap = i / t.c % taps, o = i / t.depth();
    const int64_t from =
        space_to_depth_weight_offset(s, g, w, o, tap / t.kernel_w, tap % t.kernel_w, cc);
    out[i] = from < 0 ? int8_t{0} : w.data[from];
  }
}

// `images` images of X -> X' [images, gemm.h, gemm.w, gemm.c], one thread per 16 bytes (one
// int4 store; a warp's stores are contiguous). `total` (pixels x 16-byte chunks) is below 2^31
// (launch_space_to_depth's chunks).
__global__ void space_to_depth_input_kernel(const Int8ConvShape s, const SpaceToDepth g,
                                            const int8_t* x, int total, int8_t* out) {
  const int chunks = static_cast<int>(g.gemm.c / 16), out_w = static_cast<int>(g.gemm.w),
            out_h = static_cast<int>(g.gemm.h);
  const int64_t image_bytes = s.h * s.w * s.c;
  for (int64_t t = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; t < total;
       t += int64_t{gridDim.x} * blockDim.x) {
    const int i = static_cast<int>(t);
    const int q = i % chunks, pixel = i / chunks;
    const int j = pixel % out_w, row = pixel / out_w % out_h, n = pixel / (out_w * out_h);
    uint32_t words[4];
    space_to_depth_chunk(s, g, x + n * image_bytes, row, j, q, words);
    *reinterpret_cast<int4*>(out + static_cast<int64_t>(pixel) * g.gemm.c + q * 16) =
        make_int4(static_cast<int>(words[0]), static_cast<int>(words[1]),
                  static_cast<int>(words[2]), static_cast<int>(words[3]));
  }
}

}  // namespace

SpaceToDepth space_to_depth_geometry(const Int8ConvShape& s) {
  SpaceToDepth g;
  g.block_h = s.stride_h;
  g.block_w = s.stride_w;
  g.block_channels = s.stride_h * s.stride_w * s.c;
  Int8ConvShape& t = g.gemm;
  t.n = s.n;
  t.h = (s.h + s.stride_h - 1) / s.stride_h;
  t.w = (s.w + s.stride_w - 1) / s.stride_w;
  t.c = (g.block_channels + 15) / 16 * 16;
  t.k = s.k;
  t.out_h = s.out_h;
  t.out_w = s.out_w;
  // Offsets a of the blocks a window touches: [floor(-P / S), floor((K - 1 - P) / S)].
  const int64_t first_h = floor_div(-s.pad_h, s.stride_h),
                last_h = floor_div(s.kernel_h - 1 - s.pad_h, s.stride_h);
  const int64_t first_w = floor_div(-s.pad_w, s.stride_w),
                last_w = floor_div(s.kernel_w - 1 - s.pad_w, s.stride_w);
  t.kernel_h = last_h - first_h + 1;
  t.kernel_w = last_w - first_w + 1;
  t.pad_h = -first_h;
  t.pad_w = -first_w;
  return g;
}

bool space_to_depth_fits(const Int8ConvShape& s, std::string* reason) {
  auto no = [&](const std::string& why) {
    if (reason) *reason = why;
    return false;
  };
  if (s.group != 1) return no("grouped");
  if (s.dilation_h != 1 || s.dilation_w != 1) return no("dilated");
  if (s.stride_h < 1 || s.stride_w < 1 || s.stride_h * s.stride_w < 2)
    return no("stride 1: no pixel blocks to fold into channels");
  if (s.pad_h < 0 || s.pad_w < 0) return no("negative pads");
  const SpaceToDepth g = space_to_depth_geometry(s);
  if (g.block_channels > kMaxBlockChannels)
    return no("stride_h * stride_w * c = " + std::to_string(g.block_channels) +
              " channels per block: not few channels (at most " +
              std::to_string(kMaxBlockChannels) + ")");
  if (g.gemm.depth() > kMaxDepth)
    return no("the rearranged GEMM is " + std::to_string(g.gemm.depth()) + " deep (at most " +
              std::to_string(kMaxDepth) + ")");
  if (s.h * s.w * s.c >= (int64_t{1} << 31) ||
      g.gemm.h * g.gemm.w * g.gemm.c >= (int64_t{1} << 30) ||
      s.out_h * s.out_w >= (int64_t{1} << 30))
    return no("one image is too large for 32-bit indices");
  return true;
}

bool is_space_to_depth_tactic(const std::string& tactic) {
  return tactic == "s2d64" || tactic == "s2d64s" || tactic == "s2d128s" || tactic == "s2d64fs";
}

void launch_space_to_depth(const Int8ConvShape& s, const int8_t* x, const Int8Weights& w,
                           const Int8Epilogue& e, const std::string& tactic, const Resources& res) {
  std::string why;
  if (!is_space_to_depth_tactic(tactic))
    throw Error("int8 convolution: '" + tactic + "' is not a space-to-depth tactic");
  if (!space_to_depth_fits(s, &why))
    throw Error("int8 convolution: tactic '" + tactic + "' does not fit: " + why);
  const SpaceToDepth g = space_to_depth_geometry(s);
  const bool few_stages = tactic == "s2d64fs";
  if (few_stages && !int8_conv_tactic_fits(g.gemm, "igemm64fs", &why))
    throw Error("int8 convolution: tactic '" + tactic + "' does not fit: " + why);
  if (s.pixels() == 0 || s.k == 0) return;
  const Int8ConvShape& t = g.gemm;
  const size_t w_bytes = align_up(static_cast<size_t>(t.k * t.depth()));
  const int64_t image_pixels = t.h * t.w, chunks = t.c / 16;
  const size_t image_bytes = static_cast<size_t>(image_pixels * t.c);
  if (res.workspace_bytes <= w_bytes || (res.workspace_bytes - w_bytes) / image_bytes == 0)
    throw Error("int8 convolution: the workspace is too small for one image's rearranged input (" +
                std::to_string(image_bytes) + " bytes)");
  int64_t per_chunk =
      std::min<int64_t>(s.n, static_cast<int64_t>((res.workspace_bytes - w_bytes) / image_bytes));
  // The GEMM's pixel indices and the packing's thread indices are 32-bit (space_to_depth_fits
  // keeps one image well below both limits).
  per_chunk = std::min<int64_t>(per_chunk, ((int64_t{1} << 30) - 1) / (s.out_h * s.out_w));
  per_chunk = std::min<int64_t>(per_chunk, ((int64_t{1} << 31) - 1) / (image_pixels * chunks));
  auto* w_s2d = static_cast<int8_t*>(res.workspace);
  int8_t* x_s2d = w_s2d + w_bytes;  // 256-byte aligned: every pixel's 16-byte chunks aligned
  space_to_depth_weights_kernel<<<blocks_for(t.k * t.depth()), kThreads, 0, res.stream>>>(s, g, w,
                                                                                          w_s2d);
  QRT_CUDA_CHECK_LAUNCH();
  const int block_n = tactic == "s2d128s" ? 128 : 64;
  const bool staged = tactic != "s2d64";
  const int64_t out_image = s.out_h * s.out_w * s.k;
  for (int64_t first = 0; first < s.n; first += per_chunk) {
    const int64_t images = std::min(per_chunk, s.n - first);
    const int64_t total = images * image_pixels * chunks;
    space_to_depth_input_kernel<<<blocks_for(total), kThreads, 0, res.stream>>>(
        s, g, x + first * s.h * s.w * s.c, static_cast<int>(total), x_s2d);
    QRT_CUDA_CHECK_LAUNCH();
    // The chunk's outputs (and residual) are the convolution's own, from image `first` on.
    Int8ConvShape chunk = t;
    chunk.n = images;
    implicit_gemm_int8(chunk, x_s2d, w_s2d, e.advanced(first * out_image), block_n, staged,
                       res.stream, few_stages);
  }
}

}  // namespace qrt::cuda
