// Reference Conv: per image and group one GEMM of the group's weights with the im2col matrix
// (built panel by panel inside the GEMM) plus the bias, or a direct loop for depthwise convs.
// The f16 kernel computes in f32 exactly as the registry's f16 adapter would (inputs widened,
// each output rounded once), but widens the input as it pads it and rounds each output as it
// is finished, instead of passes over f32 copies of the tensors.
#include <algorithm>
#include <type_traits>
#include <vector>

#include "backends/reference/channels_last.h"
#include "backends/reference/conv_util.h"
#include "backends/reference/gemm_util.h"

namespace qrt::reference {
namespace {

// The values of a weight or bias tensor as T: in place, or widened from f16 into `widened`.
template <typename T, typename Storage>
const T* values_of(const Tensor& t, std::vector<T>& widened) {
  if constexpr (std::is_same_v<Storage, T>) {
    return t.data_as<T>();
  } else {
    widened.resize(static_cast<size_t>(t.numel()));
    load_values(t.data_as<Storage>(), t.numel(), widened.data());
    return widened.data();
  }
}

// y[0, n) = v[i] + bias (v[i] itself without a bias), stored as T or rounded to f16.
template <typename T, typename Storage>
void store_biased(const T* v, int64_t n, const T* bias, Storage* y) {
  if constexpr (std::is_same_v<Storage, T>) {
    if (bias)
      for (int64_t i = 0; i < n; ++i) y[i] = v[i] + *bias;
    else
      std::copy_n(v, n, y);
  } else {
    constexpr int64_t kBlock = 256;
    T sums[kBlock];
    for (int64_t s = 0; s < n; s += kBlock) {
      const int64_t count = std::min(kBlock, n - s);
      const T* src = v + s;
      if (bias) {
        for (int64_t i = 0; i < count; ++i) sums[i] = v[s + i] + *bias;
        src = sums;
      }
      float_to_half(src, y + s, static_cast<size_t>(count));
    }
  }
}

template <typename T, typename Storage>
void conv(const KernelArgs& args) {
  const ConvLayout l = conv_layout(args);
  std::vector<T> widened_w, widened_b;
  const T* wp = values_of<T, Storage>(args.in(1), widened_w);
  const T* bias = args.has_in(2) ? values_of<T, Storage>(args.in(2), widened_b) : nullptr;
  const Storage* xp = args.in(0).data_as<Storage>();
  Storage* yp = args.out(0).data_as<Storage>();
  if (l.depthwise) {
    const int64_t taps = l.w.kernel_size();
    for_each_depthwise_plane(l, xp, [&](int64_t n, int64_t oc, const Storage* x) {
      Storage* y = yp + (n * l.out_channels + oc) * l.out_size;
      if constexpr (std::is_same_v<Storage, T>) {
        std::fill_n(y, l.out_size, bias ? bias[oc] : T(0));
        depthwise_plane(x, wp + oc * taps, l.w, y);
      } else {  // through f32 planes of the calling thread
        thread_local std::vector<T> x_plane, y_plane;
        x_plane.resize(static_cast<size_t>(l.in_size));
        y_plane.assign(static_cast<size_t>(l.out_size), bias ? bias[oc] : T(0));
        load_values(x, l.in_size, x_plane.data());
        depthwise_plane(x_plane.data(), wp + oc * taps, l.w, y_plane.data());
        store_biased<T>(y_plane.data(), l.out_size, nullptr, y);
      }
    });
    return;
  }
  conv_gemm(l, xp, wp, [&](int64_t n, int64_t oc, int64_t position, const T* acc, int64_t count) {
    store_biased(acc, count, bias ? bias + oc : nullptr,
                 yp + (n * l.out_channels + oc) * l.out_size + position);
  });
}

}  // namespace

QRT_REGISTER_KERNEL("Conv", "reference", DataType::kFloat32,
                    channels_last_kernel((conv<float, float>)), spatial_rank_supported);
QRT_REGISTER_KERNEL("Conv", "reference", DataType::kFloat64,
                    channels_last_kernel((conv<double, double>)), spatial_rank_supported);
QRT_REGISTER_KERNEL("Conv", "reference", DataType::kFloat16,
                    channels_last_kernel((conv<float, uint16_t>)), spatial_rank_supported);

}  // namespace qrt::reference
