// Reference ArgMax / ArgMin: x viewed as outer x n x inner, the index along n of the first
// (or with select_last_index the last) extreme.
#include <vector>

#include "backends/kernel_registry.h"

namespace qrt::reference {
namespace {

template <typename T, bool kMax>
void arg_reduce(const KernelArgs& args) {
  const Tensor& x = args.in(0);
  const std::vector<int64_t>& shape = x.shape();
  int64_t axis = args.node.attr_int("axis", 0);
  if (axis < 0) axis += static_cast<int64_t>(shape.size());
  const bool last = args.node.attr_int("select_last_index", 0) != 0;
  const int64_t n = shape[axis];
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= shape[d];
  for (size_t d = axis + 1; d < shape.size(); ++d) inner *= shape[d];
  const T* xp = x.data_as<T>();
  int64_t* yp = args.out(0).data_as<int64_t>();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < inner; ++j) {
      const T* col = xp + o * n * inner + j;
      int64_t best = 0;
      for (int64_t a = 1; a < n; ++a) {
        const T v = col[a * inner], b = col[best * inner];
        const bool better = kMax ? v > b : v < b;
        if (better || (last && v == b)) best = a;
      }
      yp[o * inner + j] = best;
    }
}

template <bool kMax>
void register_arg_reduce(const char* op_type) {
  KernelRegistry& registry = KernelRegistry::instance();
  registry.add({op_type, "reference", DataType::kFloat32, arg_reduce<float, kMax>, {}, {}});
  registry.add({op_type, "reference", DataType::kFloat64, arg_reduce<double, kMax>, {}, {}});
  registry.add({op_type, "reference", DataType::kInt32, arg_reduce<int32_t, kMax>, {}, {}});
  registry.add({op_type, "reference", DataType::kInt64, arg_reduce<int64_t, kMax>, {}, {}});
  registry.add({op_type, "reference", DataType::kUInt8, arg_reduce<uint8_t, kMax>, {}, {}});
  registry.add({op_type, "reference", DataType::kInt8, arg_reduce<int8_t, kMax>, {}, {}});
}

[[maybe_unused]] const bool kRegistered = [] {
  register_arg_reduce<true>("ArgMax");
  register_arg_reduce<false>("ArgMin");
  return true;
}();

}  // namespace

}  // namespace qrt::reference
