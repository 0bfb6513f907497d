// The "small16" tactic of ConvInt8: convolutions too narrow for the implicit GEMM's tiles, a
// U-Net's 1-channel first layer (C = 1, K = 64) or its 2-class 1x1 classifier (C = 64, K = 2).
// One thread per output pixel and block of 2, 4, 8 or 16 output channels (as few as K needs),
// all weights staged in shared memory; input channels in 16-byte loads and dp4a when C is a
// multiple of 16, one by one otherwise. int32 sums are exact; the epilogue is
// int8_epilogue.cuh's, so results equal the reference's bit for bit.
#include <cuda_runtime.h>

#include <cstdint>

#include "backends/cuda/cuda_check.h"
#include "backends/cuda/int8_epilogue.cuh"
#include "backends/cuda/small_conv_int8.h"

namespace qrt::cuda {
namespace {

constexpr int kMaxOutBlock = 16;  // output channels per thread, at most
constexpr int kThreads = 256;
constexpr int64_t kMaxSharedWeights = 32 * 1024;  // k * taps * c bytes

struct SmallParams {
  const int8_t* x;
  Int8Weights w;
  Int8Epilogue e;
  int n, h, w_in, c, k, out_h, out_w, kernel_h, kernel_w;
  int stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w;
  int out_blocks;  // ceil(k / kOut)
};

// One thread per (output pixel, block of kOut output channels), the channel block fastest so that
// neighbouring threads store neighbouring bytes; every output channel's weights in shared memory
// ([k][taps][c]).
template <bool kVector, int kOut>
__global__ void __launch_bounds__(kThreads) small_conv_kernel(const SmallParams p) {
  extern __shared__ int4 shared_words[];
  auto* weights = reinterpret_cast<int8_t*>(shared_words);
  const int taps = p.kernel_h * p.kernel_w, depth = taps * p.c;
  for (int i = threadIdx.x; i < p.k * depth; i += kThreads) {
    const int o = i / depth, rest = i % depth, tap = rest / p.c, ci = rest % p.c;
    weights[i] = p.w.data[o * p.w.out + ci * p.w.in + tap / p.kernel_w * p.w.tap_h +
                          tap % p.kernel_w * p.w.tap_w];
  }
  __syncthreads();
  const int thread = blockIdx.x * kThreads + threadIdx.x;
  if (thread >= p.n * p.out_h * p.out_w * p.out_blocks) return;
  const int k0 = thread % p.out_blocks * kOut, pixel = thread / p.out_blocks;
  const int count = min(kOut, p.k - k0);
  const int ow = pixel % p.out_w, oh = pixel / p.out_w % p.out_h, n = pixel / (p.out_w * p.out_h);
  const int8_t* block_weights = weights + k0 * depth;
  int32_t acc[kOut];
#pragma unroll
  for (int j = 0; j < kOut; ++j) acc[j] = 0;
  for (int kh = 0; kh < p.kernel_h; ++kh) {
    const int ih = oh * p.stride_h - p.pad_h + kh * p.dilation_h;
    if (ih < 0 || ih >= p.h) continue;
    for (int kw = 0; kw < p.kernel_w; ++kw) {
      const int iw = ow * p.stride_w - p.pad_w + kw * p.dilation_w;
      if (iw < 0 || iw >= p.w_in) continue;
      const int8_t* xp = p.x + ((static_cast<int64_t>(n) * p.h + ih) * p.w_in + iw) * p.c;
      const int8_t* wp = block_weights + (kh * p.kernel_w + kw) * p.c;
      if constexpr (kVector) {
        for (int ci = 0; ci < p.c; ci += 16) {
          const int4 xv = __ldg(reinterpret_cast<const int4*>(xp + ci));
#pragma unroll
          for (int j = 0; j < kOut; ++j) {
            if (j >= count) break;
            const int4 wv = *reinterpret_cast<const int4*>(wp + j * depth + ci);
            int32_t s = __dp4a(xv.x, wv.x, acc[j]);
            s = __dp4a(xv.y, wv.y, s);
            s = __dp4a(xv.z, wv.z, s);
            acc[j] = __dp4a(xv.w, wv.w, s);
          }
        }
      } else {
        for (int ci = 0; ci < p.c; ++ci) {
          const int32_t xv = xp[ci];
#pragma unroll
          for (int j = 0; j < kOut; ++j)
            if (j < count) acc[j] += xv * int32_t{wp[j * depth + ci]};
        }
      }
    }
  }
  const int64_t idx = static_cast<int64_t>(pixel) * p.k + k0;
  if (kOut >= 4 && count == kOut && vector_aligned(p.e, idx, 4)) {
#pragma unroll
    for (int q = 0; q < kOut / 4; ++q)
      finish_quad(p.e, idx + 4 * q, k0 + 4 * q,
                  make_int4(acc[4 * q], acc[4 * q + 1], acc[4 * q + 2], acc[4 * q + 3]));
  } else if (kOut == 2 && count == 2 && vector_aligned(p.e, idx, 2)) {
    finish_pair(p.e, idx, k0, acc[0], acc[kOut - 1]);
  } else {
#pragma unroll
    for (int j = 0; j < kOut; ++j)
      if (j < count) finish(p.e, idx + j, k0 + j, acc[j]);
  }
}

template <bool kVector>
void launch_blocks(const SmallParams& p, int out_block, unsigned blocks, size_t shared,
                   cudaStream_t stream) {
  if (out_block == 2)
    small_conv_kernel<kVector, 2><<<blocks, kThreads, shared, stream>>>(p);
  else if (out_block == 4)
    small_conv_kernel<kVector, 4><<<blocks, kThreads, shared, stream>>>(p);
  else if (out_block == 8)
    small_conv_kernel<kVector, 8><<<blocks, kThreads, shared, stream>>>(p);
  else
    small_conv_kernel<kVector, 16><<<blocks, kThreads, shared, stream>>>(p);
}

}  // namespace

bool small_conv_fits(const Int8ConvShape& s, std::string* reason) {
  auto no = [&](const char* why) {
    if (reason) *reason = why;
    return false;
  };
  if (s.group != 1) return no("grouped");
  if (s.c % 16 == 0 && s.k > kMaxOutBlock) return no("wide in and out: the implicit GEMM's shapes");
  if (s.k * s.kernel_h * s.kernel_w * s.c > kMaxSharedWeights)
    return no("the weights exceed 32 KB");
  if (s.n * s.h * s.w * s.c >= (int64_t{1} << 31) || s.pixels() * s.k >= (int64_t{1} << 31))
    return no("too large for 32-bit indices");
  return true;
}

void launch_small_conv(const Int8ConvShape& s, const int8_t* x, const Int8Weights& w,
                       const Int8Epilogue& e, cudaStream_t stream) {
  std::string why;
  if (!small_conv_fits(s, &why)) throw Error("int8 convolution: tactic 'small16': " + why);
  const int out_block = s.k <= 2 ? 2 : s.k <= 4 ? 4 : s.k <= 8 ? 8 : kMaxOutBlock;
  const SmallParams p{x,
                      w,
                      e,
                      static_cast<int>(s.n),
                      static_cast<int>(s.h),
                      static_cast<int>(s.w),
                      static_cast<int>(s.c),
                      static_cast<int>(s.k),
                      static_cast<int>(s.out_h),
                      static_cast<int>(s.out_w),
                      static_cast<int>(s.kernel_h),
                      static_cast<int>(s.kernel_w),
                      static_cast<int>(s.stride_h),
                      static_cast<int>(s.stride_w),
                      static_cast<int>(s.pad_h),
                      static_cast<int>(s.pad_w),
                      static_cast<int>(s.dilation_h),
                      static_cast<int>(s.dilation_w),
                      static_cast<int>((s.k + out_block - 1) / out_block)};
  const int64_t threads = s.pixels() * p.out_blocks;
  if (threads == 0) return;
  const auto blocks = static_cast<unsigned>((threads + kThreads - 1) / kThreads);
  const size_t shared = static_cast<size_t>(s.k * s.kernel_h * s.kernel_w * s.c);
  // 16-byte loads need X aligned and every pixel's channels starting on 16 bytes.
  if (s.c % 16 == 0 && reinterpret_cast<uintptr_t>(x) % 16 == 0)
    launch_blocks<true>(p, out_block, blocks, shared, stream);
  else
    launch_blocks<false>(p, out_block, blocks, shared, stream);
  QRT_CUDA_CHECK_LAUNCH();
}

}  // namespace qrt::cuda
