// Reference MaxPool (the optional Indices output is not supported).
#include <algorithm>
#include <limits>

#include "backends/reference/channels_last.h"
#include "backends/reference/pool_util.h"
#include "backends/reference/thread_pool.h"

namespace qrt::reference {
namespace {

// Output row by output row, tap by tap (in the order kd, kh, kw, as the window walk), so the
// inner loop runs along the row and vectorises; planes run on the thread pool. A NaN never
// replaces the running max; an output whose window holds no input keeps lowest().
template <typename T>
void max_pool(const KernelArgs& args) {
  const Window3 w = pool_window3(args);
  const T* xp = args.in(0).data_as<T>();
  T* yp = args.out(0).data_as<T>();
  const int64_t width = w.out[2];
  parallel_for(args.in(0).dim(0) * args.in(0).dim(1), 1, [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      const T* plane = xp + p * w.in_size();
      for (int64_t r = 0; r < w.out[0] * w.out[1]; ++r) {
        T* __restrict dst = yp + (p * w.out[0] * w.out[1] + r) * width;
        std::fill_n(dst, width, std::numeric_limits<T>::lowest());
        const int64_t od = r / w.out[1], oh = r % w.out[1];
        for (int64_t kd = 0; kd < w.kernel[0]; ++kd) {
          const int64_t id = od * w.stride[0] - w.pad_begin[0] + kd * w.dilation[0];
          if (id < 0 || id >= w.in[0]) continue;
          for (int64_t kh = 0; kh < w.kernel[1]; ++kh) {
            const int64_t ih = oh * w.stride[1] - w.pad_begin[1] + kh * w.dilation[1];
            if (ih < 0 || ih >= w.in[1]) continue;
            const T* row = plane + (id * w.in[1] + ih) * w.in[2];
            for (int64_t kw = 0; kw < w.kernel[2]; ++kw) {
              const int64_t offset = kw * w.dilation[2] - w.pad_begin[2];
              int64_t lo, hi;
              valid_range(offset, w.stride[2], w.in[2], width, lo, hi);
              const T* __restrict src = row + offset;
              for (int64_t ow = lo; ow < hi; ++ow) {
                const T v = src[ow * w.stride[2]];
                dst[ow] = v > dst[ow] ? v : dst[ow];
              }
            }
          }
        }
      }
    }
  });
}

bool max_pool_supported(const ir::Node& node, const NodeTypes& types, std::string* reason) {
  if (node.output(1)) {
    if (reason) *reason = "the MaxPool Indices output is not supported";
    return false;
  }
  return spatial_rank_supported(node, types, reason);
}

}  // namespace

QRT_REGISTER_KERNEL("MaxPool", "reference", DataType::kFloat32,
                    channels_last_kernel(max_pool<float>), max_pool_supported);
QRT_REGISTER_KERNEL("MaxPool", "reference", DataType::kFloat64,
                    channels_last_kernel(max_pool<double>), max_pool_supported);
// Exact on quantized tensors: the max of int8 values is the int8 of the max (one scale).
QRT_REGISTER_KERNEL("MaxPool", "reference", DataType::kInt8, channels_last_kernel(max_pool<int8_t>),
                    max_pool_supported);
QRT_REGISTER_KERNEL("MaxPool", "reference", DataType::kUInt8,
                    channels_last_kernel(max_pool<uint8_t>), max_pool_supported);

}  // namespace qrt::reference
