// The "pwmma" and "patchmma" tactics of ConvInt8 (mma_conv_int8.h): narrow convolutions on the
// int8 tensor cores (mma.sync m16n8k16). A warp owns 32 pixels and keeps their <= 64 bytes of
// GEMM depth (the pixel's channels, or its gathered patch) as A fragments in registers; the
// block's output channels (at most kMmaChannels: grid y covers the rest) are walked 32 at a time
// against weights held in shared memory in fragment order (one conflict-free 32-bit load per
// lane and k-step). Finished bytes go to a per-warp shared-memory tile of [32 pixels][channels],
// which is written out as whole 16-byte vectors: with all channels in one block the warp's
// output is one contiguous run of 32 * k bytes. The layer is bound by the epilogue's instruction
// count, so the epilogue is specialised per residual kind and output type and takes
// int8_epilogue.cuh's fast form.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "backends/cuda/cuda_check.h"
#include "backends/cuda/int8_epilogue.cuh"
#include "backends/cuda/mma_conv_int8.h"

namespace qrt::cuda {
namespace {

constexpr int kMmaWarps = 4;
constexpr int kMmaThreads = 32 * kMmaWarps;
constexpr int kWarpPixels = 32;                        // two m16 tiles
constexpr int kBlockPixels = kWarpPixels * kMmaWarps;  // per tile of the block's loop
constexpr int kMmaChannels = 192;                      // output channels per block, at most

enum Residual { kNoResidual, kResidualI8, kResidualF32 };

struct MmaConvParams {
  const int8_t* x;
  Int8Weights w;
  Int8Epilogue e;
  int pixels, c, k;
  int block_channels;  // output channels per block (grid y)
  int tiles;           // ceil(pixels / kBlockPixels)
  QuantBounds bounds;  // int8 output: the activation's bounds in output units
  // "patchmma": the convolution's geometry; depth = kernel_h * kernel_w * c <= 64.
  int h, w_in, out_h, out_w, kernel_w, depth;
  int stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w;
};

// Where GEMM depth index k of a patch lies: tap (kh, kw) and channel c, k = (kh * kernel_w +
// kw) * c_in + c (the OHWI order); for a 1x1 convolution k is the channel.
struct PatchTap {
  int dh, dw, c;  // kh * dilation_h, kw * dilation_w, channel
  int kh, kw;
};
__device__ __forceinline__ PatchTap patch_tap(const MmaConvParams& p, int k) {
  const int c = k % p.c, tap = k / p.c;
  const int kh = tap / p.kernel_w, kw = tap % p.kernel_w;
  return {kh * p.dilation_h, kw * p.dilation_w, c, kh, kw};
}

__device__ __forceinline__ void mma_k16(int32_t (&d)[4], uint32_t a0, uint32_t a1, uint32_t b) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.s32.s8.s8.s32 {%0, %1, %2, %3}, {%4, %5}, {%6}, "
      "{%0, %1, %2, %3};\n"
      : "+r"(d[0]), "+r"(d[1]), "+r"(d[2]), "+r"(d[3])
      : "r"(a0), "r"(a1), "r"(b));
}

// One output element from its int32 sum (|acc| <= 64 * 128 * 128), as int8_epilogue.cuh's
// finish() computes it: the fast form (quantized_bits) unless an f32 residual or output needs
// the general one. Returns the int8 in the low byte (int8 output) or the f32 value's bits.
template <Residual kResidual, bool kInt8Out>
__device__ __forceinline__ uint32_t mma_epilogue(const MmaConvParams& p, int32_t acc, float m,
                                                 float b, int64_t i) {
  float v = __fadd_rn(__fmul_rn(exact_float(acc), m), b);
  if constexpr (kResidual == kResidualI8)
    v = __fadd_rn(v, __fmul_rn(static_cast<float>(p.e.residual_i8[i]), p.e.r_scale));
  if constexpr (kInt8Out && kResidual != kResidualF32) {
    return quantized_bits(v, p.e.inv_y_scale, p.bounds);
  } else {
    if constexpr (kResidual == kResidualF32) v = __fadd_rn(v, p.e.residual_f32[i]);
    if (p.e.clamps) {  // compares, as residual_activation: NaN stays NaN
      if (v < p.e.lo) v = p.e.lo;
      if (v > p.e.hi) v = p.e.hi;
    }
    if constexpr (kInt8Out) return static_cast<uint8_t>(quantize(p.e, v));
    return __float_as_uint(v);
  }
}

// kPatch: A rows gathered byte by byte from a kernel_h x kernel_w patch (with padding) rather
// than loaded as the pixel's channel words; depth <= 16 * kSteps.
template <int kSteps, Residual kResidual, bool kInt8Out, bool kPatch>
__global__ void __launch_bounds__(kMmaThreads) mma_conv_kernel(const MmaConvParams p) {
  extern __shared__ __align__(16) unsigned char shared[];
  const int n0 = static_cast<int>(blockIdx.y) * p.block_channels;
  const int nb = min(p.block_channels, p.k - n0);  // a multiple of 8
  const int n_tiles = nb / 8;
  // [n-tile][k-step][lane] weight words, then multipliers and biases, then the warps' tiles.
  auto* weights = reinterpret_cast<uint32_t*>(shared);
  auto* multiplier = reinterpret_cast<float*>(weights + p.block_channels / 8 * kSteps * 32);
  float* bias = multiplier + p.block_channels;
  unsigned char* tiles = reinterpret_cast<unsigned char*>(bias + p.block_channels);
  const int lane = static_cast<int>(threadIdx.x) % 32, warp = static_cast<int>(threadIdx.x) / 32;
  const int g = lane / 4, t = lane % 4;
  // The patch's taps for this lane's depth indices (4 * step + t words), in shared memory.
  auto* taps = reinterpret_cast<int4*>(tiles + kMmaWarps * kWarpPixels * p.block_channels);
  if constexpr (kPatch)
    for (int k = static_cast<int>(threadIdx.x); k < 16 * kSteps; k += kMmaThreads) {
      const PatchTap tap = patch_tap(p, k);
      // Out of depth: a tap no pixel has (reads as padding).
      taps[k] = k < p.depth ? make_int4(tap.dh, tap.dw, tap.c, 0) : make_int4(-(1 << 20), 0, 0, 0);
    }
  for (int i = static_cast<int>(threadIdx.x); i < n_tiles * kSteps * 32; i += kMmaThreads) {
    const int l = i % 32, step = i / 32 % kSteps, tile = i / 32 / kSteps;
    const int o = n0 + tile * 8 + l / 4, k0 = step * 16 + l % 4 * 4;
    uint32_t word = 0;
#pragma unroll
    for (int b = 0; b < 4; ++b)
      if (k0 + b < p.depth) {
        const PatchTap tap = patch_tap(p, k0 + b);
        const int8_t v =
            p.w.data[o * p.w.out + tap.c * p.w.in + tap.kh * p.w.tap_h + tap.kw * p.w.tap_w];
        word |= static_cast<uint32_t>(static_cast<uint8_t>(v)) << (8 * b);
      }
    weights[i] = word;
  }
  for (int j = static_cast<int>(threadIdx.x); j < nb; j += kMmaThreads) {
    multiplier[j] = __fmul_rn(p.e.in_scale, p.e.scales[n0 + j]);
    bias[j] = p.e.bias ? p.e.bias[n0 + j] : 0.f;
  }
  __syncthreads();
  unsigned char* tile_out = tiles + warp * kWarpPixels * p.block_channels;
  const int words = p.c / 4;
  for (int tile = static_cast<int>(blockIdx.x); tile < p.tiles;
       tile += static_cast<int>(gridDim.x)) {
    const int p0 = tile * kBlockPixels + warp * kWarpPixels;
    if (p0 >= p.pixels) continue;
    // A fragments: rows g and g + 8 of each m16 tile, depth bytes 16 * step + 4 * t .. + 3.
    uint32_t a[2][kSteps][2];
#pragma unroll
    for (int m = 0; m < 2; ++m)
#pragma unroll
      for (int h = 0; h < 2; ++h) {
        const int row = p0 + 16 * m + g + 8 * h;
        if constexpr (kPatch) {
          // The output pixel's patch origin; rows past the end gather nothing.
          const int ow = row % p.out_w, rest = row / p.out_w;
          const int oh = rest % p.out_h, n = rest / p.out_h;
          const int ih0 = row < p.pixels ? oh * p.stride_h - p.pad_h : -(1 << 20);
          const int iw0 = ow * p.stride_w - p.pad_w;
          const int8_t* image = p.x + static_cast<int64_t>(n) * p.h * p.w_in * p.c;
#pragma unroll
          for (int step = 0; step < kSteps; ++step) {
            uint32_t word = 0;
#pragma unroll
            for (int b = 0; b < 4; ++b) {
              const int4 tap = taps[16 * step + 4 * t + b];
              const int ih = ih0 + tap.x, iw = iw0 + tap.y;
              if (static_cast<unsigned>(ih) < static_cast<unsigned>(p.h) &&
                  static_cast<unsigned>(iw) < static_cast<unsigned>(p.w_in))
                word |= static_cast<uint32_t>(
                            static_cast<uint8_t>(__ldg(image + (ih * p.w_in + iw) * p.c + tap.z)))
                        << (8 * b);
            }
            a[m][step][h] = word;
          }
        } else {
#pragma unroll
          for (int step = 0; step < kSteps; ++step) {
            const int word = 4 * step + t;
            a[m][step][h] = row < p.pixels && word < words
                                ? __ldg(reinterpret_cast<const uint32_t*>(
                                            p.x + static_cast<int64_t>(row) * p.c) +
                                        word)
                                : 0u;
          }
        }
      }
    for (int group = 0; group < n_tiles; group += 4) {
      int32_t acc[2][4][4] = {};
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        if (group + j >= n_tiles) break;
#pragma unroll
        for (int step = 0; step < kSteps; ++step) {
          const uint32_t b = weights[((group + j) * kSteps + step) * 32 + lane];
#pragma unroll
          for (int m = 0; m < 2; ++m) mma_k16(acc[m][j], a[m][step][0], a[m][step][1], b);
        }
      }
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        if (group + j >= n_tiles) break;
        const int col = (group + j) * 8 + 2 * t;  // within the block's channels
        const float2 mm = *reinterpret_cast<const float2*>(multiplier + col);
        const float2 bb = *reinterpret_cast<const float2*>(bias + col);
#pragma unroll
        for (int m = 0; m < 2; ++m)
#pragma unroll
          for (int h = 0; h < 2; ++h) {
            const int r = 16 * m + g + 8 * h;
            // Element index for the residual and the f32 output; rows past the end read
            // element 0's residual and are never stored.
            int64_t i = 0;
            if constexpr (kResidual != kNoResidual || !kInt8Out)
              i = p0 + r < p.pixels ? static_cast<int64_t>(p0 + r) * p.k + n0 + col : 0;
            const uint32_t v0 =
                mma_epilogue<kResidual, kInt8Out>(p, acc[m][j][2 * h], mm.x, bb.x, i);
            const uint32_t v1 =
                mma_epilogue<kResidual, kInt8Out>(p, acc[m][j][2 * h + 1], mm.y, bb.y, i + 1);
            if constexpr (kInt8Out) {
              *reinterpret_cast<uint16_t*>(tile_out + r * nb + col) =
                  static_cast<uint16_t>(__byte_perm(v0, v1, 0x0040));
            } else if (p0 + r < p.pixels) {
              *reinterpret_cast<float2*>(p.e.y_f32 + i) =
                  make_float2(__uint_as_float(v0), __uint_as_float(v1));
            }
          }
      }
    }
    if constexpr (kInt8Out) {
      __syncwarp();
      const int rows = min(kWarpPixels, p.pixels - p0);
      if (nb == p.k) {
        // The warp's rows are one contiguous run of rows * k bytes (a multiple of 8).
        const int bytes = rows * nb;
        int8_t* y = p.e.y_i8 + static_cast<int64_t>(p0) * p.k;
        for (int v = lane; v < bytes / 16; v += 32)
          reinterpret_cast<int4*>(y)[v] = reinterpret_cast<const int4*>(tile_out)[v];
        if (bytes % 16 != 0 && lane == 0)
          reinterpret_cast<int2*>(y)[bytes / 8 - 1] =
              reinterpret_cast<const int2*>(tile_out)[bytes / 8 - 1];
      } else {
        // Rows of nb bytes (a multiple of 16 here) at stride k.
        const int vectors = nb / 16;
        for (int v = lane; v < rows * vectors; v += 32) {
          const int r = v / vectors, col = v % vectors * 16;
          *reinterpret_cast<int4*>(p.e.y_i8 + static_cast<int64_t>(p0 + r) * p.k + n0 + col) =
              *reinterpret_cast<const int4*>(tile_out + r * nb + col);
        }
      }
      __syncwarp();
    }
  }
}

size_t mma_conv_shared_bytes(int block_channels, int steps) {
  return static_cast<size_t>(block_channels) / 8 * steps * 32 * 4 +
         static_cast<size_t>(block_channels) * 8 +
         static_cast<size_t>(kMmaWarps) * kWarpPixels * block_channels +
         static_cast<size_t>(16) * steps * sizeof(int4);  // patch taps
}

int mma_conv_block_channels(int64_t k) {
  return k <= kMmaChannels ? static_cast<int>(k) : kMmaChannels;
}

template <int kSteps, Residual kResidual, bool kInt8Out, bool kPatch>
void launch_mma_conv_kernel(const MmaConvParams& p, size_t shared_bytes, int channel_blocks,
                            const Resources& res) {
  const auto kernel = mma_conv_kernel<kSteps, kResidual, kInt8Out, kPatch>;
  // One wave of resident blocks, each walking pixel tiles with grid stride: the weights are
  // staged once per block and no partial last wave idles the device.
  int per_sm = 0;
  QRT_CUDA_CHECK(
      cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kernel, kMmaThreads, shared_bytes));
  const int sms = res.sm_count > 0 ? res.sm_count : 1;
  const int resident = std::max(1, sms * per_sm / channel_blocks);
  const dim3 grid(static_cast<unsigned>(std::min(p.tiles, resident)),
                  static_cast<unsigned>(channel_blocks));
  kernel<<<grid, kMmaThreads, shared_bytes, res.stream>>>(p);
  QRT_CUDA_CHECK_LAUNCH();
}

template <int kSteps>
void dispatch_mma_conv(const MmaConvParams& p, size_t bytes, int blocks, const Resources& res) {
  const bool i8 = p.e.y_i8 != nullptr;
  if (p.e.residual_i8)
    i8 ? launch_mma_conv_kernel<kSteps, kResidualI8, true, false>(p, bytes, blocks, res)
       : launch_mma_conv_kernel<kSteps, kResidualI8, false, false>(p, bytes, blocks, res);
  else if (p.e.residual_f32)
    i8 ? launch_mma_conv_kernel<kSteps, kResidualF32, true, false>(p, bytes, blocks, res)
       : launch_mma_conv_kernel<kSteps, kResidualF32, false, false>(p, bytes, blocks, res);
  else
    i8 ? launch_mma_conv_kernel<kSteps, kNoResidual, true, false>(p, bytes, blocks, res)
       : launch_mma_conv_kernel<kSteps, kNoResidual, false, false>(p, bytes, blocks, res);
}

}  // namespace

namespace {

// What pwmma and patchmma both need: output channels in n-tiles, 32-bit indices.
bool mma_conv_fits(const Int8ConvShape& s, std::string* reason) {
  auto no = [&](const char* why) {
    if (reason) *reason = why;
    return false;
  };
  if (s.group != 1) return no("grouped");
  if (s.k % 8 != 0) return no("output channels are not a multiple of 8");
  if (s.k > kMmaChannels && s.k % 16 != 0)
    return no("more than 192 output channels and not a multiple of 16");
  if (s.pixels() * s.k >= (int64_t{1} << 31) || s.n * s.h * s.w * s.c >= (int64_t{1} << 31) ||
      (s.k + kMmaChannels - 1) / kMmaChannels > 65535)
    return no("too large for 32-bit indices");
  return true;
}

template <bool kPatch>
bool launch_mma_conv(const Int8ConvShape& s, const int8_t* x, const Int8Weights& w,
                     const Int8Epilogue& e, const Resources& res) {
  if (!kPatch && reinterpret_cast<uintptr_t>(x) % 4 != 0) return false;
  if (e.y_i8 ? reinterpret_cast<uintptr_t>(e.y_i8) % 16 != 0
             : reinterpret_cast<uintptr_t>(e.y_f32) % 8 != 0)
    return false;
  // The gathering kernel is built for int8 outputs without an f32 residual only.
  if (kPatch && (!e.y_i8 || e.residual_f32)) return false;
  if (s.pixels() == 0 || s.k == 0) return true;
  const int block_channels = mma_conv_block_channels(s.k);
  const int steps = static_cast<int>((s.depth() + 15) / 16);
  const int tiles = static_cast<int>((s.pixels() + kBlockPixels - 1) / kBlockPixels);
  auto i32 = [](int64_t v) { return static_cast<int>(v); };
  const MmaConvParams p{x,
                        w,
                        e,
                        i32(s.pixels()),
                        i32(s.c),
                        i32(s.k),
                        block_channels,
                        tiles,
                        e.y_i8 ? quant_bounds(e) : QuantBounds{},
                        i32(s.h),
                        i32(s.w),
                        i32(s.out_h),
                        i32(s.out_w),
                        i32(s.kernel_w),
                        i32(s.depth()),
                        i32(s.stride_h),
                        i32(s.stride_w),
                        i32(s.pad_h),
                        i32(s.pad_w),
                        i32(s.dilation_h),
                        i32(s.dilation_w)};
  const size_t bytes = mma_conv_shared_bytes(block_channels, steps);
  const int blocks = static_cast<int>((s.k + block_channels - 1) / block_channels);
  if constexpr (kPatch) {
    auto run = [&](auto kernel_steps) {
      constexpr int kSteps = decltype(kernel_steps)::value;
      e.residual_i8
          ? launch_mma_conv_kernel<kSteps, kResidualI8, true, true>(p, bytes, blocks, res)
          : launch_mma_conv_kernel<kSteps, kNoResidual, true, true>(p, bytes, blocks, res);
    };
    switch (steps) {
      case 1:
        run(std::integral_constant<int, 1>{});
        break;
      case 2:
        run(std::integral_constant<int, 2>{});
        break;
      case 3:
        run(std::integral_constant<int, 3>{});
        break;
      default:
        run(std::integral_constant<int, 4>{});
        break;
    }
  } else {
    switch (steps) {
      case 1:
        dispatch_mma_conv<1>(p, bytes, blocks, res);
        break;
      case 2:
        dispatch_mma_conv<2>(p, bytes, blocks, res);
        break;
      case 3:
        dispatch_mma_conv<3>(p, bytes, blocks, res);
        break;
      default:
        dispatch_mma_conv<4>(p, bytes, blocks, res);
        break;
    }
  }
  return true;
}

}  // namespace

bool pointwise_mma_fits(const Int8ConvShape& s, std::string* reason) {
  auto no = [&](const char* why) {
    if (reason) *reason = why;
    return false;
  };
  if (!s.pointwise()) return no("not a 1x1 stride-1 unpadded convolution");
  if (s.c % 4 != 0) return no("input channels are not a multiple of 4");
  if (s.c > 64) return no("more than 64 input channels: the implicit GEMM's depth");
  return mma_conv_fits(s, reason);
}

bool patch_mma_fits(const Int8ConvShape& s, std::string* reason) {
  auto no = [&](const char* why) {
    if (reason) *reason = why;
    return false;
  };
  if (s.depth() > 64) return no("kernel_h * kernel_w * channels is more than 64");
  if (s.pointwise() && s.c % 4 == 0) return no("a 1x1 convolution over whole words: pwmma");
  return mma_conv_fits(s, reason);
}

bool launch_pointwise_mma(const Int8ConvShape& s, const int8_t* x, const Int8Weights& w,
                          const Int8Epilogue& e, const Resources& res) {
  std::string why;
  if (!pointwise_mma_fits(s, &why)) throw Error("int8 convolution: tactic 'pwmma': " + why);
  return launch_mma_conv<false>(s, x, w, e, res);
}

bool launch_patch_mma(const Int8ConvShape& s, const int8_t* x, const Int8Weights& w,
                      const Int8Epilogue& e, const Resources& res) {
  std::string why;
  if (!patch_mma_fits(s, &why)) throw Error("int8 convolution: tactic 'patchmma': " + why);
  return launch_mma_conv<true>(s, x, w, e, res);
}

}  // namespace qrt::cuda
