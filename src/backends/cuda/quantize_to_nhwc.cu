// qrt.QuantizeToNhwc on the GPU: f32 NCHW in, int8 NHWC out, in one pass (the INT8 engine's
// input: QuantizeLinear and the "<value>:nhwc" Transpose fused by
// passes::fuse_quantize_to_nhwc). Every element goes through QuantizeLinearFn, the device
// function of the QuantizeLinear kernel, so the results are QuantizeLinear's bit for bit. The
// scale and zero point are read on the device, as QuantizeLinear reads them.
//
// Per image the input is a [C, H*W] matrix and the output its transpose [H*W, C]:
// - C <= 4: each thread takes 4 consecutive pixels, reads them from each of the C planes (one
//   16-byte load per plane when H*W is a multiple of 4 and X is 16-byte aligned) and writes
//   their 4*C bytes as C 32-bit words: reads and writes coalesced, no shared memory. C = 1 is a
//   plain quantization.
// - C > 4: 32 channels x 32 pixels per block through shared memory: rows of 32 pixels are read
//   along W (128 bytes per warp) and written as runs of channels per pixel, 4 channels (one
//   32-bit word) per thread when C is a multiple of 4.
// Indices are 32-bit when the tensor has fewer than 2^31 elements.
#include "backends/cuda/elementwise.cuh"
#include "backends/cuda/int8_numerics.cuh"

namespace qrt::cuda {
namespace {

// The quantization of one element with the node's per-tensor scale and optional zero point.
struct Quantizer {
  const void* scale;         // f32 or f16, one element
  bool half_scale;           // scale is f16
  const int8_t* zero_point;  // null: omitted

  struct Loaded {
    float scale;
    int8_t zero_point;
    bool has_zero_point;
    __device__ __forceinline__ int8_t operator()(float x) const {
      // The f16 scale widened to f32 is exact: QuantizeLinear's static_cast<float>(scale).
      return has_zero_point ? QuantizeLinearFn<int8_t>{}(x, scale, zero_point)
                            : QuantizeLinearFn<int8_t>{}(x, scale);
    }
  };
  __device__ __forceinline__ Loaded load() const {
    Loaded l;
    l.scale = half_scale ? __half2float(*static_cast<const __half*>(scale))
                         : *static_cast<const float*>(scale);
    l.has_zero_point = zero_point != nullptr;
    l.zero_point = l.has_zero_point ? *zero_point : int8_t{0};
    return l;
  }
};

__device__ __forceinline__ uint32_t byte_at(int8_t b, int shift) {
  return static_cast<uint32_t>(static_cast<uint8_t>(b)) << shift;
}

// C <= 4: one group of 4 consecutive pixels (over all images) per thread. kVec: H*W is a
// multiple of 4 and x 16-byte aligned, so a group lies in one image and each plane's 4 values
// are one float4. words: y is 4-byte aligned (always, in an engine's arena).
template <int C, bool kVec, typename Index>
__global__ void quantize_few_channels(const float* __restrict__ x, int8_t* __restrict__ y,
                                      Index pixels, Index hw, bool words, Quantizer q) {
  const Quantizer::Loaded quantize = q.load();
  const int64_t groups = (static_cast<int64_t>(pixels) + 3) / 4;
  QRT_GRID_STRIDE(g, groups) {
    const Index p0 = static_cast<Index>(g) * 4;
    float v[C][4];
    if constexpr (kVec) {
      const Index n = p0 / hw, p = p0 - n * hw;
      const float* base = x + n * (hw * C) + p;
#pragma unroll
      for (int c = 0; c < C; ++c) {
        const float4 f = *reinterpret_cast<const float4*>(base + c * hw);
        v[c][0] = f.x, v[c][1] = f.y, v[c][2] = f.z, v[c][3] = f.w;
      }
    } else {
#pragma unroll
      for (int j = 0; j < 4; ++j) {
        const Index pj = p0 + j < pixels ? p0 + j : pixels - 1;  // the tail repeats a pixel
        const Index n = pj / hw, p = pj - n * hw;
#pragma unroll
        for (int c = 0; c < C; ++c) v[c][j] = x[n * (hw * C) + c * hw + p];
      }
    }
    int8_t b[4 * C];
#pragma unroll
    for (int j = 0; j < 4; ++j)
#pragma unroll
      for (int c = 0; c < C; ++c) b[j * C + c] = quantize(v[c][j]);
    int8_t* out = y + p0 * C;
    if (words && p0 + 4 <= pixels) {  // 4*C bytes at a multiple of 4*C: C aligned words
#pragma unroll
      for (int k = 0; k < C; ++k)
        reinterpret_cast<uint32_t*>(out)[k] = byte_at(b[4 * k], 0) | byte_at(b[4 * k + 1], 8) |
                                              byte_at(b[4 * k + 2], 16) | byte_at(b[4 * k + 3], 24);
    } else {
#pragma unroll
      for (int k = 0; k < 4 * C; ++k)
        if (p0 + k / C < pixels) out[k] = b[k];
    }
  }
}

constexpr int kTile = 32;  // channels and pixels per tile
constexpr int kRows = 8;   // blockDim.y: the block is kTile x kRows = 256 threads

// C > 4: grid x over tiles of pixels, y over tiles of channels, z over images (each strided).
// kWords: C is a multiple of 4 and y 4-byte aligned, so each thread writes 4 channels of a
// pixel as one word.
template <bool kWords, typename Index>
__global__ void __launch_bounds__(kTile* kRows)
    quantize_tiled(const float* __restrict__ x, int8_t* __restrict__ y, Index images,
                   Index channels, Index hw, Quantizer q) {
  // Row r holds channel c0 + r of the tile's 32 pixels; 36-byte rows keep the column reads
  // of the store phase on distinct banks.
  __shared__ int8_t tile[kTile][kTile + 4];
  const Quantizer::Loaded quantize = q.load();
  const int tx = static_cast<int>(threadIdx.x), ty = static_cast<int>(threadIdx.y);
  const int t = ty * kTile + tx;
  const Index pixel_tiles = (hw + kTile - 1) / kTile,
              channel_tiles = (channels + kTile - 1) / kTile;
  for (Index n = blockIdx.z; n < images; n += gridDim.z)
    for (Index ct = blockIdx.y; ct < channel_tiles; ct += gridDim.y)
      for (Index pt = blockIdx.x; pt < pixel_tiles; pt += gridDim.x) {
        const Index c0 = ct * kTile, p0 = pt * kTile;
#pragma unroll
        for (int i = 0; i < kTile / kRows; ++i) {
          const int r = ty + i * kRows;
          const Index c = c0 + r, p = p0 + tx;
          if (c < channels && p < hw) tile[r][tx] = quantize(x[(n * channels + c) * hw + p]);
        }
        __syncthreads();
        if constexpr (kWords) {
          const int row = t / (kTile / 4), cq = (t % (kTile / 4)) * 4;
          const Index p = p0 + row, c = c0 + cq;
          if (p < hw && c < channels)
            *reinterpret_cast<uint32_t*>(y + (n * hw + p) * channels + c) =
                byte_at(tile[cq][row], 0) | byte_at(tile[cq + 1][row], 8) |
                byte_at(tile[cq + 2][row], 16) | byte_at(tile[cq + 3][row], 24);
        } else {
#pragma unroll
          for (int i = 0; i < kTile / kRows; ++i) {
            const int k = t + i * kTile * kRows, row = k / kTile, cc = k % kTile;
            const Index p = p0 + row, c = c0 + cc;
            if (p < hw && c < channels) y[(n * hw + p) * channels + c] = tile[cc][row];
          }
        }
        __syncthreads();  // the tile is refilled by the next iteration
      }
}

template <typename Index>
void launch_quantize(const Resources& res, const float* x, int8_t* y, int64_t n, int64_t c,
                     int64_t hw, const Quantizer& q) {
  if (c <= 4) {
    const int64_t pixels = n * hw;
    const bool vec = hw % 4 == 0 && aligned16(x);
    const bool words = reinterpret_cast<uintptr_t>(y) % 4 == 0;
    auto go = [&](auto kernel) {
      launch(res, (pixels + 3) / 4, kernel, x, y, static_cast<Index>(pixels),
             static_cast<Index>(hw), words, q);
    };
    switch (c * 2 + (vec ? 1 : 0)) {
      case 2:
        return go(quantize_few_channels<1, false, Index>);
      case 3:
        return go(quantize_few_channels<1, true, Index>);
      case 4:
        return go(quantize_few_channels<2, false, Index>);
      case 5:
        return go(quantize_few_channels<2, true, Index>);
      case 6:
        return go(quantize_few_channels<3, false, Index>);
      case 7:
        return go(quantize_few_channels<3, true, Index>);
      case 8:
        return go(quantize_few_channels<4, false, Index>);
      default:
        return go(quantize_few_channels<4, true, Index>);
    }
  }
  const int64_t pixel_tiles = (hw + kTile - 1) / kTile, channel_tiles = (c + kTile - 1) / kTile;
  const dim3 grid(static_cast<unsigned>(std::min<int64_t>(pixel_tiles, int64_t{1} << 30)),
                  static_cast<unsigned>(std::min<int64_t>(channel_tiles, 65535)),
                  static_cast<unsigned>(std::min<int64_t>(n, 65535)));
  const dim3 block(kTile, kRows);
  const bool words = c % 4 == 0 && reinterpret_cast<uintptr_t>(y) % 4 == 0;
  if (words)
    quantize_tiled<true, Index><<<grid, block, 0, res.stream>>>(
        x, y, static_cast<Index>(n), static_cast<Index>(c), static_cast<Index>(hw), q);
  else
    quantize_tiled<false, Index><<<grid, block, 0, res.stream>>>(
        x, y, static_cast<Index>(n), static_cast<Index>(c), static_cast<Index>(hw), q);
  QRT_CUDA_CHECK_LAUNCH();
}

void quantize_to_nhwc(const KernelArgs& args) {
  const Tensor& x = args.in(0);
  const int64_t n = x.dim(0), c = x.dim(1), hw = x.dim(2) * x.dim(3);
  if (x.numel() == 0) return;
  const Quantizer q{args.in(1).data(), args.in(1).dtype() == DataType::kFloat16,
                    args.has_in(2) ? device_ptr<int8_t>(args.in(2)) : nullptr};
  const Resources& res = resources(args);
  int8_t* y = device_ptr<int8_t>(args.out(0));
  if (x.numel() < (int64_t{1} << 31))
    launch_quantize<uint32_t>(res, device_ptr<float>(x), y, n, c, hw, q);
  else
    launch_quantize<int64_t>(res, device_ptr<float>(x), y, n, c, hw, q);
}

bool quantize_to_nhwc_supported(const ir::Node&, const NodeTypes& types, std::string* reason) {
  const DataType scale = types.inputs.at(1).dtype;
  if (types.outputs.at(0).dtype != DataType::kInt8) {
    if (reason) *reason = "the CUDA kernel writes int8 only";
    return false;
  }
  if (scale != DataType::kFloat32 && scale != DataType::kFloat16) {
    if (reason) *reason = "the CUDA kernel reads an f32 or f16 scale";
    return false;
  }
  return true;
}

}  // namespace

QRT_REGISTER_KERNEL("QuantizeToNhwc", "cuda", DataType::kFloat32, quantize_to_nhwc,
                    quantize_to_nhwc_supported);

}  // namespace qrt::cuda
