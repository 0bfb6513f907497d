// Building blocks of the CUDA backend's elementwise and data-movement kernels: device element
// types, f32 compute for f16 (round once on store, as the reference's f16 adapter), 16-byte
// packs, grid sizing, broadcast addressing and the n-ary map every elementwise op runs on.
#pragma once

#include <cuda_fp16.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "backends/cuda/cuda_check.h"
#include "backends/cuda/cuda_resources.h"
#include "backends/kernel_registry.h"

namespace qrt::cuda {

// The device type of each DataType's elements.
template <DataType D>
struct DeviceTypeOf;
#define QRT_CUDA_DEVICE_TYPE(dtype, T) \
  template <>                          \
  struct DeviceTypeOf<dtype> {         \
    using type = T;                    \
  }
QRT_CUDA_DEVICE_TYPE(DataType::kFloat32, float);
QRT_CUDA_DEVICE_TYPE(DataType::kFloat16, __half);
QRT_CUDA_DEVICE_TYPE(DataType::kFloat64, double);
QRT_CUDA_DEVICE_TYPE(DataType::kInt8, int8_t);
QRT_CUDA_DEVICE_TYPE(DataType::kUInt8, uint8_t);
QRT_CUDA_DEVICE_TYPE(DataType::kInt32, int32_t);
QRT_CUDA_DEVICE_TYPE(DataType::kInt64, int64_t);
QRT_CUDA_DEVICE_TYPE(DataType::kBool, bool);
#undef QRT_CUDA_DEVICE_TYPE
template <DataType D>
using device_t = typename DeviceTypeOf<D>::type;

// Calls fn(std::integral_constant<DataType, D>) for the runtime dtype d; throws for the others.
template <typename Fn>
void visit_device_dtype(DataType d, Fn&& fn) {
  switch (d) {
#define QRT_CUDA_VISIT(dtype) \
  case dtype:                 \
    return fn(std::integral_constant<DataType, dtype>{});
    QRT_CUDA_VISIT(DataType::kFloat32)
    QRT_CUDA_VISIT(DataType::kFloat16)
    QRT_CUDA_VISIT(DataType::kFloat64)
    QRT_CUDA_VISIT(DataType::kInt8)
    QRT_CUDA_VISIT(DataType::kUInt8)
    QRT_CUDA_VISIT(DataType::kInt32)
    QRT_CUDA_VISIT(DataType::kInt64)
    QRT_CUDA_VISIT(DataType::kBool)
#undef QRT_CUDA_VISIT
    default:
      throw Error("CUDA backend: unsupported element type " + std::string(dtype_name(d)));
  }
}

// The type elementwise functions compute in: f32 for f16, the element type otherwise.
template <typename T>
struct ComputeOf {
  using type = T;
};
template <>
struct ComputeOf<__half> {
  using type = float;
};
template <typename T>
using compute_t = typename ComputeOf<T>::type;

// Element conversion with Cast's rules (docs: float -> int truncates, NaN -> 0, saturating to
// int64 first; anything -> bool is != 0; f16 goes through f32, rounding to nearest even).
template <typename To, typename From>
__device__ __forceinline__ To convert(From v) {
  if constexpr (std::is_same_v<To, From>) {
    return v;
  } else if constexpr (std::is_same_v<From, __half>) {
    return convert<To>(__half2float(v));
  } else if constexpr (std::is_same_v<To, __half>) {
    return __float2half_rn(static_cast<float>(v));
  } else if constexpr (std::is_same_v<To, bool>) {
    return v != From(0);
  } else if constexpr (std::is_integral_v<To> && std::is_floating_point_v<From>) {
    if (isnan(v)) return To(0);
    constexpr From kLimit = static_cast<From>(9223372036854775807LL);
    const int64_t wide = v >= kLimit    ? INT64_MAX
                         : v <= -kLimit ? INT64_MIN
                                        : static_cast<int64_t>(v);
    return static_cast<To>(wide);
  } else {
    return static_cast<To>(v);
  }
}

// N elements moved as one aligned load / store (16 bytes for N = 16 / sizeof(T)).
template <typename T, int N>
struct alignas(sizeof(T) * N) Pack {
  using value_type = T;
  T v[N];
};
template <typename T>
inline constexpr int kPackOf = 16 / sizeof(T) > 0 ? static_cast<int>(16 / sizeof(T)) : 1;

inline bool aligned16(const void* p) { return reinterpret_cast<uintptr_t>(p) % 16 == 0; }

template <typename T>
const T* device_ptr(const Tensor& t) {
  return static_cast<const T*>(t.data());
}
template <typename T>
T* device_ptr(Tensor& t) {
  return static_cast<T*>(t.data());
}

constexpr int kBlock = 256;

// Blocks for `work` independent items: enough to fill the device, grid-stride beyond that.
inline unsigned grid_size(int64_t work, const Resources& res, int per_thread = 1) {
  const int64_t threads = (work + per_thread - 1) / per_thread;
  const int64_t cap = int64_t{std::max(res.sm_count, 1)} * 16;
  return static_cast<unsigned>(std::clamp<int64_t>((threads + kBlock - 1) / kBlock, 1, cap));
}

#define QRT_GRID_STRIDE(i, n)                                               \
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < (n); \
       i += int64_t{gridDim.x} * blockDim.x)

// Launches kernel<<<grid, kBlock>>> on the stream for `work` items (nothing for none).
template <typename... Params, typename... Args>
void launch(const Resources& res, int64_t work, void (*kernel)(Params...), Args&&... args) {
  if (work <= 0) return;
  kernel<<<grid_size(work, res), kBlock, 0, res.stream>>>(std::forward<Args>(args)...);
  QRT_CUDA_CHECK_LAUNCH();
}

// ---- Broadcast / strided addressing ----

constexpr int kMaxDims = 8;

// Output index -> operand offsets through per-dim strides (0 where broadcast), over the
// output dims collapsed as far as every operand allows.
template <int K>
struct Strided {
  int rank = 0;
  int64_t dims[kMaxDims] = {};
  int64_t strides[K][kMaxDims] = {};

  __device__ __forceinline__ void offsets(int64_t i, int64_t (&off)[K]) const {
#pragma unroll
    for (int k = 0; k < K; ++k) off[k] = 0;
    for (int d = rank - 1; d >= 0; --d) {
      const int64_t q = i / dims[d];
      const int64_t r = i - q * dims[d];
      i = q;
#pragma unroll
      for (int k = 0; k < K; ++k) off[k] += r * strides[k][d];
    }
  }
};

// Row-major strides of an operand of shape `in` broadcast to `out` (numpy rules).
std::vector<int64_t> broadcast_strides(std::span<const int64_t> in, std::span<const int64_t> out);

// Builds the addressing of K operands with the given element strides over `out` dims: drops
// size-1 dims and merges adjacent dims every operand walks contiguously. Throws if more than
// kMaxDims dims remain.
template <int K>
Strided<K> make_strided(std::span<const int64_t> out,
                        const std::array<std::vector<int64_t>, K>& strides) {
  std::vector<int64_t> dims;
  std::array<std::vector<int64_t>, K> st;
  for (size_t d = 0; d < out.size(); ++d) {
    if (out[d] == 1) continue;
    bool merge = !dims.empty();
    for (int k = 0; k < K && merge; ++k) merge = st[k].back() == strides[k][d] * out[d];
    if (merge) {
      dims.back() *= out[d];
      for (int k = 0; k < K; ++k) st[k].back() = strides[k][d];
    } else {
      dims.push_back(out[d]);
      for (int k = 0; k < K; ++k) st[k].push_back(strides[k][d]);
    }
  }
  if (dims.size() > kMaxDims)
    throw Error("CUDA backend: more than " + std::to_string(kMaxDims) +
                " non-contiguous dims in a strided operation");
  Strided<K> s;
  s.rank = static_cast<int>(dims.size());
  for (size_t d = 0; d < dims.size(); ++d) {
    s.dims[d] = dims[d];
    for (int k = 0; k < K; ++k) s.strides[k][d] = st[k][d];
  }
  return s;
}

// An operand read at (i / inner) % count: the same shape as the output (inner 1, count n), a
// scalar (count 1) or one varying dim (a per-channel bias / scale in NCHW or NHWC).
struct Modular {
  int64_t inner = 1;
  int64_t count = 1;
  __device__ __forceinline__ int64_t operator()(int64_t i) const { return (i / inner) % count; }
};

// ---- The n-ary elementwise map: y[i] = fn(x0[...], x1[...], ...) with broadcasting ----

enum class MapMode { kSame, kModular, kStrided };

template <int K>
struct MapAddressing {
  Modular modular[K];
  Strided<K> strided;
};

template <typename Out, int N, typename Fn, typename... P>
__device__ __forceinline__ void apply_packs(const Fn& fn, Pack<Out, N>& out, const P&... packs) {
#pragma unroll
  for (int j = 0; j < N; ++j)
    out.v[j] = convert<Out>(fn(convert<compute_t<typename P::value_type>>(packs.v[j])...));
}

// The device pointers of a map's inputs, typed by In...
// In the same-shape map, a one-element input (a scalar scale, a Pow exponent) is read at
// index 0 for every output.
template <typename... In>
struct MapInputs {
  static constexpr int kCount = sizeof...(In);
  const void* ptr[sizeof...(In) > 0 ? sizeof...(In) : 1];
  bool scalar[sizeof...(In) > 0 ? sizeof...(In) : 1];
};

template <typename T, int N>
__device__ __forceinline__ Pack<T, N> load_pack(const void* ptr, bool scalar, int64_t p) {
  const T* t = static_cast<const T*>(ptr);
  if (!scalar) return reinterpret_cast<const Pack<T, N>*>(t)[p];
  Pack<T, N> splat;
#pragma unroll
  for (int j = 0; j < N; ++j) splat.v[j] = t[0];
  return splat;
}

template <typename Out, int N, typename Fn, size_t... Is, typename... In>
__device__ __forceinline__ void apply_pack(const Fn& fn, Pack<Out, N>& out, int64_t p,
                                           const MapInputs<In...>& x, std::index_sequence<Is...>) {
  apply_packs(fn, out, load_pack<In, N>(x.ptr[Is], x.scalar[Is], p)...);
}

template <typename Out, typename Fn, size_t... Is, typename... In>
__device__ __forceinline__ Out apply_at(const Fn& fn, const int64_t* idx, const MapInputs<In...>& x,
                                        std::index_sequence<Is...>) {
  return convert<Out>(fn(convert<compute_t<In>>(static_cast<const In*>(x.ptr[Is])[idx[Is]])...));
}

template <MapMode M, int N, typename Out, typename Fn, typename Inputs>
__global__ void map_kernel(Out* __restrict__ y, int64_t n, Fn fn,
                           MapAddressing<Inputs::kCount> addr, Inputs x) {
  constexpr int K = Inputs::kCount;
  constexpr auto kSeq = std::make_index_sequence<K>{};
  if constexpr (M == MapMode::kSame) {
    const int64_t packs = n / N;
    QRT_GRID_STRIDE(p, packs) {
      Pack<Out, N> out;
      apply_pack(fn, out, p, x, kSeq);
      reinterpret_cast<Pack<Out, N>*>(y)[p] = out;
    }
    QRT_GRID_STRIDE(t, n - packs * N) {
      int64_t idx[K];
#pragma unroll
      for (int k = 0; k < K; ++k) idx[k] = x.scalar[k] ? 0 : packs * N + t;
      y[packs * N + t] = apply_at<Out>(fn, idx, x, kSeq);
    }
  } else {
    QRT_GRID_STRIDE(i, n) {
      int64_t idx[K];
      if constexpr (M == MapMode::kModular) {
#pragma unroll
        for (int k = 0; k < K; ++k) idx[k] = addr.modular[k](i);
      } else {
        addr.strided.offsets(i, idx);
      }
      y[i] = apply_at<Out>(fn, idx, x, kSeq);
    }
  }
}

template <typename>
using TensorRef = const Tensor&;

// y = fn(x...) elementwise over inputs of y's shape (or of one element), in 16-byte packs where
// aligned.
template <typename Out, typename... In, typename Fn>
void same_shape_map(const Resources& res, const Fn& fn, Tensor& y, TensorRef<In>... x) {
  using Inputs = MapInputs<In...>;
  const int64_t n = y.numel();
  const Inputs inputs{{x.data()...}, {(x.numel() == 1 && n != 1)...}};
  constexpr int N = std::min({kPackOf<Out>, kPackOf<In>...});
  const bool vectorize =
      N > 1 && aligned16(y.data()) && ((x.numel() == 1 || aligned16(x.data())) && ...);
  if (vectorize)
    launch(res, (n + N - 1) / N, map_kernel<MapMode::kSame, N, Out, Fn, Inputs>, device_ptr<Out>(y),
           n, fn, MapAddressing<Inputs::kCount>{}, inputs);
  else
    launch(res, n, map_kernel<MapMode::kSame, 1, Out, Fn, Inputs>, device_ptr<Out>(y), n, fn,
           MapAddressing<Inputs::kCount>{}, inputs);
}

// y = fn(x...) elementwise, the inputs broadcast to y's shape (numpy rules). fn takes and
// returns compute types (f32 for f16 elements); the result is converted once to Out.
template <typename Out, typename... In, typename Fn>
void elementwise_map(const Resources& res, const Fn& fn, Tensor& y, TensorRef<In>... x) {
  constexpr int K = sizeof...(In);
  const int64_t n = y.numel();
  if (n == 0) return;
  const std::vector<int64_t>& out = y.shape();
  // Broadcasting only adds size-1 dims, so an operand with n elements is laid out as y.
  const bool same = ((x.numel() == n || x.numel() == 1) && ...);
  using Inputs = MapInputs<In...>;
  const Inputs inputs{{x.data()...}, {}};
  MapAddressing<K> addr;
  if (same) return same_shape_map<Out, In...>(res, fn, y, x...);
  addr.strided = make_strided<K>(out, {broadcast_strides(x.shape(), out)...});
  // Modular if every operand is output-shaped, or varies along at most one collapsed dim,
  // contiguously (a scalar, a per-channel vector).
  const std::array<bool, K> full = {(x.numel() == n)...};
  bool modular = true;
  for (int k = 0; k < K && modular; ++k) {
    if (full[k]) {
      addr.modular[k].count = n;
      continue;
    }
    int varying = -1, count = 0;
    for (int d = 0; d < addr.strided.rank; ++d)
      if (addr.strided.strides[k][d] != 0) varying = d, ++count;
    modular = count == 0 || (count == 1 && addr.strided.strides[k][varying] == 1);
    if (count != 1) continue;
    addr.modular[k].count = addr.strided.dims[varying];
    for (int d = varying + 1; d < addr.strided.rank; ++d)
      addr.modular[k].inner *= addr.strided.dims[d];
  }
  if (modular)
    launch(res, n, map_kernel<MapMode::kModular, 1, Out, Fn, Inputs>, device_ptr<Out>(y), n, fn,
           addr, inputs);
  else
    launch(res, n, map_kernel<MapMode::kStrided, 1, Out, Fn, Inputs>, device_ptr<Out>(y), n, fn,
           addr, inputs);
}

// An elementwise functor for a node: Fn(args) or Fn(node) where it reads inputs / attributes.
template <typename Fn>
Fn make_functor(const KernelArgs& args) {
  if constexpr (std::is_constructible_v<Fn, const KernelArgs&>)
    return Fn(args);
  else if constexpr (std::is_constructible_v<Fn, const ir::Node&>)
    return Fn(args.node);
  else
    return Fn{};
}

// The kernel maker of a unary op for register_for: y = Fn(x), same dtype.
template <typename Fn>
struct UnaryKernel {
  template <DataType D>
  KernelFn operator()(std::integral_constant<DataType, D>) const {
    return [](const KernelArgs& args) {
      using T = device_t<D>;
      elementwise_map<T, T>(resources(args), make_functor<Fn>(args), args.out(0), args.in(0));
    };
  }
};

// Registers fn_for(std::integral_constant<DataType, D>) as op's CUDA kernel for each D.
template <DataType... Ds, typename MakeFn>
void register_for(const char* op, MakeFn make_fn, SupportFn support = {}) {
  (KernelRegistry::instance().add(
       KernelDef::make(op, "cuda", Ds, make_fn(std::integral_constant<DataType, Ds>{}), support)),
   ...);
}

// Reads a constant input's host value (axes, pads, sizes ...: shape parameters of the node).
const Tensor& constant_input(const KernelArgs& args, size_t i, const char* what);
// Support predicate part: input i, if present, is a constant.
bool input_is_constant(const ir::Node& node, size_t i, const char* what, std::string* reason);

}  // namespace qrt::cuda
