#include "backends/reference/convert.h"

namespace qrt::reference {
namespace {

void cast(const KernelArgs& args) {
  const Tensor& in = args.in(0);
  Tensor& out = args.out(0);
  visit_dtype(in.dtype(), [&](auto from) {
    visit_dtype(out.dtype(), [&](auto to) {
      constexpr DataType kFrom = decltype(from)::value;
      constexpr DataType kTo = decltype(to)::value;
      const auto* src = in.data_as<storage_t<kFrom>>();
      auto* dst = out.data_as<storage_t<kTo>>();
      for (int64_t i = 0; i < in.numel(); ++i) dst[i] = convert_element<kFrom, kTo>(src[i]);
    });
  });
}

QRT_REGISTER_KERNEL("Cast", "reference", DataType::kUndefined, cast);

}  // namespace
}  // namespace qrt::reference
