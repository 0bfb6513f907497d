#include "backends/reference/axis_copy.h"
#include "backends/reference/dtype_dispatch.h"

namespace qrt::reference {
namespace {

// The part sizes are the outputs' (inferred) sizes along the axis.
void split(const KernelArgs& args) {
  const Tensor& in = args.in(0);
  const size_t axis = axis_attribute(args, in.rank());
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
