// Shape and Size read only the input's shape, never its data.
#include <algorithm>

#include "backends/kernel_registry.h"

namespace qrt::reference {
namespace {

void shape(const KernelArgs& args) {
  const std::vector<int64_t>& dims = args.in(0).shape();
  const auto rank = static_cast<int64_t>(dims.size());
  int64_t start = args.node.attr_int("start", 0);
  if (start < 0) start += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  const int64_t count = args.out(0).numel();  // inferred from start / end
  std::copy_n(dims.begin() + start, count, args.out(0).data_as<int64_t>());
}

void size(const KernelArgs& args) { args.out(0).data_as<int64_t>()[0] = args.in(0).numel(); }

QRT_REGISTER_KERNEL("Shape", "reference", DataType::kUndefined, shape);
QRT_REGISTER_KERNEL("Size", "reference", DataType::kUndefined, size);

}  // namespace
}  // namespace qrt::reference
