// Reference MaxPool (the optional Indices output is not supported).
#include <limits>

#include "backends/reference/pool_util.h"

namespace qrt::reference {
namespace {

template <typename T>
void max_pool(const KernelArgs& args) {
  const Window3 w = pool_window3(args);
  for_each_pool_window<T>(args.in(0), args.out(0), w, [&w](const T* x, const PoolWindow& win) {
    T m = std::numeric_limits<T>::lowest();
    win.for_each_tap(w, [&](int64_t i) {
      if (x[i] > m) m = x[i];
    });
    return m;
  });
}

bool max_pool_supported(const ir::Node& node, const NodeTypes& types, std::string* reason) {
  if (node.output(1)) {
    if (reason) *reason = "the MaxPool Indices output is not supported";
    return false;
  }
  return spatial_rank_supported(node, types, reason);
}

}  // namespace

QRT_REGISTER_KERNEL("MaxPool", "reference", DataType::kFloat32, max_pool<float>,
                    max_pool_supported);
QRT_REGISTER_KERNEL("MaxPool", "reference", DataType::kFloat64, max_pool<double>,
                    max_pool_supported);
// Exact on quantized tensors: the max of int8 values is the int8 of the max (one scale).
QRT_REGISTER_KERNEL("MaxPool", "reference", DataType::kInt8, max_pool<int8_t>, max_pool_supported);
QRT_REGISTER_KERNEL("MaxPool", "reference", DataType::kUInt8, max_pool<uint8_t>,
                    max_pool_supported);

}  // namespace qrt::reference
