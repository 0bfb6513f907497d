#include "backends/kernel_registry.h"
#include "backends/reference/axis_copy.h"

namespace qrt::reference {
namespace {

void concat(const KernelArgs& args) {
  Tensor& out = args.out(0);
  const int64_t rank = static_cast<int64_t>(out.rank());
  const int64_t attr = args.node.attr_int("axis", 0);
  const auto axis = static_cast<size_t>(attr < 0 ? attr + rank : attr);
  int64_t offset = 0;
  for (const Tensor& in : args.inputs) {
    copy_along_axis(in, 0, out, offset, in.dim(axis), axis);
    offset += in.dim(axis);
  }
}

QRT_REGISTER_KERNEL("Concat", "reference", DataType::kUndefined, concat);

}  // namespace
}  // namespace qrt::reference
