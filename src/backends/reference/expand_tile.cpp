// Expand and Tile: copies where several output elements read the same input element.
#include "backends/reference/broadcast.h"

namespace qrt::reference {
namespace {

void expand(const KernelArgs& args) {
  copy_strided(args.in(0), args.out(0), broadcast_strides(args.in(0).shape(), args.out(0).shape()));
}

// The output [r0*d0, r1*d1, ..] is laid out as [r0, d0, r1, d1, ..] where the repeat
// dimensions have input stride 0.
void tile(const KernelArgs& args) {
  const Tensor& in = args.in(0);
  const std::vector<int64_t> in_strides = contiguous_strides(in.shape());
  std::vector<int64_t> shape, strides;
  for (size_t d = 0; d < in.rank(); ++d) {
    shape.insert(shape.end(), {in.dim(d) ? args.out(0).dim(d) / in.dim(d) : 0, in.dim(d)});
    strides.insert(strides.end(), {0, in_strides[d]});
  }
  Tensor out = args.out(0).numel() ? args.out(0).reshaped(shape) : args.out(0);
  copy_strided(in, out, strides);
}

QRT_REGISTER_KERNEL("Expand", "reference", DataType::kUndefined, expand);
QRT_REGISTER_KERNEL("Tile", "reference", DataType::kUndefined, tile);

}  // namespace
}  // namespace qrt::reference
