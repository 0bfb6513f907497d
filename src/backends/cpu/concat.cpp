// cpu Concat: one oneDNN concat primitive over the stored (dense, row-major) shapes, any axis,
// rank 1 to DNNL_MAX_NDIMS, f32, bf16, int8 and uint8. oneDNN's concat only moves bytes (its
// simple_concat is a parallel strided copy, one memcpy per contiguous chunk), so every type is
// exact; an int8 Concat is exact because its inputs share the Concat's scale (lower_int8 moves
// one QuantizeLinear up through each data input; inputs that carry different quantization
// parameters are declined). A channels_last node needs nothing special: the channels_last pass
// already moved the axis to the NHWC position, and the stored tensors are dense NHWC. A node in
// a blocked run ("cpu_layout", see dnnl_util.h: 4-D, the NHWC channel axis, every input's
// channels a multiple of the block so that no padding lies inside the output) concatenates its
// inputs image by image, one memcpy per input (blocked_concat).
// Empty inputs (a zero extent along the axis) add nothing and are left out of the primitive; an
// empty output writes nothing. int64 has no oneDNN type: a 1-D int64 Concat (shape arithmetic,
// such as a channel shuffle's Reshape target) runs the reference backend's loop.
#include <cstring>

#include "backends/cpu/dnnl_util.h"

namespace qrt::cpu {
namespace {

int concat_axis(const ir::Node& node, size_t rank) {
  const int64_t axis = node.attr_int("axis", 0);
  return static_cast<int>(axis < 0 ? axis + static_cast<int64_t>(rank) : axis);
}

// A tensor's descriptor: its stored shape, dense row-major.
dnnl::memory::desc concat_desc(const Tensor& t, dnnl::memory::data_type dt) {
  const dnnl::memory::dims dims(t.shape().begin(), t.shape().end());
  return dnnl::memory::desc(dims, dt, dense_strides(dims));
}

// In a blocked run every channel count is a whole number of blocks, so each image of an
// NHWC-shaped [N, H, W, C] tensor stored blocked is C / block contiguous [H, W, block] slabs:
// the output's image n is the inputs' images n one after the other, one memcpy each. (oneDNN
// 2.6's simple_concat on these bytes, as nChw16c or as [N, C / block, H * W * block], took 6x to
// 9x the plain NHWC concat's time on SqueezeNet.)
void blocked_concat(const KernelArgs& args, const std::vector<size_t>& used) {
  Tensor& y = args.out(0);
  const int64_t block = layout_block(args.node.attr_string(kLayoutAttr, ""));
  const int64_t images = y.shape().at(0);
  const size_t elem = dtype_size(y.dtype());
  auto* out = static_cast<char*>(y.data());
  for (int64_t n = 0; n < images; ++n)
    for (size_t i : used) {
      const Tensor& x = args.in(i);
      if (x.rank() != 4 || x.shape()[3] % block != 0)
        throw Error(args.node.describe() + ": a blocked Concat needs whole channel blocks");
      const size_t bytes = static_cast<size_t>(x.numel() / images) * elem;
      std::memcpy(out, static_cast<const char*>(x.data()) + n * bytes, bytes);
      out += bytes;
    }
}

void concat(const KernelArgs& args) {
  Tensor& y = args.out(0);
  if (y.dtype() == DataType::kInt64) return run_reference_kernel(args);
  if (y.numel() == 0) return;
  std::vector<size_t> used;  // the inputs with elements, in order
  for (size_t i = 0; i < args.inputs.size(); ++i)
    if (args.in(i).numel() > 0) used.push_back(i);
  if (used.size() == 1) {  // the output is that input
    std::memcpy(y.data(), args.in(used[0]).data(), y.nbytes());
    return;
  }
  if (is_blocked(args.node)) return blocked_concat(args, used);
  auto prepared = prepare(args, shape_key(args), [&] {
    const auto dt = dnnl_type(y.dtype());
    std::vector<dnnl::memory::desc> srcs;
    for (size_t i : used) srcs.push_back(concat_desc(args.in(i), dt));
    Prepared p;
    p.dst_md = concat_desc(y, dt);
    p.primitive = dnnl::concat(dnnl::concat::primitive_desc(
        p.dst_md, concat_axis(args.node, y.rank()), srcs, cpu_engine()));
    p.src_md = srcs[0];
    return p;
  });
  std::unordered_map<int, dnnl::memory> run_args{{DNNL_ARG_DST, wrap(prepared->dst_md, y)}};
  for (size_t k = 0; k < used.size(); ++k) {
    const Tensor& x = args.in(used[k]);
    run_args.emplace(DNNL_ARG_MULTIPLE_SRC + static_cast<int>(k),
                     wrap(concat_desc(x, dnnl_type(x.dtype())), x));
  }
  execute(*prepared, std::move(run_args));
}

bool concat_supported(const ir::Node& node, const NodeTypes& types, std::string* reason) {
  const ir::TensorType& y = types.outputs.at(0);
  if (y.shape.empty() || y.shape.size() > DNNL_MAX_NDIMS)
    return decline(reason, "Concat of rank 1 to " + std::to_string(DNNL_MAX_NDIMS));
  for (const ir::TensorType& x : types.inputs)
    if (x.dtype == DataType::kUndefined) return decline(reason, "Concat with an omitted input");
  switch (y.dtype) {
    case DataType::kFloat32:
      return true;
    case DataType::kBFloat16:
      return bf16_supported(reason);
    case DataType::kInt8:
    case DataType::kUInt8: {
      // Bytes are moved as they are: every quantized input must be at the output's scale.
      const ir::QuantParams* shared = nullptr;
      for (const ir::Value* v : node.inputs) {
        if (!v || !v->quant) continue;
        if (shared && *shared != *v->quant)
          return decline(reason, "int8 Concat of inputs with different quantization parameters");
        shared = &*v->quant;
      }
      const ir::Value* out = node.outputs.empty() ? nullptr : node.outputs[0];
      if (shared && out && out->quant && *shared != *out->quant)
        return decline(reason, "int8 Concat whose output is quantized unlike its inputs");
      return true;
    }
    case DataType::kInt64:
      if (y.shape.size() != 1) return decline(reason, "int64 Concat of 1-D shape tensors only");
      return true;
    default:
      return decline(reason, "Concat of " + std::string(dtype_name(y.dtype)) +
                                 " (cpu: f32, bf16, int8, uint8, 1-D int64)");
  }
}

}  // namespace

QRT_REGISTER_KERNEL("Concat", kBackend, DataType::kUndefined, concat, concat_supported);

}  // namespace qrt::cpu
