// Reference qrt.ConvInt8: the float Conv's GEMM over im2col panels (or its direct depthwise
// loop), exactly in int32, and the f32 epilogue of docs/quantization.md per output element.
#include <vector>

#include "backends/reference/channels_last.h"
#include "backends/reference/conv_util.h"
#include "backends/reference/gemm_util.h"
#include "backends/reference/int8_epilogue.h"

namespace qrt::reference {
namespace {

void conv_int8(const KernelArgs& args) {
  const ConvLayout l = conv_layout(args);
  const ChannelDequant dequant(args, "x_scale");
  const Int8Output output(args, 4);
  const int8_t* xp = args.in(0).data_as<int8_t>();
  const int8_t* wp = args.in(1).data_as<int8_t>();
  if (l.depthwise) {
    const int64_t taps = l.w.kernel_size();
    for_each_depthwise_plane(l, xp, [&](int64_t n, int64_t oc, const int8_t* x) {
      std::vector<int32_t> acc(static_cast<size_t>(l.out_size), 0);
      depthwise_plane(x, wp + oc * taps, l.w, acc.data());
      output.write_run((n * l.out_channels + oc) * l.out_size, acc.data(), l.out_size,
                       dequant.multiplier(oc), dequant.bias(oc));
    });
    return;
  }
  conv_gemm(l, xp, wp,
            [&](int64_t n, int64_t oc, int64_t position, const int32_t* acc, int64_t count) {
              output.write_run((n * l.out_channels + oc) * l.out_size + position, acc, count,
                               dequant.multiplier(oc), dequant.bias(oc));
            });
}

}  // namespace

QRT_REGISTER_KERNEL("ConvInt8", "reference", DataType::kInt8, channels_last_kernel(conv_int8),
                    spatial_rank_supported);

}  // namespace qrt::reference
