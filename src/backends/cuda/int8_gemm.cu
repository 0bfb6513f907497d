// Kernels of the CUDA int8 compute ops (see int8_gemm.h). The GEMM view of a convolution:
// M = output pixels (n, oh, ow), N = output channels of a group, K = (kh, kw, c) of a group;
// A = the image gathered under each window (NHWC makes every 16 channels one 16-byte load),
// B = the weights in OHWI order (row o is the K-vector of output channel o).
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "backends/cuda/cuda_check.h"
#include "backends/cuda/cuda_device.h"
#include "backends/cuda/cudnn_int8_conv.h"
#include "backends/cuda/depthwise_int8.h"
#include "backends/cuda/int8_epilogue.cuh"
#include "backends/cuda/int8_gemm.h"
#include "backends/cuda/mma_conv_int8.h"
#include "backends/cuda/pointwise_int8.h"
#include "backends/cuda/small_conv_int8.h"
#include "backends/cuda/space_to_depth_int8.h"

namespace qrt::cuda {
namespace {

// ---------------------------------------------------------------------------------------------
// Direct convolution: one thread per output element (pixel, channel), channel fastest so that
// neighbouring threads read neighbouring channels (depthwise convolutions read coalesced).
struct DirectParams {
  Int8ConvShape s;
  const int8_t* x;
  Int8Weights w;
  Int8Epilogue e;
};

__global__ void conv_direct_kernel(const DirectParams p) {
  const Int8ConvShape& s = p.s;
  const int64_t total = s.pixels() * s.k;
  const int64_t cg = s.group_in(), kg = s.group_out();
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < total;
       i += int64_t{gridDim.x} * blockDim.x) {
    const int64_t oc = i % s.k, pixel = i / s.k;
    const int64_t ow = pixel % s.out_w, oh = pixel / s.out_w % s.out_h,
                  n = pixel / (s.out_w * s.out_h);
    const int64_t g = oc / kg;
    const int8_t* xg = p.x + n * s.h * s.w * s.c + g * cg;
    const int8_t* wo = p.w.data + oc * p.w.out;
    int32_t acc = 0;
    for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
      const int64_t ih = oh * s.stride_h - s.pad_h + kh * s.dilation_h;
      if (ih < 0 || ih >= s.h) continue;
      for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
        const int64_t iw = ow * s.stride_w - s.pad_w + kw * s.dilation_w;
        if (iw < 0 || iw >= s.w) continue;
        const int8_t* xp = xg + (ih * s.w + iw) * s.c;
        const int8_t* wp = wo + kh * p.w.tap_h + kw * p.w.tap_w;
        for (int64_t ci = 0; ci < cg; ++ci) acc += int32_t{xp[ci]} * int32_t{wp[ci * p.w.in]};
      }
    }
    finish(p.e, i, oc, acc);
  }
}

// Transposed convolution gathered per output element: output (oy, ox) receives input (iy, ix)
// through tap (ky, kx) when oy = iy * stride - pad + ky * dilation.
__global__ void conv_transpose_direct_kernel(const DirectParams p) {
  const Int8ConvShape& s = p.s;
  const int64_t total = s.pixels() * s.k;
  const int64_t cg = s.group_in(), kg = s.group_out();
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < total;
       i += int64_t{gridDim.x} * blockDim.x) {
    const int64_t oc = i % s.k, pixel = i / s.k;
    const int64_t ox = pixel % s.out_w, oy = pixel / s.out_w % s.out_h,
                  n = pixel / (s.out_w * s.out_h);
    const int64_t g = oc / kg, ocg = oc % kg;
    const int8_t* xg = p.x + n * s.h * s.w * s.c + g * cg;
    int32_t acc = 0;
    for (int64_t ky = 0; ky < s.kernel_h; ++ky) {
      const int64_t ty = oy + s.pad_h - ky * s.dilation_h;
      if (ty < 0 || ty % s.stride_h != 0 || ty / s.stride_h >= s.h) continue;
      for (int64_t kx = 0; kx < s.kernel_w; ++kx) {
        const int64_t tx = ox + s.pad_w - kx * s.dilation_w;
        if (tx < 0 || tx % s.stride_w != 0 || tx / s.stride_w >= s.w) continue;
        const int8_t* xp = xg + (ty / s.stride_h * s.w + tx / s.stride_w) * s.c;
        // W [c, k/g, kh, kw]: input channel g * cg + ci, output channel ocg of the group.
        const int8_t* wp =
            p.w.data + (g * cg * kg + ocg) * s.kernel_h * s.kernel_w + ky * s.kernel_w + kx;
        const int64_t w_step = kg * s.kernel_h * s.kernel_w;
        for (int64_t ci = 0; ci < cg; ++ci) acc += int32_t{xp[ci]} * int32_t{wp[ci * w_step]};
      }
    }
    finish(p.e, i, oc, acc);
  }
}

// Depthwise convolution (one input and one output channel per group), 4 channels per thread with
// 4-byte loads and 32-bit index arithmetic (the caller checks that the sizes fit).
__global__ void depthwise_kernel(const DirectParams p) {
  const Int8ConvShape& s = p.s;
  const int quads = static_cast<int>(s.c / 4), out_w = static_cast<int>(s.out_w),
            out_h = static_cast<int>(s.out_h), in_h = static_cast<int>(s.h),
            in_w = static_cast<int>(s.w), kernel_h = static_cast<int>(s.kernel_h),
            kernel_w = static_cast<int>(s.kernel_w);
  const int total = static_cast<int>(s.pixels()) * quads;
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += gridDim.x * blockDim.x) {
    const int q = i % quads, pixel = i / quads;
    const int ow = pixel % out_w, oh = pixel / out_w % out_h, n = pixel / (out_w * out_h);
    const int c0 = q * 4;
    const int8_t* image = p.x + static_cast<int64_t>(n) * in_h * in_w * s.c + c0;
    int4 acc = make_int4(0, 0, 0, 0);
    for (int kh = 0; kh < kernel_h; ++kh) {
      const int ih = oh * static_cast<int>(s.stride_h) - static_cast<int>(s.pad_h) +
                     kh * static_cast<int>(s.dilation_h);
      if (ih < 0 || ih >= in_h) continue;
      for (int kw = 0; kw < kernel_w; ++kw) {
        const int iw = ow * static_cast<int>(s.stride_w) - static_cast<int>(s.pad_w) +
                       kw * static_cast<int>(s.dilation_w);
        if (iw < 0 || iw >= in_w) continue;
        const char4 xv =
            *reinterpret_cast<const char4*>(image + (static_cast<int64_t>(ih) * in_w + iw) * s.c);
        const int8_t* w = p.w.data + c0 * p.w.out + kh * p.w.tap_h + kw * p.w.tap_w;
        acc.x += int32_t{xv.x} * int32_t{w[0]};
        acc.y += int32_t{xv.y} * int32_t{w[p.w.out]};
        acc.z += int32_t{xv.z} * int32_t{w[2 * p.w.out]};
        acc.w += int32_t{xv.w} * int32_t{w[3 * p.w.out]};
      }
    }
    const int64_t idx = static_cast<int64_t>(pixel) * s.c + c0;
    if (vector_aligned(p.e, idx, 4)) {
      finish_quad(p.e, idx, c0, acc);
    } else {
      finish(p.e, idx, c0, acc.x);
      finish(p.e, idx + 1, c0 + 1, acc.y);
      finish(p.e, idx + 2, c0 + 2, acc.z);
      finish(p.e, idx + 3, c0 + 3, acc.w);
    }
  }
}

// Weights in any order -> OHWI [k, kh, kw, c/g] (the GEMM's B), into scratch memory.
__global__ void pack_ohwi_kernel(const Int8ConvShape s, const Int8Weights w, int8_t* out) {
  const int64_t cg = s.group_in(), total = s.k * s.depth();
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < total;
       i += int64_t{gridDim.x} * blockDim.x) {
    const int64_t ci = i % cg, tap = i / cg % (s.kernel_h * s.kernel_w), o = i / s.depth();
    const int64_t kh = tap / s.kernel_w, kw = tap % s.kernel_w;
    out[i] = w.data[o * w.out + ci * w.in + kh * w.tap_h + kw * w.tap_w];
  }
}

// The same with the input channels of each group zero-padded to `padded` (the GEMM over channels
// that are not a multiple of 16): [k, kh, kw, padded].
__global__ void pack_ohwi_padded_kernel(const Int8ConvShape s, const Int8Weights w, int64_t padded,
                                        int8_t* out) {
  const int64_t taps = s.kernel_h * s.kernel_w, total = s.k * taps * padded;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < total;
       i += int64_t{gridDim.x} * blockDim.x) {
    const int64_t ci = i % padded, tap = i / padded % taps, o = i / (taps * padded);
    const int64_t kh = tap / s.kernel_w, kw = tap % s.kernel_w;
    out[i] =
        ci < s.group_in() ? w.data[o * w.out + ci * w.in + kh * w.tap_h + kw * w.tap_w] : int8_t{0};
  }
}

// X [pixels, c] -> [pixels, padded] with zero channels after the first c.
__global__ void pad_channels_kernel(const int8_t* x, int64_t pixels, int64_t c, int64_t padded,
                                    int8_t* out) {
  const int64_t total = pixels * padded;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < total;
       i += int64_t{gridDim.x} * blockDim.x) {
    const int64_t ci = i % padded;
    out[i] = ci < c ? x[i / padded * c + ci] : int8_t{0};
  }
}

// The explicit im2col's patch matrix (tactic "im2col"): row = an output pixel (n, oh, ow) of the
// chunk, column k = (kh, kw, c) in OHWI order, zero for taps outside the image and for k >= depth
// up to `kpad` (a multiple of 16, so that the 1x1 GEMM reads it with aligned 16-byte loads). One
// thread per 16 bytes of a row, stored as one int4: a warp's stores are contiguous. Its bytes walk
// (ci, kw, kh) incrementally (no division per byte); consecutive bytes of one kernel row are
// consecutive input bytes in NHWC (7 taps x 3 channels = 21 bytes for an RGB 7x7 stem), so the
// byte loads of neighbouring threads hit the same L1 lines.
__global__ void im2col_kernel(const Int8ConvShape s, const int8_t* x, int64_t rows, int kpad,
                              int8_t* out) {
  const int chunks = kpad / 16;
  const int c = static_cast<int>(s.c), in_h = static_cast<int>(s.h), in_w = static_cast<int>(s.w),
            kernel_h = static_cast<int>(s.kernel_h), kernel_w = static_cast<int>(s.kernel_w),
            out_h = static_cast<int>(s.out_h), out_w = static_cast<int>(s.out_w),
            stride_h = static_cast<int>(s.stride_h), stride_w = static_cast<int>(s.stride_w),
            dilation_h = static_cast<int>(s.dilation_h),
            dilation_w = static_cast<int>(s.dilation_w);
  const int64_t total = rows * chunks;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < total;
       i += int64_t{gridDim.x} * blockDim.x) {
    const int j = static_cast<int>(i % chunks);
    const int64_t row = i / chunks;
    const int ow = static_cast<int>(row % out_w);
    const int64_t rest = row / out_w;
    const int oh = static_cast<int>(rest % out_h);
    const int64_t n = rest / out_h;
    const int8_t* image = x + n * in_h * in_w * c;
    const int ih0 = oh * stride_h - static_cast<int>(s.pad_h),
              iw0 = ow * stride_w - static_cast<int>(s.pad_w);
    const int k0 = j * 16;
    int ci = k0 % c;
    const int tap = k0 / c;
    int kh = tap / kernel_w, kw = tap - kh * kernel_w;
    uint32_t words[4] = {0, 0, 0, 0};
#pragma unroll
    for (int b = 0; b < 16; ++b) {
      // k = (kh * kernel_w + kw) * c + ci < depth exactly when kh < kernel_h.
      if (kh < kernel_h) {
        const int ih = ih0 + kh * dilation_h, iw = iw0 + kw * dilation_w;
        if (ih >= 0 && ih < in_h && iw >= 0 && iw < in_w) {
          const int8_t v = __ldg(image + (static_cast<int64_t>(ih) * in_w + iw) * c + ci);
          words[b / 4] |= static_cast<uint32_t>(static_cast<uint8_t>(v)) << (8 * (b % 4));
        }
      }
      if (++ci == c) {
        ci = 0;
        if (++kw == kernel_w) {
          kw = 0;
          ++kh;
        }
      }
    }
    *reinterpret_cast<int4*>(out + row * kpad + k0) =
        make_int4(static_cast<int>(words[0]), static_cast<int>(words[1]),
                  static_cast<int>(words[2]), static_cast<int>(words[3]));
  }
}

// Weights in any order -> the patch matrix's B [k, kpad]: row o in OHWI order (kh, kw, c), zeros
// after depth (group 1).
__global__ void pack_patch_weights_kernel(const Int8ConvShape s, const Int8Weights w, int64_t kpad,
                                          int8_t* out) {
  const int64_t depth = s.depth(), total = s.k * kpad;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < total;
       i += int64_t{gridDim.x} * blockDim.x) {
    const int64_t j = i % kpad, o = i / kpad;
    if (j >= depth) {
      out[i] = 0;
      continue;
    }
    const int64_t ci = j % s.c, tap = j / s.c;
    const int64_t kh = tap / s.kernel_w, kw = tap % s.kernel_w;
    out[i] = w.data[o * w.out + ci * w.in + kh * w.tap_h + kw * w.tap_w];
  }
}

// Transposed convolution with stride = kernel, no pads: W [c, k, kh, kw] -> per output phase
// (ky, kx) the 1x1 GEMM's weights [kh, kw, k, c].
__global__ void pack_phases_kernel(const Int8ConvShape s, const int8_t* w, int8_t* out) {
  const int64_t taps = s.kernel_h * s.kernel_w, total = taps * s.k * s.c;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < total;
       i += int64_t{gridDim.x} * blockDim.x) {
    const int64_t ci = i % s.c, o = i / s.c % s.k, tap = i / (s.c * s.k);
    out[i] = w[(ci * s.k + o) * taps + tap];
  }
}

// The operands of the cuDNN graph (cudnn_int8_conv.h): m[c] = in_scale * scales[c] rounded once
// in f32 as in the fused epilogue, the bias or zeros, 1 / y_scale and r_scale.
__global__ void cudnn_constants_kernel(const Int8Epilogue e, int64_t k,
                                       const CudnnInt8ConstantsLayout layout, uint8_t* out) {
  auto* m = reinterpret_cast<float*>(out + layout.m);
  auto* bias = reinterpret_cast<float*>(out + layout.bias);
  for (int64_t c = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; c < k;
       c += int64_t{gridDim.x} * blockDim.x) {
    m[c] = __fmul_rn(e.in_scale, e.scales[c]);
    bias[c] = e.bias ? e.bias[c] : 0.f;
  }
  if (blockIdx.x == 0 && threadIdx.x == 0) {
    *reinterpret_cast<float*>(out + layout.inv_y) = e.inv_y_scale;
    *reinterpret_cast<float*>(out + layout.r_scale) = e.r_scale;
  }
}

// The int32 GEMM result [rows x k] of a chunk of pixels (cuBLASLt) -> the epilogue.
__global__ void epilogue_kernel(const int32_t* acc, int64_t rows, int64_t k, int64_t first,
                                const Int8Epilogue e) {
  const int64_t total = rows * k;
  for (int64_t i = blockIdx.x * int64_t{blockDim.x} + threadIdx.x; i < total;
       i += int64_t{gridDim.x} * blockDim.x)
    finish(e, first * k + i, i % k, acc[i]);
}

// ---------------------------------------------------------------------------------------------
// Implicit GEMM on the tensor cores. Block tile kBM pixels x BN channels x kBK depth, 8 warps,
// kStages-deep cp.async pipeline in shared memory; each smem tile row holds 64 bytes of K (four
// 16-byte chunks) with the chunk index XOR-swizzled by (row / 2) % 4, so that the 8 rows an
// ldmatrix phase reads hit 8 different bank groups. The "few k-tiles" variants (tactics
// igemm64f / igemm64fs) keep 2 stages and 3 blocks per SM: with a shallow depth a block is mostly
// prologue and epilogue, which only more resident blocks overlap.
constexpr int kBM = 128, kBK = 64, kStages = 4, kThreads = 256;
constexpr int kFewStages = 2, kFewMinBlocks = 3, kFewMaxDepth = 256;

// A transposed convolution with stride = kernel and no pads run as one 1x1 GEMM per output phase
// (tap ky, kx), all phases in one launch: blockIdx.z is the tap, whose weights lie tap_bytes
// apart, and GEMM row (n, iy, ix) is output pixel (n, iy * stride_h + ky, ix * stride_w + kx) of
// an out_h x out_w image. kernel_w = 0: an ordinary convolution (blockIdx.z is the group).
struct PhaseMap {
  int kernel_w = 0, stride_h = 1, stride_w = 1, out_h = 0, out_w = 0, taps = 1;
  int64_t tap_bytes = 0;
};

struct IgemmParams {
  Int8ConvShape s;
  const int8_t* x;
  const int8_t* w;  // OHWI
  Int8Epilogue e;
  int pixels, depth, cg, kg;
  PhaseMap phase;
};

// The output pixel GEMM row `pixel` is written to (itself, unless the GEMM is a phase).
__device__ __forceinline__ int64_t output_pixel(const IgemmParams& p, int pixel) {
  if (p.phase.kernel_w == 0) return pixel;
  const int tap = static_cast<int>(blockIdx.z);
  const int ky = tap / p.phase.kernel_w, kx = tap - ky * p.phase.kernel_w;
  const int w = static_cast<int>(p.s.w), h = static_cast<int>(p.s.h);
  const int ix = pixel % w, iy = pixel / w % h, n = pixel / (w * h);
  return (static_cast<int64_t>(n) * p.phase.out_h + iy * p.phase.stride_h + ky) * p.phase.out_w +
         ix * p.phase.stride_w + kx;
}

__device__ __forceinline__ uint32_t smem_addr(const void* p) {
  return static_cast<uint32_t>(__cvta_generic_to_shared(p));
}

__device__ __forceinline__ int swizzle(int row, int chunk) {
  return row * kBK + ((chunk ^ ((row >> 1) & 3)) << 4);
}

// 16 bytes global -> shared, or 16 zero bytes when !valid (src-size 0 reads nothing).
__device__ __forceinline__ void cp_async16(uint32_t dst, const void* src, bool valid) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(src),
               "r"(valid ? 16 : 0));
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int N>
__device__ __forceinline__ void cp_async_wait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(N));
}

__device__ __forceinline__ void ldmatrix_x4(uint32_t (&r)[4], uint32_t addr) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr));
}

__device__ __forceinline__ void mma_s8(int32_t (&c)[4], const uint32_t (&a)[4], uint32_t b0,
                                       uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, "
      "{%8, %9}, {%0, %1, %2, %3};\n"
      : "+r"(c[0]), "+r"(c[1]), "+r"(c[2]), "+r"(c[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

template <int BN, int kPipe>
struct IgemmTile {
  static constexpr int kWarpsN = BN / 32;           // each warp: 32 channels
  static constexpr int kWarpsM = 8 / kWarpsN;       // and kBM / kWarpsM pixels
  static constexpr int kMi = kBM / (kWarpsM * 16);  // m16 tiles per warp
  static constexpr int kNj = 4;                     // n8 tiles per warp
  static constexpr int kARows = kThreads / 4;       // A rows one pass of the block loads
  static constexpr int kAPasses = kBM / kARows;     // 2
  static constexpr int kBPasses = BN / kARows;      // 1 or 2
  static constexpr int kStageBytes = (kBM + BN) * kBK;
  static constexpr int kSmemBytes = kPipe * kStageBytes;
  // The staged epilogue's int32 tile, rows padded by 4 words against bank conflicts.
  static constexpr int kTileStride = BN + 4;
  static constexpr int kStagedBytes = kBM * kTileStride * 4;
  static constexpr int kSmemBytesStaged = kSmemBytes > kStagedBytes ? kSmemBytes : kStagedBytes;
};

// kStaged: the epilogue goes through shared memory, each thread finishing 4 consecutive channels
// of a pixel (vector loads and stores along the NHWC row); otherwise straight from the
// accumulator fragments (2 channels per store).
template <int BN, bool kStaged, int kPipe, int kMinBlocks>
__global__ void __launch_bounds__(kThreads, kMinBlocks) igemm_kernel(const IgemmParams p) {
  using T = IgemmTile<BN, kPipe>;
  extern __shared__ __align__(128) uint8_t smem[];
  const Int8ConvShape& s = p.s;
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const bool phased = p.phase.kernel_w != 0;
  const int m0 = blockIdx.x * kBM, n0 = blockIdx.y * BN, g = phased ? 0 : blockIdx.z;
  const int8_t* w_base = phased ? p.w + blockIdx.z * p.phase.tap_bytes : p.w;
  const int chunk = tid & 3, load_row = tid >> 2;

  // Per A row this thread loads: the image, and the window's top-left corner.
  const int8_t* a_image[T::kAPasses];
  int a_ih[T::kAPasses], a_iw[T::kAPasses];
  bool a_valid[T::kAPasses];
  for (int r = 0; r < T::kAPasses; ++r) {
    const int pixel = m0 + load_row + r * T::kARows;
    a_valid[r] = pixel < p.pixels;
    const int q = a_valid[r] ? pixel : 0;
    const int ow = q % static_cast<int>(s.out_w), oh = q / static_cast<int>(s.out_w) % s.out_h,
              n = q / static_cast<int>(s.out_w * s.out_h);
    a_image[r] = p.x + static_cast<int64_t>(n) * s.h * s.w * s.c + static_cast<int64_t>(g) * p.cg;
    a_ih[r] = oh * static_cast<int>(s.stride_h) - static_cast<int>(s.pad_h);
    a_iw[r] = ow * static_cast<int>(s.stride_w) - static_cast<int>(s.pad_w);
  }
  const int8_t* b_rows[T::kBPasses];
  bool b_valid[T::kBPasses];
  for (int r = 0; r < T::kBPasses; ++r) {
    const int o = n0 + load_row + r * T::kARows;
    b_valid[r] = o < p.kg;
    b_rows[r] = w_base + static_cast<int64_t>(g * p.kg + (b_valid[r] ? o : 0)) * p.depth;
  }

  const int k_tiles = (p.depth + kBK - 1) / kBK;
  auto load_tile = [&](int kt, int stage) {
    uint8_t* a_s = smem + stage * T::kStageBytes;
    uint8_t* b_s = a_s + kBM * kBK;
    const int k = kt * kBK + chunk * 16;
    const bool k_valid = k < p.depth;
    // 16 consecutive k lie in one tap because c/g is a multiple of 16.
    const int tap = k / p.cg, ci = k - tap * p.cg;
    const int kh = tap / static_cast<int>(s.kernel_w), kw = tap - kh * static_cast<int>(s.kernel_w);
    for (int r = 0; r < T::kAPasses; ++r) {
      const int ih = a_ih[r] + kh * static_cast<int>(s.dilation_h);
      const int iw = a_iw[r] + kw * static_cast<int>(s.dilation_w);
      const bool valid = k_valid && a_valid[r] && ih >= 0 && ih < s.h && iw >= 0 && iw < s.w;
      const int8_t* src =
          valid ? a_image[r] + (static_cast<int64_t>(ih) * s.w + iw) * s.c + ci : p.x;
      cp_async16(smem_addr(a_s + swizzle(load_row + r * T::kARows, chunk)), src, valid);
    }
    for (int r = 0; r < T::kBPasses; ++r) {
      const bool valid = k_valid && b_valid[r];
      cp_async16(smem_addr(b_s + swizzle(load_row + r * T::kARows, chunk)),
                 valid ? b_rows[r] + k : w_base, valid);
    }
  };

  int32_t acc[T::kMi][T::kNj][4];
  for (int i = 0; i < T::kMi; ++i)
    for (int j = 0; j < T::kNj; ++j)
      for (int v = 0; v < 4; ++v) acc[i][j][v] = 0;

  for (int st = 0; st < kPipe - 1; ++st) {
    if (st < k_tiles) load_tile(st, st);
    cp_async_commit();
  }
  const int warp_m = warp / T::kWarpsN, warp_n = warp % T::kWarpsN;
  for (int kt = 0; kt < k_tiles; ++kt) {
    cp_async_wait<kPipe - 2>();
    __syncthreads();
    const int next = kt + kPipe - 1;
    if (next < k_tiles) load_tile(next, next % kPipe);
    cp_async_commit();
    const uint8_t* a_s = smem + (kt % kPipe) * T::kStageBytes;
    const uint8_t* b_s = a_s + kBM * kBK;
#pragma unroll
    for (int ks = 0; ks < 2; ++ks) {
      uint32_t a[T::kMi][4];
      uint32_t b[T::kNj][2];
#pragma unroll
      for (int i = 0; i < T::kMi; ++i) {
        const int row = warp_m * (T::kMi * 16) + i * 16 + (lane & 15);
        ldmatrix_x4(a[i], smem_addr(a_s + swizzle(row, ks * 2 + (lane >> 4))));
      }
#pragma unroll
      for (int jj = 0; jj < T::kNj / 2; ++jj) {
        const int row = warp_n * 32 + jj * 16 + (lane >> 4) * 8 + (lane & 7);
        uint32_t r[4];
        ldmatrix_x4(r, smem_addr(b_s + swizzle(row, ks * 2 + ((lane >> 3) & 1))));
        b[2 * jj][0] = r[0];
        b[2 * jj][1] = r[1];
        b[2 * jj + 1][0] = r[2];
        b[2 * jj + 1][1] = r[3];
      }
#pragma unroll
      for (int i = 0; i < T::kMi; ++i)
#pragma unroll
        for (int j = 0; j < T::kNj; ++j) mma_s8(acc[i][j], a[i], b[j][0], b[j][1]);
    }
  }
  cp_async_wait<0>();
  if constexpr (kStaged) {
    __syncthreads();  // every warp is done reading the pipeline's tiles
    auto* tile = reinterpret_cast<int32_t*>(smem);
#pragma unroll
    for (int i = 0; i < T::kMi; ++i)
#pragma unroll
      for (int half = 0; half < 2; ++half)
#pragma unroll
        for (int j = 0; j < T::kNj; ++j) {
          const int row = warp_m * (T::kMi * 16) + i * 16 + (lane >> 2) + half * 8;
          const int col = warp_n * 32 + j * 8 + (lane & 3) * 2;
          *reinterpret_cast<int2*>(tile + row * T::kTileStride + col) =
              make_int2(acc[i][j][half * 2], acc[i][j][half * 2 + 1]);
        }
    __syncthreads();
    constexpr int kQuads = BN / 4;
    for (int v = tid; v < kBM * kQuads; v += kThreads) {
      const int row = v / kQuads, col = v % kQuads * 4;
      const int pixel = m0 + row, o = n0 + col;
      if (pixel >= p.pixels || o >= p.kg) continue;
      const int4 a = *reinterpret_cast<const int4*>(tile + row * T::kTileStride + col);
      const int64_t oc = static_cast<int64_t>(g) * p.kg + o;
      const int64_t idx = output_pixel(p, pixel) * s.k + oc;
      if (o + 3 < p.kg && vector_aligned(p.e, idx, 4)) {
        finish_quad(p.e, idx, oc, a);
      } else {
        finish(p.e, idx, oc, a.x);
        if (o + 1 < p.kg) finish(p.e, idx + 1, oc + 1, a.y);
        if (o + 2 < p.kg) finish(p.e, idx + 2, oc + 2, a.z);
        if (o + 3 < p.kg) finish(p.e, idx + 3, oc + 3, a.w);
      }
    }
  } else {
    // Accumulator (i, j, v): row lane / 4 (+ 8 for v >= 2), column 2 * (lane % 4) + v % 2.
#pragma unroll
    for (int i = 0; i < T::kMi; ++i)
#pragma unroll
      for (int half = 0; half < 2; ++half) {
        const int pixel = m0 + warp_m * (T::kMi * 16) + i * 16 + (lane >> 2) + half * 8;
        if (pixel >= p.pixels) continue;
        const int64_t row = output_pixel(p, pixel) * s.k;
#pragma unroll
        for (int j = 0; j < T::kNj; ++j) {
          const int o = n0 + warp_n * 32 + j * 8 + (lane & 3) * 2;
          const int64_t oc = static_cast<int64_t>(g) * p.kg + o;
          const int64_t idx = row + oc;
          const int32_t* c = acc[i][j] + half * 2;
          if (o + 1 < p.kg && vector_aligned(p.e, idx, 2)) {
            finish_pair(p.e, idx, oc, c[0], c[1]);
          } else {
            if (o < p.kg) finish(p.e, idx, oc, c[0]);
            if (o + 1 < p.kg) finish(p.e, idx + 1, oc + 1, c[1]);
          }
        }
      }
  }
}

template <int BN, bool kStaged, int kPipe = kStages, int kMinBlocks = 2>
void launch_igemm(const Int8ConvShape& s, const int8_t* x, const int8_t* w_ohwi,
                  const Int8Epilogue& e, cudaStream_t stream, const PhaseMap& phase = {}) {
  using T = IgemmTile<BN, kPipe>;
  constexpr int kBytes = kStaged ? T::kSmemBytesStaged : T::kSmemBytes;
  constexpr auto kernel = igemm_kernel<BN, kStaged, kPipe, kMinBlocks>;
  static std::once_flag configured;
  std::call_once(configured, [] {
    QRT_CUDA_CHECK(
        cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, kBytes));
  });
  IgemmParams p{s,
                x,
                w_ohwi,
                e,
                static_cast<int>(s.pixels()),
                static_cast<int>(s.depth()),
                static_cast<int>(s.group_in()),
                static_cast<int>(s.group_out()),
                phase};
  const dim3 grid(static_cast<unsigned>((s.pixels() + kBM - 1) / kBM),
                  static_cast<unsigned>((s.group_out() + BN - 1) / BN),
                  static_cast<unsigned>(phase.kernel_w ? phase.taps : s.group));
  kernel<<<grid, kThreads, kBytes, stream>>>(p);
  QRT_CUDA_CHECK_LAUNCH();
}

unsigned grid_for(int64_t total, int threads) {
  return static_cast<unsigned>(std::clamp<int64_t>((total + threads - 1) / threads, 1, 1 << 20));
}

size_t align_up(size_t bytes) { return (bytes + 255) / 256 * 256; }

// ---------------------------------------------------------------------------------------------
// cuBLASLt: D[pixels x k] (int32, row-major) = X[pixels x c] * W[k x c]^T. In cuBLASLt's
// column-major terms D^T (k x pixels) = W^T' ... i.e. TN with m = k, n = pixels, depth c.
struct LtPlan {
  cublasLtMatmulDesc_t desc = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, d = nullptr;
  cublasLtMatmulAlgo_t algo{};
  bool found = false;
};

// One plan per (k, rows, c), made once (plans are host objects; cuBLASLt calls are capturable).
const LtPlan& lt_plan(cublasLtHandle_t handle, int64_t k, int64_t rows, int64_t c,
                      size_t lt_workspace) {
  static std::mutex mutex;
  static std::map<std::tuple<int64_t, int64_t, int64_t>, LtPlan> plans;
  std::lock_guard<std::mutex> lock(mutex);
  auto [it, inserted] = plans.try_emplace({k, rows, c});
  LtPlan& plan = it->second;
  if (!inserted) return plan;
  QRT_CUBLAS_CHECK(cublasLtMatmulDescCreate(&plan.desc, CUBLAS_COMPUTE_32I, CUDA_R_32I));
  const cublasOperation_t trans = CUBLAS_OP_T, no_trans = CUBLAS_OP_N;
  QRT_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(plan.desc, CUBLASLT_MATMUL_DESC_TRANSA, &trans,
                                                  sizeof(trans)));
  QRT_CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(plan.desc, CUBLASLT_MATMUL_DESC_TRANSB, &no_trans,
                                                  sizeof(no_trans)));
  QRT_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&plan.a, CUDA_R_8I, static_cast<uint64_t>(c),
                                              static_cast<uint64_t>(k), c));
  QRT_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&plan.b, CUDA_R_8I, static_cast<uint64_t>(c),
                                              static_cast<uint64_t>(rows), c));
  QRT_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&plan.d, CUDA_R_32I, static_cast<uint64_t>(k),
                                              static_cast<uint64_t>(rows), k));
  cublasLtMatmulPreference_t pref = nullptr;
  QRT_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&pref));
  QRT_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(
      pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &lt_workspace, sizeof(lt_workspace)));
  cublasLtMatmulHeuristicResult_t result{};
  int count = 0;
  const cublasStatus_t status = cublasLtMatmulAlgoGetHeuristic(
      handle, plan.desc, plan.a, plan.b, plan.d, plan.d, pref, 1, &result, &count);
  cublasLtMatmulPreferenceDestroy(pref);
  plan.found = status == CUBLAS_STATUS_SUCCESS && count > 0;
  if (plan.found) plan.algo = result.algo;
  return plan;
}

constexpr size_t kLtWorkspace = size_t{4} << 20;

void launch_cublaslt(const Int8ConvShape& s, const int8_t* x, const int8_t* w_ohwi,
                     const Int8Epilogue& e, const Resources& res, size_t used) {
  const size_t free_bytes = res.workspace_bytes - used - kLtWorkspace;
  int64_t chunk_rows = static_cast<int64_t>(free_bytes / (static_cast<size_t>(s.k) * 4));
  chunk_rows = std::min<int64_t>(chunk_rows / 256 * 256, s.pixels());
  if (chunk_rows <= 0) throw Error("cublaslt int8 conv: the workspace is too small");
  auto* lt_ws = static_cast<uint8_t*>(res.workspace) + used;
  auto* acc = reinterpret_cast<int32_t*>(lt_ws + kLtWorkspace);
  const int32_t alpha = 1, beta = 0;
  for (int64_t first = 0; first < s.pixels(); first += chunk_rows) {
    const int64_t rows = std::min(chunk_rows, s.pixels() - first);
    const LtPlan& plan = lt_plan(res.cublaslt, s.k, rows, s.c, kLtWorkspace);
    if (!plan.found)
      throw Error("cublaslt int8 conv: no cuBLASLt algorithm for k=" + std::to_string(s.k) +
                  " c=" + std::to_string(s.c));
    QRT_CUBLAS_CHECK(cublasLtMatmul(res.cublaslt, plan.desc, &alpha, w_ohwi, plan.a,
                                    x + first * s.c, plan.b, &beta, acc, plan.d, acc, plan.d,
                                    &plan.algo, lt_ws, kLtWorkspace, res.stream));
    epilogue_kernel<<<grid_for(rows * s.k, 256), 256, 0, res.stream>>>(acc, rows, s.k, first, e);
    QRT_CUDA_CHECK_LAUNCH();
  }
}

int64_t padded_channels(int64_t c) { return (c + 15) / 16 * 16; }

// The explicit im2col's patch row: kh * kw * c rounded up to 16 bytes.
int64_t im2col_depth(const Int8ConvShape& s) { return (s.depth() + 15) / 16 * 16; }
// Deeper patch rows than this are left to the implicit GEMMs (they are not "few channels").
constexpr int64_t kIm2colMaxDepth = 1024;

// How many images of `image_bytes` fit in the workspace after `fixed` bytes (0: none).
int64_t images_fitting(size_t workspace_bytes, size_t fixed, size_t image_bytes, int64_t n) {
  if (workspace_bytes <= fixed) return 0;
  return std::min<int64_t>(n, static_cast<int64_t>((workspace_bytes - fixed) / image_bytes));
}

// The images of `s` a chunk of `per_chunk` at a time: run(first image, images, the epilogue
// moved to those images' outputs and residual) for each chunk.
template <typename Run>
void for_each_image_chunk(const Int8ConvShape& s, const Int8Epilogue& e, int64_t per_chunk,
                          const Run& run) {
  const int64_t out_image = s.out_h * s.out_w * s.k;
  for (int64_t first = 0; first < s.n; first += per_chunk)
    run(first, std::min(per_chunk, s.n - first), e.advanced(first * out_image));
}

// The input zero-padded to `padded` channels in `x_padded`, a chunk of `per_chunk` images at a
// time; run(the chunk's padded shape, the epilogue moved to its images) for each chunk.
template <typename Run>
void for_each_padded_chunk(const Int8ConvShape& s, const int8_t* x, const Int8Epilogue& e,
                           int64_t padded, int64_t per_chunk, int8_t* x_padded,
                           const Resources& res, const Run& run) {
  for_each_image_chunk(
      s, e, per_chunk, [&](int64_t first, int64_t images, const Int8Epilogue& part) {
        Int8ConvShape chunk = s;
        chunk.c = padded;
        chunk.n = images;
        const int64_t pixels = images * s.h * s.w;
        pad_channels_kernel<<<grid_for(pixels * padded, 256), 256, 0, res.stream>>>(
            x + first * s.h * s.w * s.c, pixels, s.c, padded, x_padded);
        QRT_CUDA_CHECK_LAUNCH();
        run(chunk, part);
      });
}

// Channels that are not a multiple of 16 (an RGB image's first convolution): the weights and,
// a chunk of images at a time, the input are zero-padded to a multiple of 16 channels in the
// workspace, and the GEMM runs on those (the zeros add nothing to the sums).
void launch_padded_igemm(const Int8ConvShape& s, const int8_t* x, const Int8Weights& w,
                         const Int8Epilogue& e, const Resources& res) {
  const int64_t padded = padded_channels(s.c);
  Int8ConvShape padded_shape = s;
  padded_shape.c = padded;
  const size_t w_bytes = align_up(static_cast<size_t>(s.k * padded_shape.depth()));
  const int64_t images_per_chunk =
      images_fitting(res.workspace_bytes, w_bytes, static_cast<size_t>(s.h * s.w * padded), s.n);
  if (images_per_chunk <= 0)
    throw Error("int8 convolution: the workspace is too small to pad the channels");
  auto* w_padded = static_cast<int8_t*>(res.workspace);
  pack_ohwi_padded_kernel<<<grid_for(s.k * padded_shape.depth(), 256), 256, 0, res.stream>>>(
      s, w, padded, w_padded);
  QRT_CUDA_CHECK_LAUNCH();
  for_each_padded_chunk(
      s, x, e, padded, images_per_chunk, w_padded + w_bytes, res,
      [&](const Int8ConvShape& chunk, const Int8Epilogue& part) {
        if (s.k <= 64)
          launch_igemm<64, false>(chunk, w_padded + w_bytes, w_padded, part, res.stream);
        else
          launch_igemm<128, false>(chunk, w_padded + w_bytes, w_padded, part, res.stream);
      });
}

// Explicit im2col (few input channels: an RGB or grey first layer, where the implicit GEMM on
// channels padded to 16 multiplies mostly zeros: 7x7x16 = 784 deep for 147 real products): the
// weights as [k, kpad] and, a chunk of images at a time, the patch matrix [pixels, kpad] in the
// workspace (kpad = kh * kw * c rounded up to 16), then the GEMM as a 1x1 convolution over it,
// whose output rows are the chunk's NHWC output pixels, with the usual epilogue. `l2_chunks`:
// chunks of at most kIm2colL2Bytes, so that the GEMM may find its patches still in L2.
constexpr size_t kIm2colL2Bytes = size_t{16} << 20;

void launch_im2col_igemm(const Int8ConvShape& s, const int8_t* x, const Int8Weights& w,
                         const Int8Epilogue& e, const Resources& res, bool staged, bool l2_chunks) {
  const int64_t kpad = im2col_depth(s);
  const size_t w_bytes = align_up(static_cast<size_t>(s.k * kpad));
  const int64_t image_pixels = s.out_h * s.out_w;
  const size_t image_bytes = static_cast<size_t>(image_pixels * kpad);
  int64_t per_chunk = images_fitting(res.workspace_bytes, w_bytes, image_bytes, s.n);
  if (per_chunk <= 0)
    throw Error("int8 convolution: the workspace is too small for one image's patch matrix (" +
                std::to_string(image_bytes) + " bytes)");
  if (l2_chunks)
    per_chunk =
        std::clamp<int64_t>(static_cast<int64_t>(kIm2colL2Bytes / image_bytes), 1, per_chunk);
  // The GEMM's pixel indices are 32-bit (int8_conv_tactic_fits keeps one image below this).
  per_chunk = std::min<int64_t>(per_chunk, ((int64_t{1} << 30) - 1) / image_pixels);
  auto* packed = static_cast<int8_t*>(res.workspace);
  int8_t* patches = packed + w_bytes;  // 256-byte aligned: every row start is 16-byte aligned
  pack_patch_weights_kernel<<<grid_for(s.k * kpad, 256), 256, 0, res.stream>>>(s, w, kpad, packed);
  QRT_CUDA_CHECK_LAUNCH();
  for_each_image_chunk(
      s, e, per_chunk, [&](int64_t first, int64_t images, const Int8Epilogue& part) {
        const int64_t rows = images * image_pixels;
        im2col_kernel<<<grid_for(rows * (kpad / 16), 256), 256, 0, res.stream>>>(
            s, x + first * s.h * s.w * s.c, rows, static_cast<int>(kpad), patches);
        QRT_CUDA_CHECK_LAUNCH();
        Int8ConvShape
            gemm;  // 1x1, stride 1, no pads: pixel (n, oh, ow) reads patch row (n, oh, ow)
        gemm.n = images;
        gemm.h = gemm.out_h = s.out_h;
        gemm.w = gemm.out_w = s.out_w;
        gemm.c = kpad;
        gemm.k = s.k;
        if (s.k <= 64) {
          if (staged)
            launch_igemm<64, true>(gemm, patches, packed, part, res.stream);
          else
            launch_igemm<64, false>(gemm, patches, packed, part, res.stream);
        } else if (staged) {
          launch_igemm<128, true>(gemm, patches, packed, part, res.stream);
        } else {
          launch_igemm<128, false>(gemm, patches, packed, part, res.stream);
        }
      });
}

// Channels that are not a multiple of 4 (an RGB first layer) for cuDNN's graph: the weights
// padded to a multiple of 4 input channels and, a chunk of images at a time, the input, in the
// workspace; then the "cudnn" graph on the padded shape. Its plans (one per chunk size) are built
// outside a capture, like the plain tactic's.
struct PaddedCudnn {
  Int8ConvShape chunk;  // the padded shape of a full chunk
  int64_t images_per_chunk = 0;
  size_t w_bytes = 0, constants_bytes = 0;
  static constexpr size_t kScratch = size_t{8} << 20;  // cuDNN's own workspace
};

PaddedCudnn padded_cudnn_layout(const Int8ConvShape& s, size_t workspace_bytes) {
  PaddedCudnn p;
  p.chunk = s;
  p.chunk.c = (s.c + 3) / 4 * 4;
  p.w_bytes = align_up(static_cast<size_t>(s.k * p.chunk.depth()));
  p.constants_bytes = align_up(cudnn_int8_constants_layout(s.k).bytes);
  p.images_per_chunk =
      images_fitting(workspace_bytes, p.w_bytes + p.constants_bytes + PaddedCudnn::kScratch,
                     align_up(static_cast<size_t>(s.h * s.w * p.chunk.c)), s.n);
  p.chunk.n = p.images_per_chunk;
  return p;
}

// Whether cuDNN has (or, with `build`, now made) plans for every chunk size the shape needs.
bool padded_cudnn_ready(const Int8ConvShape& s, const Int8Epilogue& e, size_t workspace_bytes,
                        bool build, std::string* reason = nullptr) {
  const PaddedCudnn p = padded_cudnn_layout(s, workspace_bytes);
  if (p.images_per_chunk <= 0) {
    if (reason) *reason = "the workspace is too small to pad one image";
    return false;
  }
  for (int64_t n : {p.images_per_chunk, s.n % p.images_per_chunk}) {
    if (n == 0) continue;
    Int8ConvShape c = p.chunk;
    c.n = n;
    if (!cudnn_int8_conv_ready(c, e, build, reason)) return false;
    if (cudnn_int8_conv_workspace(c, e) > PaddedCudnn::kScratch) {
      if (reason) *reason = "cuDNN's plan needs more than the reserved workspace";
      return false;
    }
  }
  return true;
}

void launch_padded_cudnn(const Int8ConvShape& s, const int8_t* x, const Int8Weights& w,
                         const Int8Epilogue& e, const Resources& res) {
  const PaddedCudnn p = padded_cudnn_layout(s, res.workspace_bytes);
  auto* w_padded = static_cast<int8_t*>(res.workspace);
  uint8_t* constants = reinterpret_cast<uint8_t*>(w_padded) + p.w_bytes;
  uint8_t* scratch = constants + p.constants_bytes;
  int8_t* x_padded = reinterpret_cast<int8_t*>(scratch + PaddedCudnn::kScratch);
  pack_ohwi_padded_kernel<<<grid_for(s.k * p.chunk.depth(), 256), 256, 0, res.stream>>>(
      s, w, p.chunk.c, w_padded);
  QRT_CUDA_CHECK_LAUNCH();
  cudnn_constants_kernel<<<grid_for(s.k, 256), 256, 0, res.stream>>>(
      e, s.k, cudnn_int8_constants_layout(s.k), constants);
  QRT_CUDA_CHECK_LAUNCH();
  for_each_padded_chunk(s, x, e, p.chunk.c, p.images_per_chunk, x_padded, res,
                        [&](const Int8ConvShape& chunk, const Int8Epilogue& part) {
                          cudnn_int8_conv_run(chunk, x_padded, w_padded, part, constants, scratch,
                                              PaddedCudnn::kScratch, res);
                        });
}

bool fail(std::string* reason, const std::string& why) {
  if (reason) *reason = why;
  return false;
}

void set_activation(const ir::Node& node, Int8Epilogue& e) {
  const std::string activation = node.attr_string("activation", "");
  e.clamps = !activation.empty();
  e.lo = -std::numeric_limits<float>::infinity();
  e.hi = std::numeric_limits<float>::infinity();
  if (activation == "relu") {
    e.lo = 0.f;
  } else if (activation == "clip") {
    e.lo = node.attr_float("clip_min", e.lo);
    e.hi = node.attr_float("clip_max", e.hi);
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
bool int8_conv_form_supported(const ir::Node& node, const NodeTypes& types, const char* what,
                              std::string* reason) {
  if (node.attr_int("channels_last", 0) != 1)
    return fail(reason, std::string("the CUDA int8 ") + what +
                            " runs NHWC only (channels_last=1, which the cuda builder sets)");
  if (types.inputs.size() < 2 || types.inputs[0].shape.size() != 4 ||
      types.inputs[1].shape.size() != 4)
    return fail(reason, std::string("the CUDA int8 ") + what + " is 2-D only");
  return true;
}

Int8Epilogue int8_epilogue_form(const ir::Node& node, const NodeTypes& types) {
  // Markers: only whether a pointer is set matters to the tuning (int8_gemm.h).
  static const int8_t marker_i8 = 0;
  static const float marker_f32 = 0.f;
  static int8_t out_marker = 0;
  static float out_marker_f32 = 0.f;
  Int8Epilogue e;
  if (types.inputs.size() > 4) {
    if (types.inputs[4].dtype == DataType::kInt8) e.residual_i8 = &marker_i8;
    if (types.inputs[4].dtype == DataType::kFloat32) e.residual_f32 = &marker_f32;
  }
  set_activation(node, e);
  if (!types.outputs.empty() && types.outputs[0].dtype == DataType::kInt8)
    e.y_i8 = &out_marker;
  else
    e.y_f32 = &out_marker_f32;
  return e;
}

Int8Epilogue int8_epilogue(const KernelArgs& args, const char* in_scale_attr) {
  const ir::Node& node = args.node;
  Int8Epilogue e;
  e.scales = args.in(2).data_as<float>();
  e.bias = args.has_in(3) ? args.in(3).data_as<float>() : nullptr;
  e.in_scale = node.attr_float(in_scale_attr, 0.f);
  if (args.has_in(4)) {
    const Tensor& r = args.in(4);
    if (r.dtype() == DataType::kInt8) {
      e.residual_i8 = r.data_as<int8_t>();
      e.r_scale = node.attr_float("r_scale", 0.f);
    } else {
      e.residual_f32 = r.data_as<float>();
    }
  }
  set_activation(node, e);
  Tensor& y = args.out(0);
  if (y.dtype() == DataType::kInt8) {
    e.y_i8 = y.data_as<int8_t>();
    e.inv_y_scale = 1.f / node.attr_float("y_scale", 0.f);
  } else {
    e.y_f32 = y.data_as<float>();
  }
  return e;
}

Int8Weights Int8Weights::oihw(const int8_t* data, const Int8ConvShape& s) {
  const int64_t taps = s.kernel_h * s.kernel_w;
  return {data, s.group_in() * taps, taps, s.kernel_w, 1};
}

Int8Weights Int8Weights::ohwi(const int8_t* data, const Int8ConvShape& s) {
  return {data, s.depth(), 1, s.kernel_w * s.group_in(), s.group_in()};
}

Int8Weights Int8Weights::io(const int8_t* data, const Int8ConvShape& s) {
  return {data, 1, s.k, 0, 0};
}

bool Int8Weights::is_ohwi(const Int8ConvShape& s) const {
  const Int8Weights packed = ohwi(data, s);
  return out == packed.out && in == packed.in && (s.kernel_h == 1 || tap_h == packed.tap_h) &&
         (s.kernel_w == 1 || tap_w == packed.tap_w);
}

std::string default_int8_conv_tactic(const Int8ConvShape& s) {
  if (!int8_conv_tactic_fits(s, "igemm64")) return "direct";
  return s.group_out() <= 64 ? "igemm64" : "igemm128";
}

bool int8_conv_tactic_fits(const Int8ConvShape& s, const std::string& tactic, std::string* reason) {
  if (tactic == "direct") return true;
  if (is_space_to_depth_tactic(tactic)) {
    if (!space_to_depth_fits(s, reason)) return false;
    // The 2-stage GEMM takes depths up to kFewMaxDepth.
    return tactic != "s2d64fs" ||
           int8_conv_tactic_fits(space_to_depth_geometry(s).gemm, "igemm64fs", reason);
  }
  if (tactic == "dw16x2" || tactic == "dw16x4") return depthwise16_fits(s, reason);
  if (tactic == "small16") return small_conv_fits(s, reason);
  if (tactic == "pw16") return pointwise16_fits(s, reason);
  if (tactic == "pwmma") return pointwise_mma_fits(s, reason);
  if (tactic == "patchmma") return patch_mma_fits(s, reason);
  if (tactic == "depthwise") {
    if (s.group != s.c || s.k != s.c)
      return fail(reason, "not a depthwise convolution with one output channel per group");
    if (s.c % 4 != 0) return fail(reason, "channels are not a multiple of 4");
    if (s.pixels() * s.c >= (int64_t{1} << 31)) return fail(reason, "too large for 32-bit indices");
    return true;
  }
  if (tactic == "igemm_pad") {
    if (s.group != 1) return fail(reason, "grouped");
    if (s.c % 16 == 0) return fail(reason, "channels are a multiple of 16 already");
    if (s.n * s.h * s.w * padded_channels(s.c) >= (int64_t{1} << 31) / 2 ||
        s.pixels() >= (int64_t{1} << 31) / 2)
      return fail(reason, "too large for 32-bit tile indices");
    return true;
  }
  if (tactic == "im2col" || tactic == "im2col_s" || tactic == "im2col_l2") {
    if (s.group != 1) return fail(reason, "grouped");
    if (s.c % 16 == 0)
      return fail(reason, "channels are a multiple of 16: the implicit GEMM reads them in place");
    if (im2col_depth(s) > kIm2colMaxDepth)
      return fail(reason,
                  "kh * kw * c = " + std::to_string(s.depth()) + " is too deep for a patch matrix");
    if (s.out_h * s.out_w * im2col_depth(s) >= (int64_t{1} << 31) / 2)
      return fail(reason, "one image's patch matrix is too large for 32-bit tile indices");
    return true;
  }
  if (tactic == "igemm64" || tactic == "igemm128" || tactic == "igemm64s" ||
      tactic == "igemm128s" || tactic == "igemm64f" || tactic == "igemm64fs") {
    if ((tactic == "igemm64f" || tactic == "igemm64fs") && s.depth() > kFewMaxDepth)
      return fail(reason,
                  "deeper than " + std::to_string(kFewMaxDepth) + ": the 4-stage pipeline's shape");
    if (s.group_in() % 16 != 0)
      return fail(reason, "input channels per group " + std::to_string(s.group_in()) +
                              " are not a multiple of 16");
    if (s.c % 16 != 0) return fail(reason, "channels are not a multiple of 16");
    if (s.pixels() >= (int64_t{1} << 31) / 2 || s.depth() >= (int64_t{1} << 30))
      return fail(reason, "too large for 32-bit tile indices");
    return true;
  }
  if (tactic == "cudnn") {
    if (s.group != 1) return fail(reason, "grouped");
    if (s.c % 4 != 0 || s.k % 4 != 0) return fail(reason, "channels are not multiples of 4");
    return true;
  }
  if (tactic == "cudnn_pad") {
    if (s.group != 1) return fail(reason, "grouped");
    if (s.c % 4 == 0) return fail(reason, "channels are a multiple of 4 already");
    if (s.k % 4 != 0) return fail(reason, "output channels are not a multiple of 4");
    return true;
  }
  if (tactic == "cublaslt") {
    if (!s.pointwise() || s.group != 1)
      return fail(reason, "not a 1x1 stride-1 unpadded ungrouped convolution");
    if (s.c % 16 != 0 || s.k % 16 != 0) return fail(reason, "channels are not multiples of 16");
    return true;
  }
  return fail(reason, "unknown tactic '" + tactic + "'");
}

namespace {
// Every tactic tuning may time, in the order it times them (after the shape's default).
constexpr const char* kTunedInt8ConvTactics[] = {
    "igemm64",   "igemm128",  "cublaslt", "igemm64s",  "igemm128s", "igemm64f",
    "igemm64fs", "depthwise", "dw16x2",   "dw16x4",    "igemm_pad", "cudnn",
    "cudnn_pad", "im2col",    "im2col_s", "im2col_l2", "s2d64",     "s2d64s",
    "s2d128s",   "s2d64fs",   "pw16",     "pwmma",     "patchmma"};
constexpr const char* kConvTransposeInt8Tactics[] = {"phases", "phases_s", "phases_f", "phases_fs"};
}  // namespace

std::vector<std::string> int8_conv_tactics(const Int8ConvShape& s) {
  std::vector<std::string> out{default_int8_conv_tactic(s)};
  for (const char* t : kTunedInt8ConvTactics)
    if (t != out[0] && int8_conv_tactic_fits(s, t)) out.push_back(t);
  return out;
}

std::string int8_tactic_catalog() {
  std::string out = "ConvInt8:";
  for (const char* t : kTunedInt8ConvTactics) out += std::string(t) + ",";
  out += " ConvTransposeInt8:";
  for (const char* t : kConvTransposeInt8Tactics) out += std::string(t) + ",";
  return out;
}

void conv_int8_nhwc(const Int8ConvShape& s, const int8_t* x, const Int8Weights& w,
                    const Int8Epilogue& e, const std::string& tactic_in, const Resources& res) {
  const std::string tactic = tactic_in.empty() ? default_int8_conv_tactic(s) : tactic_in;
  std::string why;
  if (!int8_conv_tactic_fits(s, tactic, &why))
    throw Error("int8 convolution: tactic '" + tactic + "' does not fit: " + why);
  if (s.pixels() == 0 || s.k == 0) return;
  // The dp4a kernels take only per-channel contiguous, 16-byte aligned operands: otherwise the
  // 4-channel kernel runs.
  if (tactic == "small16") {
    launch_small_conv(s, x, w, e, res.stream);
    return;
  }
  if (tactic == "pw16") {
    if (!launch_pointwise16(s, x, w, e, res.stream))
      conv_int8_nhwc(s, x, w, e, "direct", res);  // X not 4-byte aligned
    return;
  }
  if (tactic == "pwmma") {
    if (!launch_pointwise_mma(s, x, w, e, res))
      conv_int8_nhwc(s, x, w, e, "direct", res);  // X or Y not aligned for its vectors
    return;
  }
  if (tactic == "patchmma") {
    if (!launch_patch_mma(s, x, w, e, res))
      conv_int8_nhwc(s, x, w, e, "direct", res);  // f32 out or residual, or Y not aligned
    return;
  }
  if (is_space_to_depth_tactic(tactic)) {
    launch_space_to_depth(s, x, w, e, tactic, res);
    return;
  }
  const bool dw16 = tactic == "dw16x2" || tactic == "dw16x4";
  if (dw16 && launch_depthwise16(s, x, w, e, tactic == "dw16x2" ? 2 : 4, res.stream)) return;
  if ((tactic == "depthwise" || dw16) && reinterpret_cast<uintptr_t>(x) % 4 == 0) {
    depthwise_kernel<<<grid_for(s.pixels() * s.c / 4, 256), 256, 0, res.stream>>>(
        DirectParams{s, x, w, e});
    QRT_CUDA_CHECK_LAUNCH();
    return;
  }
  if (tactic == "direct" || tactic == "depthwise" || dw16) {
    conv_direct_kernel<<<grid_for(s.pixels() * s.k, 256), 256, 0, res.stream>>>(
        DirectParams{s, x, w, e});
    QRT_CUDA_CHECK_LAUNCH();
    return;
  }
  if (tactic == "igemm_pad") {
    launch_padded_igemm(s, x, w, e, res);
    return;
  }
  if (tactic == "im2col" || tactic == "im2col_s" || tactic == "im2col_l2") {
    launch_im2col_igemm(s, x, w, e, res, tactic != "im2col", tactic == "im2col_l2");
    return;
  }
  if (tactic == "cudnn_pad") {
    cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
    QRT_CUDA_CHECK(cudaStreamIsCapturing(res.stream, &capture));
    if (padded_cudnn_ready(s, e, res.workspace_bytes, capture == cudaStreamCaptureStatusNone)) {
      launch_padded_cudnn(s, x, w, e, res);
    } else {
      if (capture != cudaStreamCaptureStatusNone) count_cudnn_int8_capture_fallback();
      launch_padded_igemm(s, x, w, e, res);
    }
    return;
  }
  if (tactic == "cudnn") {
    // cuDNN's plan is built outside a stream capture (tuning, or the first uncaptured run);
    // without one the shape runs on the default tactic.
    cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
    QRT_CUDA_CHECK(cudaStreamIsCapturing(res.stream, &capture));
    if (!cudnn_int8_conv_ready(s, e, capture == cudaStreamCaptureStatusNone)) {
      if (capture != cudaStreamCaptureStatusNone) count_cudnn_int8_capture_fallback();
      conv_int8_nhwc(s, x, w, e, default_int8_conv_tactic(s), res);
      return;
    }
  }
  // The GEMMs read the weights in OHWI order; anything else is repacked into the workspace.
  const int8_t* packed = w.data;
  size_t used = 0;
  if (!w.is_ohwi(s)) {
    const int64_t bytes = s.k * s.depth();
    used = align_up(static_cast<size_t>(bytes));
    if (used + kLtWorkspace + (size_t{1} << 20) > res.workspace_bytes)
      throw Error("int8 convolution: weights too large to repack in the workspace");
    auto* out = static_cast<int8_t*>(res.workspace);
    pack_ohwi_kernel<<<grid_for(bytes, 256), 256, 0, res.stream>>>(s, w, out);
    QRT_CUDA_CHECK_LAUNCH();
    packed = out;
  }
  if (tactic == "cudnn") {
    const CudnnInt8ConstantsLayout layout = cudnn_int8_constants_layout(s.k);
    if (used + layout.bytes + cudnn_int8_conv_workspace(s, e) > res.workspace_bytes)
      throw Error("int8 convolution: the workspace is too small for cuDNN's plan");
    auto* constants = static_cast<uint8_t*>(res.workspace) + used;
    cudnn_constants_kernel<<<grid_for(s.k, 256), 256, 0, res.stream>>>(e, s.k, layout, constants);
    QRT_CUDA_CHECK_LAUNCH();
    const size_t ws_offset = used + align_up(layout.bytes);
    cudnn_int8_conv_run(s, x, packed, e, constants,
                        static_cast<uint8_t*>(res.workspace) + ws_offset,
                        res.workspace_bytes - ws_offset, res);
  } else if (tactic == "igemm64") {
    launch_igemm<64, false>(s, x, packed, e, res.stream);
  } else if (tactic == "igemm128")
    launch_igemm<128, false>(s, x, packed, e, res.stream);
  else if (tactic == "igemm64s")
    launch_igemm<64, true>(s, x, packed, e, res.stream);
  else if (tactic == "igemm128s")
    launch_igemm<128, true>(s, x, packed, e, res.stream);
  else if (tactic == "igemm64f")
    launch_igemm<64, false, kFewStages, kFewMinBlocks>(s, x, packed, e, res.stream);
  else if (tactic == "igemm64fs")
    launch_igemm<64, true, kFewStages, kFewMinBlocks>(s, x, packed, e, res.stream);
  else
    launch_cublaslt(s, x, packed, e, res, used);
}

void implicit_gemm_int8(const Int8ConvShape& s, const int8_t* x, const int8_t* w_ohwi,
                        const Int8Epilogue& e, int block_n, bool staged, cudaStream_t stream,
                        bool few_stages) {
  std::string why;
  if (!int8_conv_tactic_fits(s, few_stages ? "igemm64fs" : "igemm64", &why))
    throw Error("implicit int8 GEMM: the shape does not fit: " + why);
  if (few_stages && block_n != 64)
    throw Error("implicit int8 GEMM: the 2-stage variant has 64-channel tiles only");
  if (few_stages && staged)
    launch_igemm<64, true, kFewStages, kFewMinBlocks>(s, x, w_ohwi, e, stream);
  else if (few_stages)
    launch_igemm<64, false, kFewStages, kFewMinBlocks>(s, x, w_ohwi, e, stream);
  else if (block_n == 64 && staged)
    launch_igemm<64, true>(s, x, w_ohwi, e, stream);
  else if (block_n == 64)
    launch_igemm<64, false>(s, x, w_ohwi, e, stream);
  else if (block_n == 128 && staged)
    launch_igemm<128, true>(s, x, w_ohwi, e, stream);
  else if (block_n == 128)
    launch_igemm<128, false>(s, x, w_ohwi, e, stream);
  else
    throw Error("implicit int8 GEMM: no tile of " + std::to_string(block_n) + " channels");
}

bool conv_transpose_phases_fit(const Int8ConvShape& s, std::string* reason) {
  if (s.stride_h != s.kernel_h || s.stride_w != s.kernel_w || s.pad_h != 0 || s.pad_w != 0 ||
      s.dilation_h != 1 || s.dilation_w != 1 || s.out_h != s.h * s.stride_h ||
      s.out_w != s.w * s.stride_w)
    return fail(reason, "not a transposed convolution with stride = kernel and no pads");
  if (s.group != 1) return fail(reason, "grouped");
  if (s.c % 16 != 0) return fail(reason, "channels are not a multiple of 16");
  if (s.n * s.h * s.w >= (int64_t{1} << 30)) return fail(reason, "too large");
  return true;
}

void conv_transpose_int8_nhwc(const Int8ConvShape& s, const int8_t* x, const int8_t* w,
                              const Int8Epilogue& e, const std::string& tactic,
                              const Resources& res) {
  if (s.pixels() == 0 || s.k == 0) return;
  if (tactic == "phases" || tactic == "phases_s" || tactic == "phases_f" || tactic == "phases_fs") {
    std::string why;
    if (!conv_transpose_phases_fit(s, &why))
      throw Error("int8 transposed convolution: tactic '" + tactic + "' does not fit: " + why);
    // Each output phase (ky, kx) is a 1x1 GEMM over the input pixels whose epilogue writes its
    // rows straight to the phase's output pixels; one launch covers every phase.
    const int64_t taps = s.kernel_h * s.kernel_w;
    const size_t w_bytes = static_cast<size_t>(taps * s.k * s.c);
    if (w_bytes > res.workspace_bytes)
      throw Error("int8 transposed convolution: the workspace is too small for the weights");
    auto* phases = static_cast<int8_t*>(res.workspace);
    pack_phases_kernel<<<grid_for(taps * s.k * s.c, 256), 256, 0, res.stream>>>(s, w, phases);
    QRT_CUDA_CHECK_LAUNCH();
    Int8ConvShape gemm;
    gemm.n = s.n;
    gemm.h = gemm.out_h = s.h;
    gemm.w = gemm.out_w = s.w;
    gemm.c = s.c;
    gemm.k = s.k;
    PhaseMap map;
    map.kernel_w = static_cast<int>(s.kernel_w);
    map.stride_h = static_cast<int>(s.stride_h);
    map.stride_w = static_cast<int>(s.stride_w);
    map.out_h = static_cast<int>(s.out_h);
    map.out_w = static_cast<int>(s.out_w);
    map.taps = static_cast<int>(taps);
    map.tap_bytes = s.k * s.c;
    const bool staged = tactic == "phases_s" || tactic == "phases_fs";
    if (tactic == "phases_f")
      launch_igemm<64, false, kFewStages, kFewMinBlocks>(gemm, x, phases, e, res.stream, map);
    else if (tactic == "phases_fs")
      launch_igemm<64, true, kFewStages, kFewMinBlocks>(gemm, x, phases, e, res.stream, map);
    else if (s.k <= 64 && staged)
      launch_igemm<64, true>(gemm, x, phases, e, res.stream, map);
    else if (s.k <= 64)
      launch_igemm<64, false>(gemm, x, phases, e, res.stream, map);
    else if (staged)
      launch_igemm<128, true>(gemm, x, phases, e, res.stream, map);
    else
      launch_igemm<128, false>(gemm, x, phases, e, res.stream, map);
    return;
  }
  conv_transpose_direct_kernel<<<grid_for(s.pixels() * s.k, 256), 256, 0, res.stream>>>(
      DirectParams{s, x, Int8Weights{w, 0, 0, 0, 0}, e});
  QRT_CUDA_CHECK_LAUNCH();
}

namespace {

// Times `run(x, w, epilogue)` on scratch operands of the shape (see time_int8_conv).
template <typename Run>
float time_int8_kernel(const Int8ConvShape& s, const Resources& res, int runs,
                       const Int8Epilogue* form, const Run& run) {
  const size_t x_bytes = static_cast<size_t>(s.n * s.h * s.w * s.c);
  const size_t y_elems = static_cast<size_t>(s.pixels() * s.k);
  DeviceBuffer x(std::max<size_t>(x_bytes, 1), "tuning input");
  DeviceBuffer w(static_cast<size_t>(std::max<int64_t>(s.k * s.depth(), 1)), "tuning weights");
  DeviceBuffer scales(static_cast<size_t>(s.k) * sizeof(float), "tuning scales");
  const bool f32_out = form && !form->y_i8;
  DeviceBuffer y(std::max<size_t>(y_elems * (f32_out ? 4 : 1), 1), "tuning output");
  const bool residual = form && (form->residual_i8 || form->residual_f32);
  DeviceBuffer r(residual ? y_elems * (form->residual_f32 ? 4 : 1) : 1, "tuning residual");
  QRT_CUDA_CHECK(cudaMemsetAsync(x.get(), 1, x_bytes, res.stream));
  QRT_CUDA_CHECK(cudaMemsetAsync(w.get(), 1, w.size(), res.stream));
  QRT_CUDA_CHECK(cudaMemsetAsync(scales.get(), 0, scales.size(), res.stream));
  Int8Epilogue e;
  e.scales = static_cast<const float*>(scales.get());
  e.in_scale = 1.f;
  e.y_i8 = static_cast<int8_t*>(y.get());
  e.inv_y_scale = 1.f;
  if (form) {  // the node's epilogue: residual kind, activation, output type
    QRT_CUDA_CHECK(cudaMemsetAsync(r.get(), 0, r.size(), res.stream));
    if (form->residual_i8) e.residual_i8 = static_cast<const int8_t*>(r.get());
    if (form->residual_f32) e.residual_f32 = static_cast<const float*>(r.get());
    e.r_scale = 1.f;
    e.clamps = form->clamps;
    e.lo = form->lo;
    e.hi = form->hi;
    if (f32_out) {
      e.y_i8 = nullptr;
      e.y_f32 = static_cast<float*>(y.get());
    }
  }
  const auto* xp = static_cast<const int8_t*>(x.get());
  const auto* wp = static_cast<const int8_t*>(w.get());
  run(xp, wp, e);  // warm-up (and cuBLASLt's plan)
  cudaEvent_t start, stop;
  QRT_CUDA_CHECK(cudaEventCreate(&start));
  QRT_CUDA_CHECK(cudaEventCreate(&stop));
  QRT_CUDA_CHECK(cudaEventRecord(start, res.stream));
  for (int i = 0; i < runs; ++i) run(xp, wp, e);
  QRT_CUDA_CHECK(cudaEventRecord(stop, res.stream));
  QRT_CUDA_CHECK(cudaEventSynchronize(stop));
  float ms = 0.f;
  QRT_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
  QRT_CUDA_CHECK(cudaEventDestroy(start));
  QRT_CUDA_CHECK(cudaEventDestroy(stop));
  return ms / static_cast<float>(runs);
}

}  // namespace

float time_int8_conv(const Int8ConvShape& s, const std::string& tactic, const Resources& res,
                     int runs, const Int8Epilogue* form) {
  return time_int8_kernel(
      s, res, runs, form, [&](const int8_t* x, const int8_t* w, const Int8Epilogue& e) {
        std::string why;
        if (tactic == "cudnn" && !cudnn_int8_conv_ready(s, e, true, &why))
          throw Error("int8 convolution: no cuDNN plan: " + why);
        if (tactic == "cudnn_pad" && !padded_cudnn_ready(s, e, res.workspace_bytes, true, &why))
          throw Error("int8 convolution: no cuDNN plan for the padded channels: " + why);
        conv_int8_nhwc(s, x, Int8Weights::ohwi(w, s), e, tactic, res);
      });
}

std::vector<std::string> conv_transpose_int8_tactics(const Int8ConvShape& s) {
  std::vector<std::string> out{""};
  if (conv_transpose_phases_fit(s))
    for (const std::string t : kConvTransposeInt8Tactics)
      if (s.c <= kFewMaxDepth || t.find("_f") == std::string::npos) out.push_back(t);
  return out;
}

float time_conv_transpose_int8(const Int8ConvShape& s, const std::string& tactic,
                               const Resources& res, int runs, const Int8Epilogue* form) {
  return time_int8_kernel(s, res, runs, form,
                          [&](const int8_t* x, const int8_t* w, const Int8Epilogue& e) {
                            conv_transpose_int8_nhwc(s, x, w, e, tactic, res);
                          });
}

std::string tune_conv_transpose_int8(const Int8ConvShape& s, const Resources& res,
                                     const Int8Epilogue* form) {
  std::string best;
  float best_ms = std::numeric_limits<float>::infinity();
  for (const std::string& t : conv_transpose_int8_tactics(s)) {
    const float ms = time_conv_transpose_int8(s, t, res, 10, form);
    if (ms < best_ms) {
      best_ms = ms;
      best = t;
    }
  }
  return best;
}

std::string tune_int8_conv(const Int8ConvShape& s, const Resources& res, const Int8Epilogue* form) {
  const std::vector<std::string> candidates = int8_conv_tactics(s);
  std::string best = candidates[0];
  float best_ms = std::numeric_limits<float>::infinity();
  for (const std::string& t : candidates) {
    float ms;
    try {
      ms = time_int8_conv(s, t, res, 10, form);
    } catch (const Error&) {
      continue;  // e.g. no cuBLASLt algorithm for the shape: not a candidate
    }
    if (ms < best_ms) {
      best_ms = ms;
      best = t;
    }
  }
  return best;
}

}  // namespace qrt::cuda
