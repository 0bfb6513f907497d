// Reference qrt.ConvTransposeInt8: as the float ConvTranspose (one GEMM W^T * X per image and
// group on the thread pool, col2im scatter-add), exactly in int32, then the f32 epilogue of
// docs/quantization.md.
#include <algorithm>
#include <vector>

#include "backends/reference/channels_last.h"
#include "backends/reference/conv_util.h"
#include "backends/reference/gemm_util.h"
#include "backends/reference/int8_epilogue.h"
#include "backends/reference/thread_pool.h"

namespace qrt::reference {
namespace {

void conv_transpose_int8(const KernelArgs& args) {
  const ConvTransposeLayout l = conv_transpose_layout(args);
  const ChannelDequant dequant(args, "x_scale");
  const Int8Output output(args, 4);
  const int8_t* xp = args.in(0).data_as<int8_t>();
  const int8_t* wp = args.in(1).data_as<int8_t>();
  parallel_for(l.batch * l.group, 1, [&](int64_t begin, int64_t end) {
    std::vector<int32_t> col(static_cast<size_t>(l.taps * l.in_size));
    std::vector<int32_t> acc(static_cast<size_t>(l.group_out_channels * l.out_size));
    for (int64_t t = begin; t < end; ++t) {
      const int64_t n = t / l.group, g = t % l.group;
      const int8_t* xg = xp + (n * l.channels + g * l.group_channels) * l.in_size;
      const int8_t* wg = wp + g * l.group_channels * l.taps;
      gemm_s8s32(true, false, l.taps, l.in_size, l.group_channels, wg, l.taps, xg, l.in_size,
                 col.data(), l.in_size);
      std::fill(acc.begin(), acc.end(), 0);
      col2im_add(col.data(), l.group_out_channels, l.w, acc.data());
      for (int64_t m = 0; m < l.group_out_channels; ++m) {
        const int64_t c = g * l.group_out_channels + m;
        const int64_t base = (n * l.out_channels + c) * l.out_size;
        const int32_t* plane = acc.data() + m * l.out_size;
        output.write_run(base, plane, l.out_size, dequant.multiplier(c), dequant.bias(c));
      }
    }
  });
}

}  // namespace

QRT_REGISTER_KERNEL("ConvTransposeInt8", "reference", DataType::kInt8,
                    channels_last_kernel(conv_transpose_int8), spatial_rank_supported);

}  // namespace qrt::reference
