// Reference qrt.FusedConv: the reference Conv kernel of the same dtype, then + R, then the
// activation, each step rounded to the storage type as the unfused Conv -> Add -> Relu | Clip
// would, so fusing never changes a result on this backend.
#include <algorithm>
#include <limits>
#include <type_traits>

#include "backends/kernel_registry.h"
#include "backends/reference/convert.h"
#include "backends/reference/thread_pool.h"

namespace qrt::reference {
namespace {

const KernelDef& conv_kernel(const ir::Node& node, DataType dtype) {
  const KernelDef* conv = KernelRegistry::instance().find("Conv", "reference", dtype);
  if (!conv)
    throw Error(node.describe() + ": no reference Conv kernel for " +
                std::string(dtype_name(dtype)));
  return *conv;
}

// Conv's inputs (X, W, B) of a FusedConv's inputs (X, W, B, R).
template <typename Span>
Span conv_inputs(Span inputs) {
  return inputs.first(std::min<size_t>(inputs.size(), 3));
}

// y = act(y + r) elementwise: widened to float for f16 / bf16 (Add and the activations run in
// f32 on f16 / bf16 tensors there too) and rounded after each step.
template <DataType D>
void epilogue(const KernelArgs& args) {
  using Storage = storage_t<D>;
  using T = decltype(load_value<D>(Storage{}));
  auto load = [](Storage v) -> T { return load_value<D>(v); };
  auto store = [](T v) -> Storage { return store_value<D>(v); };
  const std::string activation = args.node.attr_string("activation", "");
  const bool relu = activation == "relu", clip = activation == "clip";
  const T lo =
      static_cast<T>(args.node.attr_float("clip_min", -std::numeric_limits<float>::infinity()));
  const T hi =
      static_cast<T>(args.node.attr_float("clip_max", std::numeric_limits<float>::infinity()));
  const Storage* r = args.has_in(3) ? args.in(3).data_as<Storage>() : nullptr;
  if (!r && !relu && !clip) return;
  Storage* y = args.out(0).data_as<Storage>();
  parallel_for(args.out(0).numel(), int64_t{1} << 16, [=](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      Storage v = y[i];
      if (r) v = store(load(v) + load(r[i]));
      if (relu) v = store(load(v) < 0 ? T(0) : load(v));
      if (clip) {  // as the Clip kernel: min > max gives max
        const T raised = load(v) < lo ? lo : load(v);
        v = store(hi < raised ? hi : raised);
      }
      y[i] = v;
    }
  });
}

template <DataType D>
void fused_conv(const KernelArgs& args) {
  conv_kernel(args.node, D)
      .run(KernelArgs{args.node, conv_inputs(args.inputs), args.outputs, args.resources});
  epilogue<D>(args);
}

// Whatever the reference Conv kernel of the dtype supports.
template <DataType D>
bool fused_conv_supported(const ir::Node& node, const NodeTypes& types, std::string* reason) {
  const KernelDef& conv = conv_kernel(node, D);
  if (!conv.supports) return true;
  NodeTypes conv_types = types;
  conv_types.inputs.resize(std::min<size_t>(conv_types.inputs.size(), 3));
  return conv.supports(node, conv_types, reason);
}

}  // namespace

QRT_REGISTER_KERNEL("FusedConv", "reference", DataType::kFloat32, fused_conv<DataType::kFloat32>,
                    fused_conv_supported<DataType::kFloat32>);
QRT_REGISTER_KERNEL("FusedConv", "reference", DataType::kFloat16, fused_conv<DataType::kFloat16>,
                    fused_conv_supported<DataType::kFloat16>);
// bf16: Conv through the registry's bf16 adapter of the f32 Conv, then the same epilogue.
QRT_REGISTER_KERNEL("FusedConv", "reference", DataType::kBFloat16, fused_conv<DataType::kBFloat16>,
                    fused_conv_supported<DataType::kBFloat16>);

}  // namespace qrt::reference
