// Reference Conv: im2col per (image, group, tile of output rows) followed by one GEMM with the
// group's weights.
#include <algorithm>

#include "backends/reference/conv_util.h"
#include "backends/reference/gemm_util.h"

namespace qrt::reference {
namespace {

template <typename T>
void conv(const KernelArgs& args) {
  const ConvLayout l = conv_layout(args);
  const T* bias = args.has_in(2) ? args.in(2).data_as<T>() : nullptr;
  const T* wp = args.in(1).data_as<T>();
  T* yp = args.out(0).data_as<T>();
  const int64_t mg = l.group_out_channels;
  for_each_conv_tile(l, args.in(0).data_as<T>(),
                     [&](int64_t n, int64_t g, const T* col, int64_t first, int64_t cols) {
                       T* yg = yp + (n * l.out_channels + g * mg) * l.out_size + first;
                       if (bias)
                         for (int64_t m = 0; m < mg; ++m)
                           std::fill_n(yg + m * l.out_size, cols, bias[g * mg + m]);
                       gemm<T>(false, false, mg, cols, l.patch, T(1), wp + g * mg * l.patch,
                               l.patch, col, cols, bias ? T(1) : T(0), yg, l.out_size);
                     });
}

}  // namespace

QRT_REGISTER_KERNEL("Conv", "reference", DataType::kFloat32, conv<float>, spatial_rank_supported);
QRT_REGISTER_KERNEL("Conv", "reference", DataType::kFloat64, conv<double>, spatial_rank_supported);

}  // namespace qrt::reference
