// cpu data movement: Transpose as a oneDNN reorder (the NCHW <-> NHWC transposes at the borders
// of a channels_last graph), and the ops that only relabel the shape (Reshape, Flatten, Squeeze,
// Unsqueeze, Identity) as a copy. With these the graph's borders (Cast, Transpose) and the
// classifier head (Flatten) stay on the cpu backend instead of splitting a cpu run into short
// runs that the partitioner hands back to the reference backend.
#include <cstring>
#include <numeric>

#include "backends/cpu/dnnl_util.h"

namespace qrt::cpu {
namespace {

// The permutation of a Transpose node of rank `rank` (reversed dims without "perm").
std::vector<int64_t> permutation(const ir::Node& node, size_t rank) {
  std::vector<int64_t> perm = node.attr_ints("perm");
  if (perm.empty()) {
    perm.resize(rank);
    std::iota(perm.rbegin(), perm.rend(), int64_t{0});
  }
  return perm;
}

void transpose(const KernelArgs& args) {
  const Tensor& x = args.in(0);
  if (x.numel() == 0) return;
  auto prepared = prepare(args, shape_key(args), [&] {
    const dnnl::memory::dims in(x.shape().begin(), x.shape().end());
    const dnnl::memory::dims in_strides = dense_strides(in);
    // The input seen in the output's dim order: output dim i walks input dim perm[i].
    dnnl::memory::dims out, strides;
    for (int64_t p : permutation(args.node, in.size())) {
      out.push_back(in[static_cast<size_t>(p)]);
      strides.push_back(in_strides[static_cast<size_t>(p)]);
    }
    const auto dt = dnnl_type(x.dtype());
    Prepared p;
    p.src_md = dnnl::memory::desc(out, dt, strides);
    p.dst_md = dnnl::memory::desc(out, dt, dense_strides(out));
    p.primitive = dnnl::reorder(
        dnnl::reorder::primitive_desc(cpu_engine(), p.src_md, cpu_engine(), p.dst_md));
    return p;
  });
  execute(*prepared, {{DNNL_ARG_FROM, wrap(prepared->src_md, x)},
                      {DNNL_ARG_TO, wrap(prepared->dst_md, args.out(0))}});
}

bool transpose_supported(const ir::Node&, const NodeTypes& types, std::string* reason) {
  const ir::TensorType& x = types.inputs.at(0);
  if (x.shape.empty() || x.shape.size() > DNNL_MAX_NDIMS)
    return decline(reason, "Transpose of rank 1 to " + std::to_string(DNNL_MAX_NDIMS));
  switch (x.dtype) {
    case DataType::kFloat32:
    case DataType::kInt8:
    case DataType::kUInt8:
    case DataType::kInt32:
      return true;
    case DataType::kBFloat16:
      return bf16_supported(reason);
    default:
      return decline(reason, "Transpose of " + std::string(dtype_name(x.dtype)));
  }
}

// The output holds the input's bytes: only the shape changes.
void copy_input0(const KernelArgs& args) {
  if (args.in(0).data() != args.out(0).data())
    std::memcpy(args.out(0).data(), args.in(0).data(), args.out(0).nbytes());
}

}  // namespace

QRT_REGISTER_KERNEL("Transpose", kBackend, DataType::kUndefined, transpose, transpose_supported);
QRT_REGISTER_KERNEL("Identity", kBackend, DataType::kUndefined, copy_input0);
QRT_REGISTER_KERNEL("Reshape", kBackend, DataType::kUndefined, copy_input0);
QRT_REGISTER_KERNEL("Flatten", kBackend, DataType::kUndefined, copy_input0);
QRT_REGISTER_KERNEL("Squeeze", kBackend, DataType::kUndefined, copy_input0);
QRT_REGISTER_KERNEL("Unsqueeze", kBackend, DataType::kUndefined, copy_input0);

}  // namespace qrt::cpu
