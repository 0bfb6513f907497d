// MaxPool, AveragePool, GlobalMaxPool and GlobalAveragePool for f32, f16 (computed in f32,
// rounded once) and int8 (MaxPool: exact on quantized tensors). With the
// attribute channels_last = 1 the input and output are [N, spatial..., C] instead of
// [N, C, spatial...]; then a thread handles a 16-byte pack of channels where C allows.
// Taps are visited in the reference's order (kd, kh, kw), so sums match it; AveragePool's
// divisor counts the taps inside the input, or with count_include_pad those inside the
// explicitly padded input.
#include <limits>
#include <type_traits>

#include "backends/cuda/elementwise.cuh"
#include "backends/reference/window3d.h"

namespace qrt::cuda {
namespace {

struct PoolGeometry {
  int64_t in[3], out[3], kernel[3], stride[3], dilation[3], pad_begin[3], pad_end[3];
  int64_t channels;
  bool include_pad;
};

bool channels_last(const ir::Node& node) { return node.attr_int("channels_last", 0) != 0; }

PoolGeometry pool_geometry(const KernelArgs& args) {
  const std::vector<int64_t>& xs = args.in(0).shape();
  const bool last = channels_last(args.node);
  const std::span<const int64_t> spatial(xs.data() + (last ? 1 : 2), xs.size() - 2);
  const reference::Window3 w = reference::to_window3(
      ops::sliding_window_geometry(args.node, spatial, args.node.attr_ints("kernel_shape"),
                                   args.node.attr_int("ceil_mode", 0) != 0));
  PoolGeometry g{};
  for (int i = 0; i < 3; ++i) {
    g.in[i] = w.in[i], g.out[i] = w.out[i], g.kernel[i] = w.kernel[i];
    g.stride[i] = w.stride[i], g.dilation[i] = w.dilation[i];
    g.pad_begin[i] = w.pad_begin[i], g.pad_end[i] = w.pad_end[i];
  }
  g.channels = last ? xs.back() : xs[1];
  g.include_pad = args.node.attr_int("count_include_pad", 0) != 0;
  return g;
}

// The taps k in [lo, hi) for which offset + k * step lies in [0, size).
__device__ __forceinline__ void tap_range(int64_t offset, int64_t step, int64_t size, int64_t count,
                                          int64_t& lo, int64_t& hi) {
  lo = offset >= 0 ? 0 : (-offset + step - 1) / step;
  hi = size - 1 - offset < 0 ? 0 : min(count, (size - 1 - offset) / step + 1);
  lo = min(lo, hi);
}

struct MaxReduce {
  template <typename A>
  __device__ static A init() {
    return std::numeric_limits<A>::lowest();
  }
  // A NaN never replaces the running max, as the reference.
  template <typename A>
  __device__ static A update(A acc, A v) {
    return v > acc ? v : acc;
  }
  template <typename A>
  __device__ static A finish(A acc, int64_t) {
    return acc;
  }
};
struct AverageReduce {
  template <typename A>
  __device__ static A init() {
    return A(0);
  }
  template <typename A>
  __device__ static A update(A acc, A v) {
    return acc + v;
  }
  template <typename A>
  __device__ static A finish(A acc, int64_t count) {
    return acc / static_cast<A>(count);
  }
};

// One output position of N channels: `plane` points at the first element of the (n, c) input
// plane (NCHW, tap_step 1) or at channel c of image n (NHWC, tap_step C).
template <typename Reduce, typename T, int N>
__device__ __forceinline__ Pack<T, N> pool_point(const PoolGeometry& g, const int64_t (&o)[3],
                                                 const T* __restrict__ plane, int64_t tap_step) {
  using A = compute_t<T>;
  A acc[N];
#pragma unroll
  for (int j = 0; j < N; ++j) acc[j] = Reduce::template init<A>();
  int64_t start[3], lo[3], hi[3], count = 1;
#pragma unroll
  for (int i = 0; i < 3; ++i) {
    start[i] = o[i] * g.stride[i] - g.pad_begin[i];
    tap_range(start[i], g.dilation[i], g.in[i], g.kernel[i], lo[i], hi[i]);
    int64_t clo = lo[i], chi = hi[i];
    if (g.include_pad)
      tap_range(start[i] + g.pad_begin[i], g.dilation[i], g.in[i] + g.pad_begin[i] + g.pad_end[i],
                g.kernel[i], clo, chi);
    count *= chi - clo;
  }
  for (int64_t k0 = lo[0]; k0 < hi[0]; ++k0)
    for (int64_t k1 = lo[1]; k1 < hi[1]; ++k1) {
      const int64_t row = (start[0] + k0 * g.dilation[0]) * g.in[1] + start[1] + k1 * g.dilation[1];
      for (int64_t k2 = lo[2]; k2 < hi[2]; ++k2) {
        const int64_t tap = row * g.in[2] + start[2] + k2 * g.dilation[2];
        const Pack<T, N> v = *reinterpret_cast<const Pack<T, N>*>(plane + tap * tap_step);
#pragma unroll
        for (int j = 0; j < N; ++j) acc[j] = Reduce::update(acc[j], convert<A>(v.v[j]));
      }
    }
  Pack<T, N> out;
#pragma unroll
  for (int j = 0; j < N; ++j) out.v[j] = convert<T>(Reduce::finish(acc[j], count));
  return out;
}

template <typename Reduce, typename T>
__global__ void pool_nchw(const T* __restrict__ x, T* __restrict__ y, PoolGeometry g,
                          int64_t total) {
  const int64_t out_size = g.out[0] * g.out[1] * g.out[2];
  const int64_t in_size = g.in[0] * g.in[1] * g.in[2];
  QRT_GRID_STRIDE(i, total) {
    const int64_t plane = i / out_size, r = i - plane * out_size;
    const int64_t o[3] = {r / (g.out[1] * g.out[2]), r / g.out[2] % g.out[1], r % g.out[2]};
    y[i] = pool_point<Reduce, T, 1>(g, o, x + plane * in_size, 1).v[0];
  }
}

// Items are (n, output position, pack of N channels), channels fastest.
template <typename Reduce, typename T, int N>
__global__ void pool_nhwc(const T* __restrict__ x, T* __restrict__ y, PoolGeometry g,
                          int64_t total) {
  const int64_t out_size = g.out[0] * g.out[1] * g.out[2];
  const int64_t in_size = g.in[0] * g.in[1] * g.in[2];
  const int64_t packs = g.channels / N;
  QRT_GRID_STRIDE(i, total) {
    const int64_t c = (i % packs) * N, pos = i / packs;
    const int64_t n = pos / out_size, r = pos - n * out_size;
    const int64_t o[3] = {r / (g.out[1] * g.out[2]), r / g.out[2] % g.out[1], r % g.out[2]};
    reinterpret_cast<Pack<T, N>*>(y)[i] =
        pool_point<Reduce, T, N>(g, o, x + n * in_size * g.channels + c, g.channels);
  }
}

// 2-D MaxPool of int8 NHWC, 16 channels a thread: 32-bit index arithmetic and a byte-wise SIMD
// max (__vmaxs4). The generic kernel's 64-bit divisions per item cost ~3.5x the memory time on
// ResNet-50's pool (0.305 ms at batch 256, H100). Taps outside the input are skipped, as there.
struct Pool2d {
  int in_h, in_w, out_h, out_w, kernel_h, kernel_w, stride_h, stride_w, dilation_h, dilation_w,
      pad_h, pad_w, packs;
};

__global__ void max_pool2d_nhwc_i8(const int4* __restrict__ x, int4* __restrict__ y, Pool2d g,
                                   int total) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += gridDim.x * blockDim.x) {
    const int c = i % g.packs, pos = i / g.packs;
    const int ow = pos % g.out_w, oh = pos / g.out_w % g.out_h, n = pos / (g.out_w * g.out_h);
    const int h0 = oh * g.stride_h - g.pad_h, w0 = ow * g.stride_w - g.pad_w;
    const int4* image = x + n * g.in_h * g.in_w * g.packs + c;
    constexpr unsigned kLowest = 0x80808080u;  // -128 in every byte
    unsigned acc[4] = {kLowest, kLowest, kLowest, kLowest};
    for (int kh = 0; kh < g.kernel_h; ++kh) {
      const int ih = h0 + kh * g.dilation_h;
      if (ih < 0 || ih >= g.in_h) continue;
      for (int kw = 0; kw < g.kernel_w; ++kw) {
        const int iw = w0 + kw * g.dilation_w;
        if (iw < 0 || iw >= g.in_w) continue;
        const int4 v = image[(ih * g.in_w + iw) * g.packs];
        acc[0] = __vmaxs4(acc[0], static_cast<unsigned>(v.x));
        acc[1] = __vmaxs4(acc[1], static_cast<unsigned>(v.y));
        acc[2] = __vmaxs4(acc[2], static_cast<unsigned>(v.z));
        acc[3] = __vmaxs4(acc[3], static_cast<unsigned>(v.w));
      }
    }
    y[i] = make_int4(static_cast<int>(acc[0]), static_cast<int>(acc[1]), static_cast<int>(acc[2]),
                     static_cast<int>(acc[3]));
  }
}

// Whether the int8 fast path takes the shape: 2-D, 16-byte channel packs, 32-bit sizes.
bool fits_max_pool2d_i8(const PoolGeometry& g, const void* x, const void* y, int64_t in_numel,
                        int64_t out_numel) {
  constexpr int64_t kLimit = int64_t{1} << 31;
  return g.in[0] == 1 && g.kernel[0] == 1 && g.channels % 16 == 0 && aligned16(x) && aligned16(y) &&
         in_numel < kLimit && out_numel < kLimit;
}

template <typename Reduce, typename T>
void pool(const KernelArgs& args) {
  const Resources& res = resources(args);
  const PoolGeometry g = pool_geometry(args);
  const T* x = device_ptr<T>(args.in(0));
  T* y = device_ptr<T>(args.out(0));
  const int64_t total = args.out(0).numel();
  if (!channels_last(args.node)) return launch(res, total, pool_nchw<Reduce, T>, x, y, g, total);
  if constexpr (std::is_same_v<Reduce, MaxReduce> && std::is_same_v<T, int8_t>) {
    if (fits_max_pool2d_i8(g, x, y, args.in(0).numel(), total)) {
      const auto i32 = [](int64_t v) { return static_cast<int>(v); };
      const Pool2d p{i32(g.in[1]),        i32(g.in[2]),        i32(g.out[1]),
                     i32(g.out[2]),       i32(g.kernel[1]),    i32(g.kernel[2]),
                     i32(g.stride[1]),    i32(g.stride[2]),    i32(g.dilation[1]),
                     i32(g.dilation[2]),  i32(g.pad_begin[1]), i32(g.pad_begin[2]),
                     i32(g.channels / 16)};
      const int packs = i32(total / 16);
      return launch(res, packs, max_pool2d_nhwc_i8, reinterpret_cast<const int4*>(x),
                    reinterpret_cast<int4*>(y), p, packs);
    }
  }
  constexpr int N = kPackOf<T>;
  if (g.channels % N == 0 && aligned16(x) && aligned16(y))
    return launch(res, total / N, pool_nhwc<Reduce, T, N>, x, y, g, total / N);
  launch(res, total, pool_nhwc<Reduce, T, 1>, x, y, g, total);
}

bool pool_supported(const ir::Node& node, const NodeTypes& types, std::string* reason) {
  if (node.output(1)) {
    if (reason) *reason = "the MaxPool Indices output is not supported";
    return false;
  }
  return reference::spatial_rank_supported(node, types, reason);
}

// Global pooling: NCHW a warp per (n, c) plane; NHWC a thread per (n, c), reading along the
// channels (coalesced).
template <typename Reduce, typename T>
__global__ void global_pool_nchw(const T* __restrict__ x, T* __restrict__ y, int64_t planes,
                                 int64_t size) {
  using A = compute_t<T>;
  const int lane = threadIdx.x % 32;
  QRT_GRID_STRIDE(t, planes * 32) {
    const int64_t p = t / 32;
    A acc = Reduce::template init<A>();
    for (int64_t i = lane; i < size; i += 32)
      acc = Reduce::update(acc, convert<A>(x[p * size + i]));
#pragma unroll
    for (int s = 16; s > 0; s /= 2) {
      const A other = __shfl_xor_sync(0xffffffffu, acc, s);
      acc = lane & s ? Reduce::update(other, acc) : Reduce::update(acc, other);
    }
    if (lane == 0) y[p] = convert<T>(Reduce::finish(acc, size));
  }
}

template <typename Reduce, typename T>
__global__ void global_pool_nhwc(const T* __restrict__ x, T* __restrict__ y, int64_t planes,
                                 int64_t channels, int64_t size) {
  using A = compute_t<T>;
  QRT_GRID_STRIDE(p, planes) {
    const int64_t n = p / channels, c = p - n * channels;
    const T* src = x + n * size * channels + c;
    A acc = Reduce::template init<A>();
    for (int64_t i = 0; i < size; ++i) acc = Reduce::update(acc, convert<A>(src[i * channels]));
    y[p] = convert<T>(Reduce::finish(acc, size));
  }
}

template <typename Reduce, typename T>
void global_pool(const KernelArgs& args) {
  const Resources& res = resources(args);
  const Tensor& x = args.in(0);
  const bool last = channels_last(args.node);
  const int64_t channels = last ? x.shape().back() : x.dim(1);
  const int64_t planes = x.dim(0) * channels;
  const int64_t size = planes ? x.numel() / planes : 0;
  const T* xp = device_ptr<T>(x);
  T* yp = device_ptr<T>(args.out(0));
  if (last)
    launch(res, planes, global_pool_nhwc<Reduce, T>, xp, yp, planes, channels, size);
  else
    launch(res, planes * 32, global_pool_nchw<Reduce, T>, xp, yp, planes, size);
}

template <template <typename, typename> class Kernel, typename Reduce>
struct PoolKernel {
  template <DataType D>
  KernelFn operator()(std::integral_constant<DataType, D>) const {
    return Kernel<Reduce, device_t<D>>::run;
  }
};
template <typename Reduce, typename T>
struct Windowed {
  static void run(const KernelArgs& args) { pool<Reduce, T>(args); }
};
template <typename Reduce, typename T>
struct Global {
  static void run(const KernelArgs& args) { global_pool<Reduce, T>(args); }
};

constexpr DataType kF32 = DataType::kFloat32, kF16 = DataType::kFloat16, kI8 = DataType::kInt8;

[[maybe_unused]] const bool kRegistered = [] {
  register_for<kF32, kF16, kI8>("MaxPool", PoolKernel<Windowed, MaxReduce>{}, pool_supported);
  register_for<kF32, kF16>("AveragePool", PoolKernel<Windowed, AverageReduce>{},
                           reference::spatial_rank_supported);
  register_for<kF32, kF16>("GlobalMaxPool", PoolKernel<Global, MaxReduce>{});
  register_for<kF32, kF16>("GlobalAveragePool", PoolKernel<Global, AverageReduce>{});
  return true;
}();

}  // namespace
}  // namespace qrt::cuda
