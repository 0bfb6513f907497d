#include "backends/kernel_registry.h"
#include "backends/reference/axis_copy.h"

namespace qrt::reference {
namespace {

// The part sizes are the outputs' (inferred) sizes along the axis.
void split(const KernelArgs& args) {
  const Tensor& in = args.in(0);
  const int64_t rank = static_cast<int64_t>(in.rank());
  const int64_t attr = args.node.attr_int("axis", 0);
  const auto axis = static_cast<size_t>(attr < 0 ? attr + rank : attr);
  int64_t offset = 0;
  for (Tensor& out : args.outputs) {
    if (!out.defined()) continue;
    copy_along_axis(in, offset, out, 0, out.dim(axis), axis);
    offset += out.dim(axis);
  }
}

QRT_REGISTER_KERNEL("Split", "reference", DataType::kUndefined, split);

}  // namespace
}  // namespace qrt::reference
