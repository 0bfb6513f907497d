#include <cstring>

#include "backends/reference/broadcast.h"

namespace qrt::reference {
namespace {

void constant(const KernelArgs& args) {
  const Tensor* value = args.node.attr_tensor("value");
  if (!value) throw Error(args.node.describe() + ": missing tensor attribute 'value'");
  copy_bytes(*value, args.out(0));
}

void constant_of_shape(const KernelArgs& args) {
  Tensor& out = args.out(0);
  const Tensor* value = args.node.attr_tensor("value");
  if (!value) {  // float32 zeros
    std::memset(out.data(), 0, out.nbytes());
    return;
  }
  visit_element_size(dtype_size(out.dtype()), [&](auto element) {
    using U = decltype(element);
    std::fill_n(out.data_as<U>(), out.numel(), value->data_as<U>()[0]);
  });
}

QRT_REGISTER_KERNEL("Constant", "reference", DataType::kUndefined, constant);
QRT_REGISTER_KERNEL("ConstantOfShape", "reference", DataType::kUndefined, constant_of_shape);

}  // namespace
}  // namespace qrt::reference
