// Reference AveragePool. The divisor counts the taps inside the input, or with
// count_include_pad the taps inside the explicitly padded input (never the extra positions a
// ceil_mode window may reach beyond the end pads, as in PyTorch and onnxruntime).
#include "backends/reference/channels_last.h"
#include "backends/reference/pool_util.h"

namespace qrt::reference {
namespace {

template <typename T>
void average_pool(const KernelArgs& args) {
  const Window3 w = pool_window3(args);
  const bool include_pad = args.node.attr_int("count_include_pad", 0) != 0;
  for_each_pool_window<T>(args.in(0), args.out(0), w, [&](const T* x, const PoolWindow& win) {
    T sum = 0;
    win.for_each_tap(w, [&](int64_t i) { sum += x[i]; });
    int64_t count = 1;
    for (int i = 0; i < 3; ++i) {
      int64_t lo = win.lo[i], hi = win.hi[i];
      if (include_pad)
        valid_range(win.start[i] + w.pad_begin[i], w.dilation[i],
                    w.in[i] + w.pad_begin[i] + w.pad_end[i], w.kernel[i], lo, hi);
      count *= hi - lo;
    }
    return sum / static_cast<T>(count);
  });
}

}  // namespace

QRT_REGISTER_KERNEL("AveragePool", "reference", DataType::kFloat32,
                    channels_last_kernel(average_pool<float>), spatial_rank_supported);
QRT_REGISTER_KERNEL("AveragePool", "reference", DataType::kFloat64,
                    channels_last_kernel(average_pool<double>), spatial_rank_supported);

}  // namespace qrt::reference
