#include "backends/reference/broadcast.h"

namespace qrt::reference {
namespace {

// Keyed by the condition's dtype (bool), generic in the values' type.
void where(const KernelArgs& args) {
  const Tensor& x = args.in(1);
  const auto* cond = args.in(0).data_as<uint8_t>();
  visit_element_size(dtype_size(x.dtype()), [&](auto element) {
    using U = decltype(element);
    const U* px = x.data_as<U>();
    const U* py = args.in(2).data_as<U>();
    U* dst = args.out(0).data_as<U>();
    for_each_broadcast<3>(args.out(0).shape(), {args.in(0).shape(), x.shape(), args.in(2).shape()},
                          [&](int64_t i, const std::array<int64_t, 3>& off) {
                            dst[i] = cond[off[0]] ? px[off[1]] : py[off[2]];
                          });
  });
}

QRT_REGISTER_KERNEL("Where", "reference", DataType::kUndefined, where);

}  // namespace
}  // namespace qrt::reference
