#include "backends/reference/dtype_dispatch.h"

namespace qrt::reference {
namespace {

// Values accumulate (start, start + delta, ...) as the ONNX function body and onnxruntime do.
QRT_REFERENCE_KERNELS("Range", NumericTypes{}, [](auto tag) -> KernelFn {
  using T = storage_t<decltype(tag)::value>;
  return [](const KernelArgs& args) {
    T value = args.in(0).data_as<T>()[0];
    const T delta = args.in(2).data_as<T>()[0];
    T* dst = args.out(0).data_as<T>();
    for (int64_t i = 0; i < args.out(0).numel(); ++i, value = static_cast<T>(value + delta))
      dst[i] = value;
  };
});

}  // namespace
}  // namespace qrt::reference
