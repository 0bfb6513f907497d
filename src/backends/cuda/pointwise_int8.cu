// The "pw16" tactic of ConvInt8 (pointwise_int8.h). A block covers 256 pixels and one block of
// 16 output channels (grid y): every thread of the block reads the same weight word at a time, a
// shared-memory broadcast. A pixel's c input bytes are held in registers as c / 4 dp4a words.
// int32 sums are exact; the epilogue is int8_epilogue.cuh's, so results equal the reference's bit
// for bit.
#include <cuda_runtime.h>

#include <cstdint>

#include "backends/cuda/cuda_check.h"
#include "backends/cuda/int8_epilogue.cuh"
#include "backends/cuda/pointwise_int8.h"

namespace qrt::cuda {
namespace {

constexpr int kThreads = 256;
constexpr int kOut = 16;       // output channels per thread
constexpr int kMaxWords = 16;  // input channels / 4, at most

struct PointwiseParams {
  const int8_t* x;
  Int8Weights w;
  Int8Epilogue e;
  int pixels, c, k;
};

__global__ void __launch_bounds__(kThreads) pointwise16_kernel(const PointwiseParams p) {
  __shared__ int32_t weights[kOut * kMaxWords];  // [output channel of the block][input word]
  const int k0 = static_cast<int>(blockIdx.y) * kOut, words = p.c / 4;
  const int count = min(kOut, p.k - k0);
  auto* weight_bytes = reinterpret_cast<int8_t*>(weights);
  for (int i = threadIdx.x; i < kOut * p.c; i += kThreads) {
    const int j = i / p.c, ci = i - j * p.c;
    weight_bytes[i] = j < count ? p.w.data[(k0 + j) * p.w.out + ci * p.w.in] : int8_t{0};
  }
  __syncthreads();
  const int pixel = static_cast<int>(blockIdx.x) * kThreads + static_cast<int>(threadIdx.x);
  if (pixel >= p.pixels) return;
  const auto* xp = reinterpret_cast<const int32_t*>(p.x + static_cast<int64_t>(pixel) * p.c);
  int32_t xv[kMaxWords];
#pragma unroll
  for (int q = 0; q < kMaxWords; ++q) xv[q] = q < words ? __ldg(xp + q) : 0;
  int32_t acc[kOut];
#pragma unroll
  for (int j = 0; j < kOut; ++j) {
    int32_t a = 0;
#pragma unroll
    for (int q = 0; q < kMaxWords; ++q)
      if (q < words) a = __dp4a(xv[q], weights[j * words + q], a);
    acc[j] = a;
  }
  const int64_t idx = static_cast<int64_t>(pixel) * p.k + k0;
  const uintptr_t address = p.e.y_i8 ? reinterpret_cast<uintptr_t>(p.e.y_i8 + idx)
                                     : reinterpret_cast<uintptr_t>(p.e.y_f32 + idx);
  if (count == kOut && address % 16 == 0) {
    float r[kOut];
#pragma unroll
    for (int j = 0; j < kOut; ++j) r[j] = epilogue_value(p.e, idx + j, k0 + j, acc[j]);
    store16(p.e, idx, r);
  } else {
#pragma unroll
    for (int j = 0; j < kOut; ++j)
      if (j < count) finish(p.e, idx + j, k0 + j, acc[j]);
  }
}

}  // namespace

bool pointwise16_fits(const Int8ConvShape& s, std::string* reason) {
  auto no = [&](const char* why) {
    if (reason) *reason = why;
    return false;
  };
  if (!s.pointwise()) return no("not a 1x1 stride-1 unpadded convolution");
  if (s.group != 1) return no("grouped");
  if (s.c % 4 != 0) return no("input channels are not a multiple of 4");
  if (s.c > 4 * kMaxWords) return no("more than 64 input channels: the implicit GEMM's depth");
  if (s.pixels() * s.k >= (int64_t{1} << 31) || s.pixels() * s.c >= (int64_t{1} << 31) ||
      (s.k + kOut - 1) / kOut > 65535)
    return no("too large for 32-bit indices");
  return true;
}

bool launch_pointwise16(const Int8ConvShape& s, const int8_t* x, const Int8Weights& w,
                        const Int8Epilogue& e, cudaStream_t stream) {
  std::string why;
  if (!pointwise16_fits(s, &why)) throw Error("int8 convolution: tactic 'pw16': " + why);
  if (reinterpret_cast<uintptr_t>(x) % 4 != 0) return false;
  if (s.pixels() == 0 || s.k == 0) return true;
  const PointwiseParams p{
      x, w, e, static_cast<int>(s.pixels()), static_cast<int>(s.c), static_cast<int>(s.k)};
  const dim3 grid(static_cast<unsigned>((s.pixels() + kThreads - 1) / kThreads),
                  static_cast<unsigned>((s.k + kOut - 1) / kOut));
  pointwise16_kernel<<<grid, kThreads, 0, stream>>>(p);
  QRT_CUDA_CHECK_LAUNCH();
  return true;
}

}  // namespace qrt::cuda
