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
    for (int64_t k0 = win.lo[0]; k0 < win.hi[0]; ++k0)
      for (int64_t k1 = win.lo[1]; k1 < win.hi[1]; ++k1)
        for (int64_t k2 = win.lo[2]; k2 < win.hi[2]; ++k2) {
          const int64_t i0 = win.start[0] + k0 * w.dilation[0];
          const int64_t i1 = win.start[1] + k1 * w.dilation[1];
          const int64_t i2 = win.start[2] + k2 * w.dilation[2];
          const T v = x[(i0 * w.in[1] + i1) * w.in[2] + i2];
          if (v > m) m = v;
        }
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

}  // namespace qrt::reference
