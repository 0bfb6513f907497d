#include <limits>

#include "backends/reference/elementwise.h"

namespace qrt::reference {
namespace {

// min / max are optional scalar inputs; absent means unbounded. Written as two comparisons
// (not std::clamp) so min > max gives max, as onnxruntime.
QRT_REFERENCE_KERNELS("Clip", NumericTypes{}, [](auto tag) -> KernelFn {
  using T = storage_t<decltype(tag)::value>;
  return [](const KernelArgs& args) {
    const T lo = args.has_in(1) ? args.in(1).data_as<T>()[0] : std::numeric_limits<T>::lowest();
    const T hi = args.has_in(2) ? args.in(2).data_as<T>()[0] : std::numeric_limits<T>::max();
    unary_map<T>(args.in(0), args.out(0), [lo, hi](T x) {
      const T raised = x < lo ? lo : x;
      return hi < raised ? hi : raised;
    });
  };
});

}  // namespace
}  // namespace qrt::reference
