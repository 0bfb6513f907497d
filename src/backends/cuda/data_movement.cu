// Data movement for any element type (registered with dtype kUndefined; elements move as raw
// units of their size, or of 16 bytes where sizes and alignment allow): the reshaping copies,
// Transpose / Slice / Expand (strided gathers), Concat / Split (one launch for all parts),
// Pad, Gather and Shape. Shape parameters (perm, starts, pads, ...) come from attributes and
// constant inputs on the host.
#include <cstring>

#include "backends/cuda/elementwise.cuh"
#include "ops/pad.h"
#include "ops/slice.h"

namespace qrt::cuda {
namespace {

template <int kBytes>
struct Unit;
template <>
struct Unit<1> {
  using type = uint8_t;
};
template <>
struct Unit<2> {
  using type = uint16_t;
};
template <>
struct Unit<4> {
  using type = uint32_t;
};
template <>
struct Unit<8> {
  using type = uint64_t;
};
template <>
struct Unit<16> {
  using type = uint4;
};

// Calls fn(unit type) for the largest unit (<= 16 bytes, at least the element size) dividing
// every byte count and address in `sizes`; fn gets the unit size too.
template <typename Fn>
void visit_unit(size_t element_size, std::initializer_list<uint64_t> sizes, Fn&& fn) {
  uint64_t all = 16;
  for (uint64_t s : sizes) all |= s;
  const size_t unit = std::max(element_size, static_cast<size_t>(all & (~all + 1)));
  switch (unit) {
    case 1:
      return fn(uint8_t{}, size_t{1});
    case 2:
      return fn(uint16_t{}, size_t{2});
    case 4:
      return fn(uint32_t{}, size_t{4});
    case 8:
      return fn(uint64_t{}, size_t{8});
    default:
      return fn(uint4{}, size_t{16});
  }
}
template <typename Fn>
void visit_element(size_t element_size, Fn&& fn) {
  visit_unit(element_size, {element_size}, [&](auto unit, size_t) { fn(unit); });
}

uint64_t address(const void* p) { return reinterpret_cast<uintptr_t>(p); }

int64_t normalized_axis(const KernelArgs& args, int64_t rank, int64_t fallback = 0) {
  const int64_t axis = args.node.attr_int("axis", fallback);
  return axis < 0 ? axis + rank : axis;
}

// ---- Same elements, new shape ----

void copy_input0(const KernelArgs& args) {
  const Tensor& x = args.in(0);
  Tensor& y = args.out(0);
  if (x.nbytes() != y.nbytes())
    throw Error(args.node.describe() + ": copying " + std::to_string(x.nbytes()) + " bytes into " +
                std::to_string(y.nbytes()));
  if (x.nbytes() && x.data() != y.data())
    QRT_CUDA_CHECK(cudaMemcpyAsync(y.data(), x.data(), x.nbytes(), cudaMemcpyDeviceToDevice,
                                   resources(args).stream));
}

template <typename U>
__global__ void fill_kernel(U* __restrict__ y, int64_t n, U value) {
  QRT_GRID_STRIDE(i, n) y[i] = value;
}

void dropout(const KernelArgs& args) {
  copy_input0(args);
  if (args.outputs.size() > 1 && args.out(1).defined())
    launch(resources(args), args.out(1).numel(), fill_kernel<uint8_t>,
           device_ptr<uint8_t>(args.out(1)), args.out(1).numel(), uint8_t{1});
}

// ---- Strided gathers: y[i] = x[base + strided offset of i] ----

template <typename U>
__global__ void strided_copy(const U* __restrict__ x, U* __restrict__ y, int64_t n, Strided<1> s,
                             int64_t base) {
  QRT_GRID_STRIDE(i, n) {
    int64_t off[1];
    s.offsets(i, off);
    y[i] = x[base + off[0]];
  }
}

void copy_strided(const KernelArgs& args, const std::vector<int64_t>& strides, int64_t base = 0) {
  const Tensor& x = args.in(0);
  Tensor& y = args.out(0);
  const Strided<1> s = make_strided<1>(y.shape(), {strides});
  const size_t esize = dtype_size(x.dtype());
  if (y.numel() == 0) return;
  if (s.rank <= 1 && (s.rank == 0 || s.strides[0][0] == 1)) {  // one contiguous run
    QRT_CUDA_CHECK(cudaMemcpyAsync(y.data(), static_cast<const char*>(x.data()) + base * esize,
                                   y.nbytes(), cudaMemcpyDeviceToDevice, resources(args).stream));
    return;
  }
  visit_element(esize, [&](auto unit) {
    using U = decltype(unit);
    launch(resources(args), y.numel(), strided_copy<U>, device_ptr<U>(x), device_ptr<U>(y),
           y.numel(), s, base);
  });
}

std::vector<int64_t> row_major_strides(const std::vector<int64_t>& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;) strides[d - 1] = strides[d] * shape[d];
  return strides;
}

void transpose(const KernelArgs& args) {
  const std::vector<int64_t>& shape = args.in(0).shape();
  std::vector<int64_t> perm = args.node.attr_ints("perm", {});
  if (perm.empty())
    for (size_t d = shape.size(); d-- > 0;) perm.push_back(static_cast<int64_t>(d));
  const std::vector<int64_t> in_strides = row_major_strides(shape);
  std::vector<int64_t> strides;
  for (int64_t p : perm) strides.push_back(in_strides.at(static_cast<size_t>(p)));
  copy_strided(args, strides);
}

std::vector<int64_t> constant_ints(const KernelArgs& args, size_t i, const char* what) {
  return args.has_in(i) ? constant_input(args, i, what).to_int64_vector() : std::vector<int64_t>{};
}

void slice(const KernelArgs& args) {
  const std::vector<int64_t>& shape = args.in(0).shape();
  const auto ranges = ir::compute_slice(
      args.node, shape, constant_ints(args, 1, "the starts"), constant_ints(args, 2, "the ends"),
      constant_ints(args, 3, "the axes"), constant_ints(args, 4, "the steps"));
  const std::vector<int64_t> in_strides = row_major_strides(shape);
  std::vector<int64_t> strides(ranges.size());
  int64_t base = 0;
  for (size_t d = 0; d < ranges.size(); ++d) {
    strides[d] = ranges[d].step * in_strides[d];
    base += ranges[d].start * in_strides[d];
  }
  copy_strided(args, strides, base);
}

void expand(const KernelArgs& args) {
  copy_strided(args, broadcast_strides(args.in(0).shape(), args.out(0).shape()));
}

bool constant_inputs_from(const ir::Node& node, size_t first, std::string* reason) {
  for (size_t i = first; i < node.inputs.size(); ++i)
    if (!input_is_constant(node, i, "its shape parameters", reason)) return false;
  return true;
}

// ---- Concat and Split: rows of the joined tensor are the parts' rows side by side ----

constexpr int kMaxParts = 64;

// One part: its rows of `width` units go to (kJoin) or come from the joined tensor's rows of
// `row` units at unit `offset`. One launch per part keeps the index arithmetic to one division
// per unit, 32-bit (Index = uint32_t) when every index fits.
template <typename U, bool kJoin, typename Index>
__global__ void copy_part(U* __restrict__ joined, U* __restrict__ part, int64_t n, Index width,
                          Index row, Index offset) {
  QRT_GRID_STRIDE(i64, n) {
    const Index i = static_cast<Index>(i64);
    const Index r = i / width, c = i - r * width;
    U* slot = joined + (r * row + offset + c);
    if constexpr (kJoin)
      *slot = part[i];
    else
      part[i] = *slot;
  }
}

// joined: the concatenation; parts: the pieces along `axis` (undefined tensors are skipped).
template <bool kJoin>
void run_parts(const KernelArgs& args, const Tensor& joined, std::span<const Tensor> pieces,
               int64_t axis) {
  const std::vector<int64_t>& shape = joined.shape();
  const size_t esize = dtype_size(joined.dtype());
  int64_t inner = 1;
  for (size_t d = static_cast<size_t>(axis) + 1; d < shape.size(); ++d) inner *= shape[d];
  std::vector<const Tensor*> present;
  for (const Tensor& t : pieces)
    if (t.defined() && t.numel() > 0) present.push_back(&t);
  if (present.size() > kMaxParts)
    throw Error(args.node.describe() + ": the CUDA kernel handles at most 64 parts");
  if (joined.numel() == 0) return;
  uint64_t sizes = static_cast<uint64_t>(esize) | address(joined.data());
  for (const Tensor* t : present)
    sizes |= static_cast<uint64_t>(t->dim(static_cast<size_t>(axis)) * inner) * esize |
             address(t->data());
  visit_unit(esize, {sizes}, [&](auto unit, size_t unit_bytes) {
    using U = decltype(unit);
    const int64_t per = static_cast<int64_t>(unit_bytes / esize);  // elements per unit
    U* joined_units = static_cast<U*>(const_cast<void*>(joined.data()));
    const int64_t rows = shape_numel(std::span<const int64_t>(shape.data(), axis));
    int64_t row = 0;
    for (const Tensor* t : present) row += t->dim(static_cast<size_t>(axis)) * inner / per;
    int64_t offset = 0;
    for (const Tensor* t : present) {
      const int64_t width = t->dim(static_cast<size_t>(axis)) * inner / per;
      U* part = static_cast<U*>(const_cast<void*>(t->data()));
      const int64_t n = rows * width;
      if (rows * row < (int64_t{1} << 31))
        launch(resources(args), n, copy_part<U, kJoin, uint32_t>, joined_units, part, n,
               static_cast<uint32_t>(width), static_cast<uint32_t>(row),
               static_cast<uint32_t>(offset));
      else
        launch(resources(args), n, copy_part<U, kJoin, int64_t>, joined_units, part, n, width, row,
               offset);
      offset += width;
    }
  });
}

void concat(const KernelArgs& args) {
  run_parts<true>(args, args.out(0), args.inputs,
                  normalized_axis(args, static_cast<int64_t>(args.out(0).rank())));
}
void split(const KernelArgs& args) {
  run_parts<false>(args, args.in(0),
                   std::span<const Tensor>(args.outputs.data(), args.outputs.size()),
                   normalized_axis(args, static_cast<int64_t>(args.in(0).rank())));
}
bool parts_supported(const ir::Node& node, const NodeTypes&, std::string* reason) {
  if (node.inputs.size() <= kMaxParts && node.outputs.size() <= kMaxParts) return true;
  if (reason) *reason = "the CUDA kernel handles at most 64 parts";
  return false;
}

// ---- Pad: per dim, an output position maps to an input index or to the constant ----

enum class PadMode : int { kConstant, kEdge, kReflect, kWrap };
struct PadGeometry {
  int rank;
  PadMode mode;
  int64_t out[kMaxDims];
  int64_t in_stride[kMaxDims];
  int64_t lo[kMaxDims];      // first kept input index (negative pads crop)
  int64_t kept[kMaxDims];    // kept input positions
  int64_t before[kMaxDims];  // positions padded before the kept range
};

__device__ __forceinline__ int64_t pad_source(const PadGeometry& g, int d, int64_t o) {
  int64_t i = o - g.before[d];
  const int64_t kept = g.kept[d];
  if (i < 0 || i >= kept) {
    switch (g.mode) {
      case PadMode::kConstant:
        return -1;
      case PadMode::kEdge:
        i = i < 0 ? 0 : kept - 1;
        break;
      case PadMode::kWrap:
        i = ((i % kept) + kept) % kept;
        break;
      case PadMode::kReflect:
        if (kept == 1) {
          i = 0;
        } else {
          const int64_t period = 2 * (kept - 1);
          i = ((i % period) + period) % period;
          if (i >= kept) i = period - i;
        }
        break;
    }
  }
  return g.lo[d] + i;
}

template <typename U>
__global__ void pad_kernel(const U* __restrict__ x, U* __restrict__ y, int64_t n, PadGeometry g,
                           const U* constant) {
  QRT_GRID_STRIDE(i, n) {
    int64_t rest = i, offset = 0;
    bool outside = false;
    for (int d = g.rank - 1; d >= 0; --d) {
      const int64_t q = rest / g.out[d];
      const int64_t src = pad_source(g, d, rest - q * g.out[d]);
      rest = q;
      outside = outside || src < 0;
      offset += src * g.in_stride[d];
    }
    y[i] = outside ? (constant ? *constant : U{}) : x[offset];
  }
}

void pad(const KernelArgs& args) {
  const Tensor& x = args.in(0);
  const std::vector<int64_t>& shape = x.shape();
  const ops::PadAmounts p = ops::resolve_pads(
      args.node, static_cast<int64_t>(x.rank()), constant_input(args, 1, "the pads"),
      args.has_in(3) ? &constant_input(args, 3, "the axes") : nullptr);
  const std::string mode = args.node.attr_string("mode", "constant");
  if (x.rank() > kMaxDims) throw Error(args.node.describe() + ": rank above 8");
  PadGeometry g{};
  g.rank = static_cast<int>(x.rank());
  g.mode = mode == "edge"      ? PadMode::kEdge
           : mode == "reflect" ? PadMode::kReflect
           : mode == "wrap"    ? PadMode::kWrap
                               : PadMode::kConstant;
  const std::vector<int64_t> strides = row_major_strides(shape);
  for (size_t d = 0; d < x.rank(); ++d) {
    g.out[d] = args.out(0).dim(d);
    g.in_stride[d] = strides[d];
    g.lo[d] = std::max<int64_t>(0, -p.begin[d]);
    g.kept[d] = shape[d] - g.lo[d] - std::max<int64_t>(0, -p.end[d]);
    g.before[d] = std::max<int64_t>(0, p.begin[d]);
  }
  const bool has_constant = args.has_in(2) && args.in(2).numel() > 0;
  visit_element(dtype_size(x.dtype()), [&](auto unit) {
    using U = decltype(unit);
    launch(resources(args), args.out(0).numel(), pad_kernel<U>, device_ptr<U>(x),
           device_ptr<U>(args.out(0)), args.out(0).numel(), g,
           has_constant ? device_ptr<U>(args.in(2)) : nullptr);
  });
}
bool pad_supported(const ir::Node& node, const NodeTypes& types, std::string* reason) {
  if (!input_is_constant(node, 1, "the pads", reason) ||
      !input_is_constant(node, 3, "the axes", reason))
    return false;
  if (types.inputs.at(0).shape.size() <= kMaxDims) return true;
  if (reason) *reason = "the CUDA kernel pads tensors of rank <= 8";
  return false;
}

// ---- Gather along an axis: output [outer, indices..., inner] ----

template <typename U, typename I>
__global__ void gather_kernel(const U* __restrict__ x, U* __restrict__ y, int64_t n,
                              const I* __restrict__ indices, int64_t count, int64_t dim,
                              int64_t inner) {
  QRT_GRID_STRIDE(i, n) {
    const int64_t k = i % inner, t = i / inner;
    const int64_t j = t % count, o = t / count;
    int64_t index = static_cast<int64_t>(indices[j]);
    if (index < 0) index += dim;
    // Out-of-range indices (rejected by the reference) read element 0 of the axis, not memory
    // outside the tensor.
    if (index < 0 || index >= dim) index = 0;
    y[i] = x[(o * dim + index) * inner + k];
  }
}

void gather(const KernelArgs& args) {
  const Tensor& x = args.in(0);
  const Tensor& indices = args.in(1);
  const int64_t axis = normalized_axis(args, static_cast<int64_t>(x.rank()));
  const int64_t dim = x.dim(static_cast<size_t>(axis));
  int64_t inner = 1;
  for (size_t d = static_cast<size_t>(axis) + 1; d < x.rank(); ++d) inner *= x.dim(d);
  const size_t esize = dtype_size(x.dtype());
  const uint64_t sizes =
      static_cast<uint64_t>(inner) * esize | address(x.data()) | address(args.out(0).data());
  visit_unit(esize, {sizes}, [&](auto unit, size_t unit_bytes) {
    using U = decltype(unit);
    const int64_t units = inner * static_cast<int64_t>(esize) / static_cast<int64_t>(unit_bytes);
    const int64_t n =
        args.out(0).numel() * static_cast<int64_t>(esize) / static_cast<int64_t>(unit_bytes);
    if (indices.dtype() == DataType::kInt32)
      launch(resources(args), n, gather_kernel<U, int32_t>, device_ptr<U>(x),
             device_ptr<U>(args.out(0)), n, device_ptr<int32_t>(indices), indices.numel(), dim,
             units);
    else
      launch(resources(args), n, gather_kernel<U, int64_t>, device_ptr<U>(x),
             device_ptr<U>(args.out(0)), n, device_ptr<int64_t>(indices), indices.numel(), dim,
             units);
  });
}
bool gather_supported(const ir::Node&, const NodeTypes& types, std::string* reason) {
  const DataType t = types.inputs.at(1).dtype;
  if (t == DataType::kInt32 || t == DataType::kInt64) return true;
  if (reason) *reason = "Gather indices must be int32 or int64";
  return false;
}

// ---- Shape: the (host-known) dims written by a kernel, so no host copy is needed ----

struct Dims {
  int64_t v[kMaxDims];
};
__global__ void write_dims(int64_t* __restrict__ y, int64_t n, Dims dims) {
  QRT_GRID_STRIDE(i, n) y[i] = dims.v[i];
}
void shape_of(const KernelArgs& args) {
  const std::vector<int64_t>& shape = args.in(0).shape();
  int64_t start = args.node.attr_int("start", 0),
          end = args.node.attr_int("end", static_cast<int64_t>(shape.size()));
  const int64_t rank = static_cast<int64_t>(shape.size());
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, start, rank);
  Dims dims{};
  for (int64_t d = start; d < end && d - start < kMaxDims; ++d) dims.v[d - start] = shape[d];
  launch(resources(args), args.out(0).numel(), write_dims, device_ptr<int64_t>(args.out(0)),
         args.out(0).numel(), dims);
}
bool shape_supported(const ir::Node&, const NodeTypes& types, std::string* reason) {
  if (types.inputs.at(0).shape.size() <= kMaxDims) return true;
  if (reason) *reason = "the CUDA kernel handles rank <= 8";
  return false;
}

// ConstantOfShape: the output (shape known) filled with the "value" attribute (0.f without).
void constant_of_shape(const KernelArgs& args) {
  Tensor& y = args.out(0);
  const Tensor* value = args.node.attr_tensor("value");
  const size_t esize = dtype_size(y.dtype());
  visit_element(esize, [&](auto unit) {
    using U = decltype(unit);
    U bits{};
    if (value && value->numel() > 0) std::memcpy(&bits, value->data(), esize);
    launch(resources(args), y.numel(), fill_kernel<U>, device_ptr<U>(y), y.numel(), bits);
  });
}

bool all_constant_after_0(const ir::Node& node, const NodeTypes&, std::string* reason) {
  return constant_inputs_from(node, 1, reason);
}

}  // namespace

QRT_REGISTER_KERNEL("Identity", "cuda", DataType::kUndefined, copy_input0);
QRT_REGISTER_KERNEL("Reshape", "cuda", DataType::kUndefined, copy_input0);
QRT_REGISTER_KERNEL("Flatten", "cuda", DataType::kUndefined, copy_input0);
QRT_REGISTER_KERNEL("Squeeze", "cuda", DataType::kUndefined, copy_input0);
QRT_REGISTER_KERNEL("Unsqueeze", "cuda", DataType::kUndefined, copy_input0);
QRT_REGISTER_KERNEL("Dropout", "cuda", DataType::kUndefined, dropout);
QRT_REGISTER_KERNEL("Transpose", "cuda", DataType::kUndefined, transpose);
QRT_REGISTER_KERNEL("Slice", "cuda", DataType::kUndefined, slice, all_constant_after_0);
QRT_REGISTER_KERNEL("Expand", "cuda", DataType::kUndefined, expand);
QRT_REGISTER_KERNEL("Concat", "cuda", DataType::kUndefined, concat, parts_supported);
QRT_REGISTER_KERNEL("Split", "cuda", DataType::kUndefined, split, parts_supported);
QRT_REGISTER_KERNEL("Pad", "cuda", DataType::kUndefined, pad, pad_supported);
QRT_REGISTER_KERNEL("Gather", "cuda", DataType::kUndefined, gather, gather_supported);
QRT_REGISTER_KERNEL("Shape", "cuda", DataType::kUndefined, shape_of, shape_supported);
QRT_REGISTER_KERNEL("ConstantOfShape", "cuda", DataType::kUndefined, constant_of_shape);

}  // namespace qrt::cuda
