// Copies of contiguous ranges along one axis, shared by Concat and Split.
#pragma once

#include <cstring>
#include <span>

#include "qrt/tensor.h"

namespace qrt::reference {

// Copies src[..., src_start : src_start + count, ...] into dst[..., dst_start : ..., ...] along
// `axis`; src and dst agree on every other dimension.
inline void copy_along_axis(const Tensor& src, int64_t src_start, Tensor& dst, int64_t dst_start,
                            int64_t count, size_t axis) {
  const std::span<const int64_t> shape(src.shape());
  const int64_t outer = shape_numel(shape.first(axis));
  const size_t row_bytes =
      static_cast<size_t>(shape_numel(shape.subspan(axis + 1))) * dtype_size(src.dtype());
  const auto* from = static_cast<const char*>(src.data());
  auto* to = static_cast<char*>(dst.data());
  const auto src_dim = static_cast<size_t>(src.dim(axis));
  const auto dst_dim = static_cast<size_t>(dst.dim(axis));
  const size_t bytes = static_cast<size_t>(count) * row_bytes;
  if (bytes == 0) return;
  for (size_t o = 0; o < static_cast<size_t>(outer); ++o)
    std::memcpy(to + (o * dst_dim + static_cast<size_t>(dst_start)) * row_bytes,
                from + (o * src_dim + static_cast<size_t>(src_start)) * row_bytes, bytes);
}

}  // namespace qrt::reference
