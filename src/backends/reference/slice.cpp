#include "ops/slice.h"

#include "backends/reference/broadcast.h"

namespace qrt::reference {
namespace {

std::vector<int64_t> ints_or_empty(const KernelArgs& args, size_t i) {
  return args.has_in(i) ? args.in(i).to_int64_vector() : std::vector<int64_t>{};
}

// Output dimension d advances the input by step[d] * stride[d], from the element at the starts.
void slice(const KernelArgs& args) {
  const Tensor& in = args.in(0);
  const auto ranges = ir::compute_slice(args.node, in.shape(), args.in(1).to_int64_vector(),
                                        args.in(2).to_int64_vector(), ints_or_empty(args, 3),
                                        ints_or_empty(args, 4));
  const std::vector<int64_t> in_strides = contiguous_strides(in.shape());
  std::vector<int64_t> strides(ranges.size());
  int64_t base = 0;
  for (size_t d = 0; d < ranges.size(); ++d) {
    strides[d] = ranges[d].step * in_strides[d];
    base += ranges[d].start * in_strides[d];
  }
  copy_strided(in, args.out(0), strides, base);
}

QRT_REGISTER_KERNEL("Slice", "reference", DataType::kUndefined, slice);

}  // namespace
}  // namespace qrt::reference
