// Reference qrt.QuantizeToNhwc for f32 x (f16 x through the registry's f16 adapter, as
// QuantizeLinear): y[n, h, w, c] = saturate(rint(x[n, c, h, w] / scale) + zero_point), the
// expression of the reference QuantizeLinear, so the fused node is bit-identical to
// QuantizeLinear followed by Transpose(perm 0,2,3,1).
#include <cstdint>

#include "backends/reference/int8_numerics.h"
#include "backends/reference/linear_quantization.h"
#include "backends/reference/thread_pool.h"

namespace qrt::reference {
namespace {

template <typename Q>
void quantize_planes(const KernelArgs& args, float scale, float zero_point) {
  const Tensor& xt = args.in(0);
  const int64_t n = xt.dim(0), c = xt.dim(1), h = xt.dim(2), w = xt.dim(3);
  const float* x = xt.data_as<float>();
  Q* y = args.out(0).data_as<Q>();
  const int64_t row = w * c;  // elements of one output row (n, h)
  // Chunks of whole rows (n, h): each reads w floats of each of the c planes and writes its row.
  parallel_for(n * h, std::max<int64_t>(1, (int64_t{1} << 16) / std::max<int64_t>(row, 1)),
               [=](int64_t begin, int64_t end) {
                 for (int64_t r = begin; r < end; ++r) {
                   const int64_t image = r / h, y_row = r - image * h;
                   Q* __restrict dst = y + r * row;
                   for (int64_t k = 0; k < c; ++k) {
                     const float* __restrict src = x + ((image * c + k) * h + y_row) * w;
                     for (int64_t j = 0; j < w; ++j)
                       dst[j * c + k] = saturate<Q>(round_half_even(src[j] / scale) + zero_point);
                   }
                 }
               });
}

void quantize_to_nhwc(const KernelArgs& args) {
  const LinearQuantParams p = linear_quant_params(args);
  const float scale = p.scales.at(0);
  const float zero_point = static_cast<float>(p.zero_points.at(0));
  if (args.out(0).dtype() == DataType::kInt8)
    quantize_planes<int8_t>(args, scale, zero_point);
  else
    quantize_planes<uint8_t>(args, scale, zero_point);
}

}  // namespace

QRT_REGISTER_KERNEL("QuantizeToNhwc", "reference", DataType::kFloat32, quantize_to_nhwc);

}  // namespace qrt::reference
