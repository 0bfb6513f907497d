// ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceSumSquare, ReduceL2 over any axes (the
// optional int64 axes input, a constant), accumulated in double for f32 / f16 as the
// reference. Each output element's reduced elements are addressed through strides over the
// (collapsed) reduced dims; when the innermost dim is reduced a warp shares an output
// (contiguous reads), otherwise a thread does (reads coalesced across kept dims).
#include <cmath>

#include "backends/cuda/elementwise.cuh"
#include "ops/reduce.h"

namespace qrt::cuda {
namespace {

struct SumReduce {
  __device__ static double init() { return 0.0; }
  __device__ static double update(double acc, double x) { return acc + x; }
  __device__ static double combine(double a, double b) { return a + b; }
  __device__ static double finish(double acc, int64_t) { return acc; }
};
struct MeanReduce : SumReduce {
  __device__ static double finish(double acc, int64_t n) { return acc / static_cast<double>(n); }
};
struct SumSquareReduce : SumReduce {
  __device__ static double update(double acc, double x) { return acc + x * x; }
};
struct L2Reduce : SumSquareReduce {
  __device__ static double finish(double acc, int64_t) { return sqrt(acc); }
};
struct MaxReduce {
  __device__ static double init() { return -INFINITY; }
  __device__ static double update(double acc, double x) { return x > acc ? x : acc; }
  __device__ static double combine(double a, double b) { return update(a, b); }
  __device__ static double finish(double acc, int64_t) { return acc; }
};
struct MinReduce {
  __device__ static double init() { return INFINITY; }
  __device__ static double update(double acc, double x) { return x < acc ? x : acc; }
  __device__ static double combine(double a, double b) { return update(a, b); }
  __device__ static double finish(double acc, int64_t) { return acc; }
};

// kept: output index -> input offset; reduced: reduced index -> input offset.
struct ReduceAddressing {
  Strided<1> kept, reduced;
  int64_t outputs, count;
};

template <typename Op, typename T>
__device__ __forceinline__ double reduce_range(const T* x, const ReduceAddressing& a, int64_t base,
                                               int64_t begin, int64_t step) {
  double acc = Op::init();
  for (int64_t r = begin; r < a.count; r += step) {
    int64_t off[1];
    a.reduced.offsets(r, off);
    acc = Op::update(acc, static_cast<double>(convert<float>(x[base + off[0]])));
  }
  return acc;
}

template <typename Op, typename T>
__global__ void reduce_per_thread(const T* __restrict__ x, T* __restrict__ y, ReduceAddressing a) {
  QRT_GRID_STRIDE(o, a.outputs) {
    int64_t base[1];
    a.kept.offsets(o, base);
    y[o] =
        convert<T>(static_cast<float>(Op::finish(reduce_range<Op>(x, a, base[0], 0, 1), a.count)));
  }
}

template <typename Op, typename T>
__global__ void reduce_per_warp(const T* __restrict__ x, T* __restrict__ y, ReduceAddressing a) {
  const int lane = threadIdx.x % 32;
  QRT_GRID_STRIDE(t, a.outputs * 32) {
    const int64_t o = t / 32;
    int64_t base[1];
    a.kept.offsets(o, base);
    double acc = reduce_range<Op>(x, a, base[0], lane, 32);
#pragma unroll
    for (int s = 16; s > 0; s /= 2) acc = Op::combine(acc, __shfl_xor_sync(0xffffffffu, acc, s));
    if (lane == 0) y[o] = convert<T>(static_cast<float>(Op::finish(acc, a.count)));
  }
}

template <typename Op>
struct ReduceKernel {
  template <DataType D>
  KernelFn operator()(std::integral_constant<DataType, D>) const {
    return [](const KernelArgs& args) {
      using T = device_t<D>;
      const Resources& res = resources(args);
      const Tensor& x = args.in(0);
      const std::vector<int64_t>& shape = x.shape();
      const size_t rank = shape.size();
      const ops::ReduceAxes axes =
          ops::resolve_reduce_axes(args.node, static_cast<int64_t>(rank),
                                   args.has_in(1) ? &constant_input(args, 1, "the axes") : nullptr);
      if (axes.noop) {
        if (x.nbytes())
          QRT_CUDA_CHECK(cudaMemcpyAsync(args.out(0).data(), x.data(), x.nbytes(),
                                         cudaMemcpyDeviceToDevice, res.stream));
        return;
      }
      std::vector<int64_t> strides(rank, 1);
      for (size_t d = rank; d-- > 1;) strides[d - 1] = strides[d] * shape[d];
      std::vector<int64_t> kept_dims, kept_strides, reduced_dims, reduced_strides;
      for (size_t d = 0; d < rank; ++d) {
        auto& dims = axes.reduced[d] ? reduced_dims : kept_dims;
        auto& st = axes.reduced[d] ? reduced_strides : kept_strides;
        dims.push_back(shape[d]);
        st.push_back(strides[d]);
      }
      ReduceAddressing a;
      a.kept = make_strided<1>(kept_dims, {kept_strides});
      a.reduced = make_strided<1>(reduced_dims, {reduced_strides});
      a.outputs = args.out(0).numel();
      a.count = shape_numel(reduced_dims);
      const bool inner_reduced = rank > 0 && axes.reduced[rank - 1] && shape[rank - 1] > 1;
      const T* xp = device_ptr<T>(x);
      T* yp = device_ptr<T>(args.out(0));
      if (inner_reduced && a.count >= 32)
        launch(res, a.outputs * 32, reduce_per_warp<Op, T>, xp, yp, a);
      else
        launch(res, a.outputs, reduce_per_thread<Op, T>, xp, yp, a);
    };
  }
};

bool reduce_supported(const ir::Node& node, const NodeTypes&, std::string* reason) {
  return input_is_constant(node, 1, "the axes", reason);
}

template <typename Op>
void register_reduce(const char* op) {
  register_for<DataType::kFloat32, DataType::kFloat16>(op, ReduceKernel<Op>{}, reduce_supported);
}

[[maybe_unused]] const bool kRegistered = [] {
  register_reduce<SumReduce>("ReduceSum");
  register_reduce<MeanReduce>("ReduceMean");
  register_reduce<MaxReduce>("ReduceMax");
  register_reduce<MinReduce>("ReduceMin");
  register_reduce<SumSquareReduce>("ReduceSumSquare");
  register_reduce<L2Reduce>("ReduceL2");
  return true;
}();

}  // namespace
}  // namespace qrt::cuda
