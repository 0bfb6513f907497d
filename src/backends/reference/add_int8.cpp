// Reference qrt.AddInt8: float(a) * a_scale + float(b) * b_scale (each product rounded on its
// own) with numpy broadcasting, then activation and y_scale as docs/quantization.md says.
#include "backends/reference/broadcast.h"
#include "backends/reference/int8_epilogue.h"

namespace qrt::reference {
namespace {

void add_int8(const KernelArgs& args) {
  const float a_scale = args.node.attr_float("a_scale", 0.f);
  const float b_scale = args.node.attr_float("b_scale", 0.f);
  const Int8Output output(args, -1);
  const int8_t* a = args.in(0).data_as<int8_t>();
  const int8_t* b = args.in(1).data_as<int8_t>();
  for_each_broadcast<2>(args.out(0).shape(), {args.in(0).shape(), args.in(1).shape()},
                        [&](int64_t i, const std::array<int64_t, 2>& off) {
                          output.write(i, mul_rn(static_cast<float>(a[off[0]]), a_scale) +
                                              mul_rn(static_cast<float>(b[off[1]]), b_scale));
                        });
}

}  // namespace

QRT_REGISTER_KERNEL("AddInt8", "reference", DataType::kInt8, add_int8);

}  // namespace qrt::reference
