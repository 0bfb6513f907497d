// Softmax and LogSoftmax over one axis (or, with qrt_coerce_2d, over the flattened dims from
// axis on), the input viewed as outer x n x inner. Subtracts the maximum first, as the
// reference, and sums in double. inner == 1 (the last axis): a warp per row; otherwise a thread per
// (outer, inner) column, reading along inner (coalesced).
#include "backends/cuda/elementwise.cuh"

namespace qrt::cuda {
namespace {

// As the reference: the sum of exponentials in double, the last step in double too.
template <bool kLog>
__device__ __forceinline__ float softmax_out(float x, float max_v, double sum) {
  if constexpr (kLog)
    return static_cast<float>(static_cast<double>(x - max_v) - log(sum));
  else
    return static_cast<float>(static_cast<double>(expf(x - max_v)) / sum);
}

template <typename T, bool kLog>
__global__ void softmax_rows(const T* __restrict__ x, T* __restrict__ y, int64_t rows, int64_t n) {
  const int lane = threadIdx.x % 32;
  QRT_GRID_STRIDE(t, rows * 32) {
    const int64_t base = t / 32 * n;
    float max_v = -INFINITY;
    for (int64_t i = lane; i < n; i += 32) max_v = fmaxf(max_v, convert<float>(x[base + i]));
#pragma unroll
    for (int s = 16; s > 0; s /= 2) max_v = fmaxf(max_v, __shfl_xor_sync(0xffffffffu, max_v, s));
    double sum = 0.0;
    for (int64_t i = lane; i < n; i += 32) sum += expf(convert<float>(x[base + i]) - max_v);
#pragma unroll
    for (int s = 16; s > 0; s /= 2) sum += __shfl_xor_sync(0xffffffffu, sum, s);
    for (int64_t i = lane; i < n; i += 32)
      y[base + i] = convert<T>(softmax_out<kLog>(convert<float>(x[base + i]), max_v, sum));
  }
}

template <typename T, bool kLog>
__global__ void softmax_columns(const T* __restrict__ x, T* __restrict__ y, int64_t columns,
                                int64_t n, int64_t inner) {
  QRT_GRID_STRIDE(t, columns) {
    const int64_t o = t / inner, j = t - o * inner;
    const T* src = x + o * n * inner + j;
    T* dst = y + o * n * inner + j;
    float max_v = -INFINITY;
    for (int64_t a = 0; a < n; ++a) max_v = fmaxf(max_v, convert<float>(src[a * inner]));
    double sum = 0.0;
    for (int64_t a = 0; a < n; ++a) sum += expf(convert<float>(src[a * inner]) - max_v);
    for (int64_t a = 0; a < n; ++a)
      dst[a * inner] = convert<T>(softmax_out<kLog>(convert<float>(src[a * inner]), max_v, sum));
  }
}

template <bool kLog>
struct SoftmaxKernel {
  template <DataType D>
  KernelFn operator()(std::integral_constant<DataType, D>) const {
    return [](const KernelArgs& args) {
      using T = device_t<D>;
      const std::vector<int64_t>& shape = args.in(0).shape();
      const int64_t rank = static_cast<int64_t>(shape.size());
      const bool coerce_2d = args.node.attr_int("qrt_coerce_2d", 0) != 0;
      int64_t axis = args.node.attr_int("axis", coerce_2d ? 1 : -1);
      if (axis < 0) axis += rank;
      auto product = [&](int64_t from, int64_t to) {
        int64_t p = 1;
        for (int64_t i = from; i < to; ++i) p *= shape[static_cast<size_t>(i)];
        return p;
      };
      const int64_t outer = product(0, std::min(axis, rank));
      const int64_t n = coerce_2d ? product(axis, rank) : (rank ? shape[axis] : 1);
      const int64_t inner = coerce_2d ? 1 : product(axis + 1, rank);
      if (n == 0) return;
      const Resources& res = resources(args);
      const T* x = device_ptr<T>(args.in(0));
      T* y = device_ptr<T>(args.out(0));
      if (inner == 1)
        launch(res, outer * 32, softmax_rows<T, kLog>, x, y, outer, n);
      else
        launch(res, outer * inner, softmax_columns<T, kLog>, x, y, outer * inner, n, inner);
    };
  }
};

[[maybe_unused]] const bool kRegistered = [] {
  register_for<DataType::kFloat32, DataType::kFloat16>("Softmax", SoftmaxKernel<false>{});
  register_for<DataType::kFloat32, DataType::kFloat16>("LogSoftmax", SoftmaxKernel<true>{});
  return true;
}();

}  // namespace
}  // namespace qrt::cuda
