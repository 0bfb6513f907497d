// Reference qrt.ConvInt8: the float Conv's im2col tiles, an exact int8 GEMM into int32 and the
// f32 epilogue of docs/quantization.md per output element.
#include <vector>

#include "backends/reference/conv_util.h"
#include "backends/reference/gemm_util.h"
#include "backends/reference/int8_epilogue.h"

namespace qrt::reference {
namespace {

void conv_int8(const KernelArgs& args) {
  const ConvLayout l = conv_layout(args);
  const ChannelDequant dequant(args, "x_scale");
  const Int8Output output(args, 4);
  const int8_t* wp = args.in(1).data_as<int8_t>();
  const int64_t mg = l.group_out_channels;
  std::vector<int32_t> acc;
  for_each_conv_tile(l, args.in(0).data_as<int8_t>(),
                     [&](int64_t n, int64_t g, const int8_t* col, int64_t first, int64_t cols) {
                       acc.resize(static_cast<size_t>(mg * cols));
                       gemm_s8s32(false, false, mg, cols, l.patch, wp + g * mg * l.patch, l.patch,
                                  col, cols, acc.data(), cols);
                       for (int64_t m = 0; m < mg; ++m) {
                         const int64_t c = g * mg + m;
                         const int64_t base = (n * l.out_channels + c) * l.out_size + first;
                         const int32_t* row = acc.data() + m * cols;
                         for (int64_t j = 0; j < cols; ++j)
                           output.write(base + j, dequant(row[j], c));
                       }
                     });
}

}  // namespace

QRT_REGISTER_KERNEL("ConvInt8", "reference", DataType::kInt8, conv_int8, spatial_rank_supported);

}  // namespace qrt::reference
