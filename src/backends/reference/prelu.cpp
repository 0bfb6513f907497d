#include "backends/reference/elementwise.h"

namespace qrt::reference {
namespace {

QRT_REFERENCE_KERNELS("PRelu", NumericTypes{},
                      binary_kernel([](auto x, auto slope) { return x < 0 ? slope * x : x; }));

}  // namespace
}  // namespace qrt::reference
