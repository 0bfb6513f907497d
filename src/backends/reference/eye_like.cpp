#include "backends/reference/convert.h"

namespace qrt::reference {
namespace {

// Ones on the diagonal shifted by k (k > 0: above the main diagonal), zeros elsewhere.
void eye_like(const KernelArgs& args) {
  Tensor& out = args.out(0);
  const int64_t rows = out.dim(0);
  const int64_t cols = out.dim(1);
  const int64_t k = args.node.attr_int("k", 0);
  visit_dtype(out.dtype(), [&](auto tag) {
    constexpr DataType kType = decltype(tag)::value;
    auto* dst = out.data_as<storage_t<kType>>();
    std::fill_n(dst, out.numel(), store_value<kType>(0));
    for (int64_t r = std::max<int64_t>(0, -k); r < rows && r + k < cols; ++r)
      dst[r * cols + r + k] = store_value<kType>(1);
  });
}

QRT_REGISTER_KERNEL("EyeLike", "reference", DataType::kUndefined, eye_like);

}  // namespace
}  // namespace qrt::reference
