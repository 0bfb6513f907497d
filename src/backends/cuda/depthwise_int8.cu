// The "dw16x2" / "dw16x4" tactics of ConvInt8: 3x3 depthwise convolutions (MobileNetV2's) with
// 16 channels per thread, so that every tap is one 16-byte load, and the multiply-adds on dp4a:
// the 9 taps of a channel are gathered four at a time into one 32-bit word (a 4x4 byte
// transpose of four loaded words) and dotted with the same channel's weights, packed once per
// thread. Each thread computes 2 or 4 neighbouring output pixels of a row, reusing its weights.
// int32 sums are exact, so any summation order gives the reference's result; the epilogue is
// int8_epilogue.cuh's (its fast form for int8 outputs).
#include <cuda_runtime.h>

#include <cstdint>

#include "backends/cuda/cuda_check.h"
#include "backends/cuda/depthwise_int8.h"
#include "backends/cuda/int8_epilogue.cuh"

namespace qrt::cuda {
namespace {

constexpr int kChannels = 16;  // per thread: one int4 load per tap
constexpr int kTaps = 9;       // 3x3
constexpr int kTapGroups = 3;  // taps in words of four: 0-3, 4-7, 8 (+ three zero weights)
constexpr int kThreads = 256;

struct DepthwiseParams {
  const int8_t* x;
  const int8_t* w;  // [c, 3, 3]: each channel's 9 weights contiguous
  Int8Epilogue e;
  int n, h, w_in, c, out_h, out_w;
  int stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w;
  int channel_blocks, pixel_blocks;  // c / 16, ceil(out_w / pixels per thread)
  // int8 output, no f32 residual; Y, an int8 residual, scales and bias 16-byte aligned.
  bool fast;
  QuantBounds bounds;  // of the fast epilogue
};

// Words a, b, c, d hold channels 0-3 of four taps; out[j] gets channel j's four taps in order.
__device__ __forceinline__ void transpose_bytes(uint32_t a, uint32_t b, uint32_t c, uint32_t d,
                                                uint32_t out[4]) {
  const uint32_t ab_lo = __byte_perm(a, b, 0x5140), ab_hi = __byte_perm(a, b, 0x7362);
  const uint32_t cd_lo = __byte_perm(c, d, 0x5140), cd_hi = __byte_perm(c, d, 0x7362);
  out[0] = __byte_perm(ab_lo, cd_lo, 0x5410);
  out[1] = __byte_perm(ab_lo, cd_lo, 0x7632);
  out[2] = __byte_perm(ab_hi, cd_hi, 0x5410);
  out[3] = __byte_perm(ab_hi, cd_hi, 0x7632);
}

template <int kPixels>
__global__ void __launch_bounds__(kThreads) depthwise16_kernel(const DepthwiseParams p) {
  const int thread = blockIdx.x * kThreads + threadIdx.x;
  if (thread >= p.n * p.out_h * p.pixel_blocks * p.channel_blocks) return;
  // Channels fastest: neighbouring threads load neighbouring 16-byte chunks of a pixel.
  const int channel_block = thread % p.channel_blocks;
  int rest = thread / p.channel_blocks;
  const int pixel_block = rest % p.pixel_blocks;
  rest /= p.pixel_blocks;
  const int oh = rest % p.out_h, n = rest / p.out_h;
  const int c0 = channel_block * kChannels;

  // This thread's 16 x 9 weights (144 contiguous bytes, 16-byte aligned), as dp4a words: channel
  // j's taps 4g .. 4g + 3 in weights[j][g], the taps past the ninth zero.
  uint32_t raw[kChannels * kTaps / 4];
  const int4* w_vec = reinterpret_cast<const int4*>(p.w + static_cast<int64_t>(c0) * kTaps);
#pragma unroll
  for (int i = 0; i < kTaps; ++i) {
    const int4 v = __ldg(w_vec + i);
    raw[4 * i] = v.x;
    raw[4 * i + 1] = v.y;
    raw[4 * i + 2] = v.z;
    raw[4 * i + 3] = v.w;
  }
  uint32_t weights[kChannels][kTapGroups];
#pragma unroll
  for (int j = 0; j < kChannels; ++j)
#pragma unroll
    for (int g = 0; g < kTapGroups; ++g) {
      const int byte = j * kTaps + 4 * g, word = byte / 4, shift = byte % 4;
      const uint32_t next = raw[word + 1 < kChannels * kTaps / 4 ? word + 1 : word];
      const uint32_t four = __byte_perm(raw[word], next, 0x3210 + shift * 0x1111);
      weights[j][g] = g == kTapGroups - 1 ? four & 0xFFu : four;
    }

  const int8_t* image = p.x + static_cast<int64_t>(n) * p.h * p.w_in * p.c + c0;
#pragma unroll
  for (int px = 0; px < kPixels; ++px) {
    const int ow = pixel_block * kPixels + px;
    if (ow >= p.out_w) break;
    // The 9 taps' 16 channels, zero outside the image (the padding).
    uint32_t taps[kTaps][4];
#pragma unroll
    for (int t = 0; t < kTaps; ++t) {
      const int ih = oh * p.stride_h - p.pad_h + (t / 3) * p.dilation_h;
      const int iw = ow * p.stride_w - p.pad_w + (t % 3) * p.dilation_w;
      int4 v = make_int4(0, 0, 0, 0);
      if (ih >= 0 && ih < p.h && iw >= 0 && iw < p.w_in)
        v = __ldg(
            reinterpret_cast<const int4*>(image + (static_cast<int64_t>(ih) * p.w_in + iw) * p.c));
      taps[t][0] = v.x;
      taps[t][1] = v.y;
      taps[t][2] = v.z;
      taps[t][3] = v.w;
    }
    int32_t acc[kChannels];
#pragma unroll
    for (int q = 0; q < 4; ++q) {  // channels 4q .. 4q + 3
      uint32_t lo[4], mid[4];
      transpose_bytes(taps[0][q], taps[1][q], taps[2][q], taps[3][q], lo);
      transpose_bytes(taps[4][q], taps[5][q], taps[6][q], taps[7][q], mid);
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const int ch = 4 * q + j;
        // The ninth tap: byte j of its word at byte 0; the weight word's upper bytes are zero.
        const uint32_t last = __byte_perm(taps[8][q], 0u, j);
        int32_t sum = __dp4a(static_cast<int>(lo[j]), static_cast<int>(weights[ch][0]), 0);
        sum = __dp4a(static_cast<int>(mid[j]), static_cast<int>(weights[ch][1]), sum);
        acc[ch] = __dp4a(static_cast<int>(last), static_cast<int>(weights[ch][2]), sum);
      }
    }

    const int64_t idx = ((static_cast<int64_t>(n) * p.out_h + oh) * p.out_w + ow) * p.c + c0;
    const Int8Epilogue& e = p.e;
    if (p.fast) {
      // int8 output, no f32 residual, 16-byte aligned: int8_epilogue.cuh's fast form (this
      // layer's time is mostly its epilogue), one 16-byte store.
      int4 residual = make_int4(0, 0, 0, 0);
      if (e.residual_i8) residual = __ldg(reinterpret_cast<const int4*>(e.residual_i8 + idx));
      const auto* r_bytes = reinterpret_cast<const int8_t*>(&residual);
      uint32_t words[4];
#pragma unroll
      for (int q = 0; q < 4; ++q) {  // channels 4q .. 4q + 3: one float4 of scales and biases
        const float4 sc = __ldg(reinterpret_cast<const float4*>(e.scales + c0) + q);
        const float4 bi = e.bias ? __ldg(reinterpret_cast<const float4*>(e.bias + c0) + q)
                                 : make_float4(0.f, 0.f, 0.f, 0.f);
        const float s4[4] = {sc.x, sc.y, sc.z, sc.w}, b4[4] = {bi.x, bi.y, bi.z, bi.w};
        uint32_t bits[4];
#pragma unroll
        for (int j = 0; j < 4; ++j) {
          const int ch = 4 * q + j;
          float v = __fadd_rn(__fmul_rn(exact_float(acc[ch]), __fmul_rn(e.in_scale, s4[j])), b4[j]);
          if (e.residual_i8)
            v = __fadd_rn(v, __fmul_rn(static_cast<float>(r_bytes[ch]), e.r_scale));
          bits[j] = quantized_bits(v, e.inv_y_scale, p.bounds);
        }
        words[q] = pack_low_bytes(bits[0], bits[1], bits[2], bits[3]);
      }
      *reinterpret_cast<int4*>(e.y_i8 + idx) =
          make_int4(static_cast<int>(words[0]), static_cast<int>(words[1]),
                    static_cast<int>(words[2]), static_cast<int>(words[3]));
      continue;
    }
    // int8: one 16-byte store; f32: four 16-byte stores.
    if (vector_aligned(e, idx, e.y_i8 ? 16 : 4)) {
      float r[kChannels];
#pragma unroll
      for (int ch = 0; ch < kChannels; ++ch) r[ch] = epilogue_value(e, idx + ch, c0 + ch, acc[ch]);
      store16(e, idx, r);
    } else {
#pragma unroll
      for (int ch = 0; ch < kChannels; ++ch) finish(e, idx + ch, c0 + ch, acc[ch]);
    }
  }
}

}  // namespace

bool depthwise16_fits(const Int8ConvShape& s, std::string* reason) {
  auto no = [&](const char* why) {
    if (reason) *reason = why;
    return false;
  };
  if (s.group != s.c || s.k != s.c)
    return no("not a depthwise convolution with one output channel per group");
  if (s.kernel_h != 3 || s.kernel_w != 3) return no("not a 3x3 kernel");
  if (s.c % kChannels != 0) return no("channels are not a multiple of 16");
  if (s.n * s.h * s.w * s.c >= (int64_t{1} << 31) || s.pixels() * s.c >= (int64_t{1} << 31))
    return no("too large for 32-bit indices");
  return true;
}

bool launch_depthwise16(const Int8ConvShape& s, const int8_t* x, const Int8Weights& w,
                        const Int8Epilogue& e, int pixels_per_thread, cudaStream_t stream) {
  // Each channel's 9 weights contiguous ([c, 1, 3, 3] and [c, 3, 3, 1] alike), and 16-byte
  // loads of X and W aligned: otherwise the caller takes another kernel.
  const bool contiguous = w.out == kTaps && w.tap_h == 3 && w.tap_w == 1;
  if (!depthwise16_fits(s) || !contiguous || reinterpret_cast<uintptr_t>(x) % 16 != 0 ||
      reinterpret_cast<uintptr_t>(w.data) % 16 != 0 ||
      (pixels_per_thread != 2 && pixels_per_thread != 4))
    return false;
  DepthwiseParams p{x,
                    w.data,
                    e,
                    static_cast<int>(s.n),
                    static_cast<int>(s.h),
                    static_cast<int>(s.w),
                    static_cast<int>(s.c),
                    static_cast<int>(s.out_h),
                    static_cast<int>(s.out_w),
                    static_cast<int>(s.stride_h),
                    static_cast<int>(s.stride_w),
                    static_cast<int>(s.pad_h),
                    static_cast<int>(s.pad_w),
                    static_cast<int>(s.dilation_h),
                    static_cast<int>(s.dilation_w),
                    static_cast<int>(s.c / kChannels),
                    static_cast<int>((s.out_w + pixels_per_thread - 1) / pixels_per_thread),
                    e.y_i8 && !e.residual_f32 && reinterpret_cast<uintptr_t>(e.y_i8) % 16 == 0 &&
                        reinterpret_cast<uintptr_t>(e.residual_i8) % 16 == 0 &&
                        reinterpret_cast<uintptr_t>(e.scales) % 16 == 0 &&
                        reinterpret_cast<uintptr_t>(e.bias) % 16 == 0,
                    e.y_i8 ? quant_bounds(e) : QuantBounds{}};
  const int64_t threads = s.n * s.out_h * int64_t{p.pixel_blocks} * p.channel_blocks;
  if (threads == 0) return true;
  const unsigned blocks = static_cast<unsigned>((threads + kThreads - 1) / kThreads);
  if (pixels_per_thread == 2)
    depthwise16_kernel<2><<<blocks, kThreads, 0, stream>>>(p);
  else
    depthwise16_kernel<4><<<blocks, kThreads, 0, stream>>>(p);
  QRT_CUDA_CHECK_LAUNCH();
  return true;
}

}  // namespace qrt::cuda
