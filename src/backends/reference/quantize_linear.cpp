// Reference QuantizeLinear for f32 x (f16 x runs it through the registry's f16 adapter, which
// widens x exactly): y = saturate(rint(x / scale) + zero_point) with a true f32 division and
// rint rounding half to even (round_half_even, which vectorises).
#include <cstdint>

#include "backends/reference/int8_numerics.h"
#include "backends/reference/linear_quantization.h"
#include "backends/reference/thread_pool.h"

namespace qrt::reference {
namespace {

template <typename Q>
void quantize(const KernelArgs& args, const LinearQuantParams& p) {
  const float* x = args.in(0).data_as<float>();
  Q* y = args.out(0).data_as<Q>();
  for_each_quant_run(p, args.in(0).numel(), [&](int64_t i, int64_t count, int64_t c) {
    const float scale = p.scales[static_cast<size_t>(c)];
    const float zero_point = static_cast<float>(p.zero_points[static_cast<size_t>(c)]);
    parallel_for(count, int64_t{1} << 16, [=](int64_t begin, int64_t end) {
      const float* __restrict src = x + i;
      Q* __restrict dst = y + i;
      for (int64_t j = begin; j < end; ++j)
        dst[j] = saturate<Q>(round_half_even(src[j] / scale) + zero_point);
    });
  });
}

}  // namespace

void quantize_linear(const KernelArgs& args) {
  const LinearQuantParams p = linear_quant_params(args);
  if (args.out(0).dtype() == DataType::kInt8)
    quantize<int8_t>(args, p);
  else
    quantize<uint8_t>(args, p);
}

QRT_REGISTER_KERNEL("QuantizeLinear", "reference", DataType::kFloat32, quantize_linear);

}  // namespace qrt::reference
