// Index iteration shared by elementwise and data movement kernels: walk an output shape in
// row-major order while tracking, for each input, an element offset given by per-dimension
// strides (0 where the input is broadcast, permuted for Transpose, scaled for Slice ...).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "backends/reference/dtype_dispatch.h"
#include "qrt/tensor.h"

namespace qrt::reference {

// Row-major element strides of a shape.
inline std::vector<int64_t> contiguous_strides(std::span<const int64_t> shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;) strides[i - 1] = strides[i] * shape[i];
  return strides;
}

// Strides of an input of shape `in` read as if broadcast to `out` (numpy rules: shapes are
// right-aligned; missing and size-1 dimensions get stride 0).
inline std::vector<int64_t> broadcast_strides(std::span<const int64_t> in,
                                              std::span<const int64_t> out) {
  std::vector<int64_t> strides(out.size(), 0);
  const size_t lead = out.size() - in.size();
  int64_t step = 1;
  for (size_t i = in.size(); i-- > 0;) {
    if (in[i] != 1) strides[lead + i] = step;
    step *= in[i];
  }
  return strides;
}

// Calls fn(out_index, offsets) for every index of `shape` in row-major order, where
// offsets[k] = base[k] + sum_d index[d] * strides[k][d].
template <size_t N, typename Fn>
void for_each_strided(std::span<const int64_t> shape,
                      const std::array<std::vector<int64_t>, N>& strides,
                      std::array<int64_t, N> base, Fn&& fn) {
  const int64_t total = shape_numel(shape);
  if (total == 0) return;
  if (shape.empty()) {
    fn(int64_t{0}, base);
    return;
  }
  const size_t rank = shape.size();
  const int64_t inner = shape[rank - 1];
  std::array<int64_t, N> inner_step;
  for (size_t k = 0; k < N; ++k) inner_step[k] = strides[k][rank - 1];
  std::vector<int64_t> index(rank, 0);
  for (int64_t o = 0; o < total; o += inner) {
    std::array<int64_t, N> offsets = base;
    for (int64_t j = 0; j < inner; ++j) {
      fn(o + j, offsets);
      for (size_t k = 0; k < N; ++k) offsets[k] += inner_step[k];
    }
    // Odometer step over the outer dimensions.
    for (size_t d = rank - 1; d-- > 0;) {
      for (size_t k = 0; k < N; ++k) base[k] += strides[k][d];
      if (++index[d] < shape[d]) break;
      for (size_t k = 0; k < N; ++k) base[k] -= strides[k][d] * shape[d];
      index[d] = 0;
    }
  }
}

// Calls fn(out_index, offsets) for every element of `out_shape`, offsets[k] being the element
// of input k (of shape in_shapes[k]) that broadcasts to it.
template <size_t N, typename Fn>
void for_each_broadcast(std::span<const int64_t> out_shape,
                        const std::array<std::span<const int64_t>, N>& in_shapes, Fn&& fn) {
  bool all_same = true;
  for (const auto& s : in_shapes)
    all_same = all_same && std::equal(s.begin(), s.end(), out_shape.begin(), out_shape.end());
  if (all_same) {  // the common case: no index arithmetic at all
    const int64_t total = shape_numel(out_shape);
    std::array<int64_t, N> offsets;
    for (int64_t i = 0; i < total; ++i) {
      offsets.fill(i);
      fn(i, offsets);
    }
    return;
  }
  std::array<std::vector<int64_t>, N> strides;
  for (size_t k = 0; k < N; ++k) strides[k] = broadcast_strides(in_shapes[k], out_shape);
  for_each_strided<N>(out_shape, strides, std::array<int64_t, N>{}, fn);
}

// out[i] = in[base + sum_d index[d] * in_strides[d]] for every element of out (any dtype).
inline void copy_strided(const Tensor& in, Tensor& out, const std::vector<int64_t>& in_strides,
                         int64_t base = 0) {
  visit_element_size(dtype_size(in.dtype()), [&](auto element) {
    using U = decltype(element);
    const U* src = in.data_as<U>();
    U* dst = out.data_as<U>();
    for_each_strided<1>(
        out.shape(), {in_strides}, {base},
        [&](int64_t i, const std::array<int64_t, 1>& off) { dst[i] = src[off[0]]; });
  });
}

// Copies all of `in`'s bytes to `out` (same element count and dtype): Reshape and friends.
inline void copy_bytes(const Tensor& in, Tensor& out) {
  if (in.nbytes() != out.nbytes())
    throw Error("reference kernel: copying " + std::to_string(in.nbytes()) + " bytes into " +
                std::to_string(out.nbytes()));
  if (in.nbytes() && in.data() != out.data()) std::memcpy(out.data(), in.data(), in.nbytes());
}

}  // namespace qrt::reference
