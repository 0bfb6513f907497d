#include "backends/reference/axis_copy.h"
#include "backends/reference/dtype_dispatch.h"

namespace qrt::reference {
namespace {

void concat(const KernelArgs& args) {
  Tensor& out = args.out(0);
  const size_t axis = axis_attribute(args, out.rank());
  int64_t offset = 0;
  for (const Tensor& in : args.inputs) {
    copy_along_axis(in, 0, out, offset, in.dim(axis), axis);
    offset += in.dim(axis);
  }
}

QRT_REGISTER_KERNEL("Concat", "reference", DataType::kUndefined, concat);

}  // namespace
}  // namespace qrt::reference
