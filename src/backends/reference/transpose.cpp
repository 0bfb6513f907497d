#include <numeric>

#include "backends/reference/broadcast.h"

namespace qrt::reference {
namespace {

// Walks the output; output dimension i advances the input by the stride of dimension perm[i].
void transpose(const KernelArgs& args) {
  const Tensor& in = args.in(0);
  std::vector<int64_t> reversed(in.rank());
  std::iota(reversed.rbegin(), reversed.rend(), 0);
  const std::vector<int64_t> perm = args.node.attr_ints("perm", reversed);
  const std::vector<int64_t> in_strides = contiguous_strides(in.shape());
  std::vector<int64_t> strides;
  for (int64_t p : perm) strides.push_back(in_strides[static_cast<size_t>(p)]);
  copy_strided(in, args.out(0), strides);
}

QRT_REGISTER_KERNEL("Transpose", "reference", DataType::kUndefined, transpose);

}  // namespace
}  // namespace qrt::reference
