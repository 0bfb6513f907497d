// cpu QuantizeLinear (f32 x into int8 or uint8, per tensor or per axis): the reference backend's
// loop (a true division by the scale, rounding half to even, saturation: what every qrt int8
// kernel computes), on the thread pool whose size oneDNN's threads follow. A oneDNN reorder with
// an output scale would multiply by 1 / scale instead and round some ties differently; the
// loop is memory-bound either way. As a cpu kernel it keeps the quantize at an INT8 graph's
// input and before its classifier inside the cpu subgraph instead of cutting it there.
#include "backends/cpu/dnnl_util.h"
#include "backends/reference/linear_quantization.h"

namespace qrt::cpu {
namespace {

bool quantize_linear_supported(const ir::Node&, const NodeTypes& types, std::string* reason) {
  if (types.inputs.at(0).dtype != DataType::kFloat32)
    return decline(reason, "QuantizeLinear of f32 input only");
  const DataType y = types.outputs.at(0).dtype;
  if (y != DataType::kInt8 && y != DataType::kUInt8)
    return decline(reason, "QuantizeLinear into int8 or uint8 only");
  return true;
}

}  // namespace

QRT_REGISTER_KERNEL("QuantizeLinear", kBackend, DataType::kFloat32, reference::quantize_linear,
                    quantize_linear_supported);

}  // namespace qrt::cpu
