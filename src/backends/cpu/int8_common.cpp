#include "backends/cpu/int8_common.h"

#include <cstring>

#include "backends/cpu/conv_common.h"

namespace qrt::cpu {

Int8Epilogue int8_epilogue(const KernelArgs& args, const char* in_scale_attr) {
  const ir::Node& node = args.node;
  const float in_scale = node.attr_float(in_scale_attr, 0.f);
  const Tensor& scales = args.in(2);
  const float* s = scales.data_as<float>();
  const size_t channels = static_cast<size_t>(scales.numel());
  Int8Epilogue e;
  std::vector<float> multipliers(channels);
  e.bias.assign(channels, 0.f);
  const float* bias = args.has_in(3) ? args.in(3).data_as<float>() : nullptr;
  for (size_t c = 0; c < channels; ++c) {
    const float m = in_scale * s[c];
    const float b = bias ? bias[c] : 0.f;
    if (m == 0.f) {
      // acc * 0 + b is b whatever acc is: zero weights and multiplier 1 give exactly that.
      e.dead_channels.push_back(static_cast<int64_t>(c));
      multipliers[c] = 1.f;
      e.bias[c] = b;
    } else {
      multipliers[c] = m;
      e.bias[c] = b / m;
    }
  }
  e.attr.set_output_scales(1 << 1, multipliers);
  dnnl::post_ops ops;
  const bool int8_out = args.out(0).dtype() == DataType::kInt8;
  // The sum post-op adds scale * (what dst held): an int8 residual staged into an int8 dst is
  // scaled here; into an f32 dst it is staged already dequantised (stage_residual).
  if (args.has_in(4))
    ops.append_sum(
        args.in(4).dtype() == DataType::kInt8 && int8_out ? node.attr_float("r_scale", 0.f) : 1.f);
  append_activation(node, int8_out ? 1.f / node.attr_float("y_scale", 0.f) : 1.f, ops);
  e.attr.set_post_ops(ops);
  return e;
}

void stage_residual(const KernelArgs& args, const dnnl::memory::desc& dst_md) {
  if (!args.has_in(4)) return;
  Tensor& y = args.out(0);
  const Tensor& r = args.in(4);
  // Whole buffers: blocked ones hold padded channels (dst_md's size, not y's elements); R is
  // in Y's layout.
  const size_t elements = dst_md.get_size() / dtype_size(y.dtype());
  if (r.dtype() == DataType::kInt8 && y.dtype() == DataType::kFloat32) {
    // The last block of a ResNet: int8 skip path, f32 output (it feeds float pooling).
    const float r_scale = args.node.attr_float("r_scale", 0.f);
    const int8_t* src = r.data_as<int8_t>();
    float* dst = y.data_as<float>();
    for (size_t i = 0; i < elements; ++i) dst[i] = static_cast<float>(src[i]) * r_scale;
    return;
  }
  if (r.data() != y.data()) std::memcpy(y.data(), r.data(), elements * dtype_size(y.dtype()));
}

bool int8_epilogue_supported(const ir::Node& node, const NodeTypes& types, std::string* reason) {
  const DataType y = types.outputs.at(0).dtype;
  if (y != DataType::kInt8 && y != DataType::kFloat32)
    return decline(reason, "int8 output must be i8 or f32");
  if (types.inputs.size() > 4 && types.inputs[4].dtype != DataType::kUndefined &&
      types.inputs[4].dtype != y && types.inputs[4].dtype != DataType::kInt8)
    return decline(reason, "an f32 residual with an int8 output");
  for (size_t i : {size_t{2}, size_t{3}})
    if (i < node.inputs.size() && node.inputs[i] && !input_is_constant(node, i))
      return decline(reason, "scales and bias must be constants");
  return true;
}

}  // namespace qrt::cpu
