// Ops whose output holds the input's elements in the same order: only the shape changes.
#include <cstring>

#include "backends/reference/broadcast.h"

namespace qrt::reference {
namespace {

void copy_input0(const KernelArgs& args) { copy_bytes(args.in(0), args.out(0)); }

QRT_REGISTER_KERNEL("Identity", "reference", DataType::kUndefined, copy_input0);
QRT_REGISTER_KERNEL("Reshape", "reference", DataType::kUndefined, copy_input0);
QRT_REGISTER_KERNEL("Flatten", "reference", DataType::kUndefined, copy_input0);
QRT_REGISTER_KERNEL("Squeeze", "reference", DataType::kUndefined, copy_input0);
QRT_REGISTER_KERNEL("Unsqueeze", "reference", DataType::kUndefined, copy_input0);
QRT_REGISTER_KERNEL("Dropout", "reference", DataType::kUndefined, [](const KernelArgs& args) {
  copy_input0(args);
  if (args.outputs.size() > 1 && args.out(1).defined())
    std::memset(args.out(1).data(), 1, args.out(1).nbytes());
});

}  // namespace
}  // namespace qrt::reference
