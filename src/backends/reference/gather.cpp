// Gather and GatherElements for any element type; indices may be negative (from the end).
#include <string>

#include "backends/reference/broadcast.h"

namespace qrt::reference {
namespace {

// The indices as non-negative positions along a dimension of size dim.
std::vector<int64_t> checked_indices(const KernelArgs& args, int64_t dim) {
  std::vector<int64_t> indices = args.in(1).to_int64_vector();
  for (int64_t& i : indices) {
    if (i < -dim || i >= dim)
      throw Error(args.node.describe() + ": index " + std::to_string(i) +
                  " is out of range for a dimension of size " + std::to_string(dim));
    if (i < 0) i += dim;
  }
  return indices;
}

// Output = [outer, indices..., inner] blocks: each index copies one inner block.
void gather(const KernelArgs& args) {
  const Tensor& data = args.in(0);
  const size_t axis = axis_attribute(args, data.rank());
  const std::span<const int64_t> shape(data.shape());
  const int64_t dim = shape[axis];
  const std::vector<int64_t> indices = checked_indices(args, dim);
  const auto outer = static_cast<size_t>(shape_numel(shape.first(axis)));
  const size_t block =
      static_cast<size_t>(shape_numel(shape.subspan(axis + 1))) * dtype_size(data.dtype());
  const auto* src = static_cast<const char*>(data.data());
  auto* dst = static_cast<char*>(args.out(0).data());
  for (size_t o = 0; o < outer; ++o)
    for (int64_t index : indices) {
      if (block)
        std::memcpy(dst, src + (o * static_cast<size_t>(dim) + static_cast<size_t>(index)) * block,
                    block);
      dst += block;
    }
}

// out[i0, .., ik, ..] = data[i0, .., indices[i0, .., ik, ..], ..] with k = axis.
void gather_elements(const KernelArgs& args) {
  const Tensor& data = args.in(0);
  const size_t axis = axis_attribute(args, data.rank());
  const std::vector<int64_t> indices = checked_indices(args, data.dim(axis));
  std::vector<int64_t> strides = contiguous_strides(data.shape());
  const int64_t axis_stride = strides[axis];
  strides[axis] = 0;  // the index value supplies this coordinate
  visit_element_size(dtype_size(data.dtype()), [&](auto element) {
    using U = decltype(element);
    const U* src = data.data_as<U>();
    U* dst = args.out(0).data_as<U>();
    for_each_strided<1>(args.out(0).shape(), {strides}, {0},
                        [&](int64_t i, const std::array<int64_t, 1>& off) {
                          dst[i] = src[off[0] + indices[static_cast<size_t>(i)] * axis_stride];
                        });
  });
}

QRT_REGISTER_KERNEL("Gather", "reference", DataType::kUndefined, gather);
QRT_REGISTER_KERNEL("GatherElements", "reference", DataType::kUndefined, gather_elements);

}  // namespace
}  // namespace qrt::reference
