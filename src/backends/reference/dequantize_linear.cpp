// Reference DequantizeLinear: y = float(x - zero_point) * scale (the difference is exact in
// int64; the product is one f32 multiply), stored as the output's f32 or f16.
#include <cstdint>

#include "backends/reference/convert.h"
#include "backends/reference/linear_quantization.h"

namespace qrt::reference {
namespace {

template <typename Q, DataType Out>
void dequantize(const KernelArgs& args, const LinearQuantParams& p) {
  const Q* x = args.in(0).data_as<Q>();
  storage_t<Out>* y = args.out(0).data_as<storage_t<Out>>();
  for_each_quant_channel(p, args.in(0).numel(), [&](int64_t i, int64_t c) {
    const float centered = static_cast<float>(int64_t{x[i]} - p.zero_points[c]);
    y[i] = store_value<Out>(centered * p.scales[c]);
  });
}

template <typename Q>
void dequantize_linear(const KernelArgs& args) {
  const LinearQuantParams p = linear_quant_params(args);
  if (args.out(0).dtype() == DataType::kFloat16)
    dequantize<Q, DataType::kFloat16>(args, p);
  else
    dequantize<Q, DataType::kFloat32>(args, p);
}

}  // namespace

QRT_REGISTER_KERNEL("DequantizeLinear", "reference", DataType::kInt8, dequantize_linear<int8_t>);
QRT_REGISTER_KERNEL("DequantizeLinear", "reference", DataType::kUInt8, dequantize_linear<uint8_t>);
QRT_REGISTER_KERNEL("DequantizeLinear", "reference", DataType::kInt32, dequantize_linear<int32_t>);

}  // namespace qrt::reference
