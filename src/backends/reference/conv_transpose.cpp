// Reference ConvTranspose: per (image, group) one GEMM W^T * X giving every kernel tap's
// contribution, then col2im scatter-adds them into the output; images and groups run on the
// thread pool.
#include <algorithm>
#include <vector>

#include "backends/reference/channels_last.h"
#include "backends/reference/conv_util.h"
#include "backends/reference/gemm_util.h"
#include "backends/reference/thread_pool.h"

namespace qrt::reference {
namespace {

template <typename T>
void conv_transpose(const KernelArgs& args) {
  const ConvTransposeLayout l = conv_transpose_layout(args);
  const T* bias = args.has_in(2) ? args.in(2).data_as<T>() : nullptr;
  const T* xp = args.in(0).data_as<T>();
  const T* wp = args.in(1).data_as<T>();
  T* yp = args.out(0).data_as<T>();
  parallel_for(l.batch * l.group, 1, [&](int64_t begin, int64_t end) {
    std::vector<T> col(static_cast<size_t>(l.taps * l.in_size));
    for (int64_t t = begin; t < end; ++t) {
      const int64_t n = t / l.group, gi = t % l.group;
      const T* xg = xp + (n * l.channels + gi * l.group_channels) * l.in_size;
      const T* wg = wp + gi * l.group_channels * l.taps;
      gemm<T>(true, false, l.taps, l.in_size, l.group_channels, T(1), wg, l.taps, xg, l.in_size,
              T(0), col.data(), l.in_size);
      T* yg = yp + (n * l.out_channels + gi * l.group_out_channels) * l.out_size;
      for (int64_t m = 0; m < l.group_out_channels; ++m)
        std::fill_n(yg + m * l.out_size, l.out_size,
                    bias ? bias[gi * l.group_out_channels + m] : T(0));
      col2im_add(col.data(), l.group_out_channels, l.w, yg);
    }
  });
}

}  // namespace

QRT_REGISTER_KERNEL("ConvTranspose", "reference", DataType::kFloat32,
                    channels_last_kernel(conv_transpose<float>), spatial_rank_supported);
QRT_REGISTER_KERNEL("ConvTranspose", "reference", DataType::kFloat64,
                    channels_last_kernel(conv_transpose<double>), spatial_rank_supported);

}  // namespace qrt::reference
