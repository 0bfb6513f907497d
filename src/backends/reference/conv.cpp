// Reference Conv: per image and group one GEMM of the group's weights with the im2col matrix
// (built panel by panel inside the GEMM) plus the bias, or a direct loop for depthwise convs.
#include <algorithm>

#include "backends/reference/conv_util.h"
#include "backends/reference/gemm_util.h"

namespace qrt::reference {
namespace {

template <typename T>
void conv(const KernelArgs& args) {
  const ConvLayout l = conv_layout(args);
  const T* bias = args.has_in(2) ? args.in(2).data_as<T>() : nullptr;
  const T* xp = args.in(0).data_as<T>();
  const T* wp = args.in(1).data_as<T>();
  T* yp = args.out(0).data_as<T>();
  if (l.depthwise) {
    const int64_t taps = l.w.kernel_size();
    for_each_depthwise_plane(l, xp, [&](int64_t n, int64_t oc, const T* x) {
      T* y = yp + (n * l.out_channels + oc) * l.out_size;
      std::fill_n(y, l.out_size, bias ? bias[oc] : T(0));
      depthwise_plane(x, wp + oc * taps, l.w, y);
    });
    return;
  }
  conv_gemm(l, xp, wp, [&](int64_t n, int64_t oc, int64_t position, const T* acc, int64_t count) {
    T* y = yp + (n * l.out_channels + oc) * l.out_size + position;
    if (bias)
      for (int64_t i = 0; i < count; ++i) y[i] = acc[i] + bias[oc];
    else
      std::copy_n(acc, count, y);
  });
}

}  // namespace

QRT_REGISTER_KERNEL("Conv", "reference", DataType::kFloat32, conv<float>, spatial_rank_supported);
QRT_REGISTER_KERNEL("Conv", "reference", DataType::kFloat64, conv<double>, spatial_rank_supported);

}  // namespace qrt::reference
