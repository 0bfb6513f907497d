#include <span>
#include <string>

#include "backends/reference/elementwise.h"

namespace qrt::reference {
namespace {

// Running sums along the axis; exclusive=1 leaves out the element itself, reverse=1 runs from
// the end.
QRT_REFERENCE_KERNELS("CumSum", NumericTypes{}, [](auto tag) -> KernelFn {
  using T = storage_t<decltype(tag)::value>;
  return [](const KernelArgs& args) {
    const Tensor& in = args.in(0);
    const auto rank = static_cast<int64_t>(in.rank());
    int64_t axis = args.in(1).to_int64_vector().at(0);
    if (axis < -rank || axis >= rank)
      throw Error(args.node.describe() + ": axis " + std::to_string(axis) + " is out of range");
    if (axis < 0) axis += rank;
    const bool exclusive = args.node.attr_int("exclusive", 0) != 0;
    const bool reverse = args.node.attr_int("reverse", 0) != 0;
    const std::span<const int64_t> shape(in.shape());
    const int64_t outer = shape_numel(shape.first(static_cast<size_t>(axis)));
    const int64_t dim = shape[static_cast<size_t>(axis)];
    const int64_t inner = shape_numel(shape.subspan(static_cast<size_t>(axis) + 1));
    const T* src = in.data_as<T>();
    T* dst = args.out(0).data_as<T>();
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        T sum{0};
        for (int64_t step = 0; step < dim; ++step) {
          const int64_t j = reverse ? dim - 1 - step : step;
          const int64_t at = (o * dim + j) * inner + i;
          const T x = src[at];
          if (!exclusive) sum = wrapping(sum, x, [](auto a, auto b) { return a + b; });
          dst[at] = sum;
          if (exclusive) sum = wrapping(sum, x, [](auto a, auto b) { return a + b; });
        }
      }
  };
});

}  // namespace
}  // namespace qrt::reference
