// cpu ReduceMean, ReduceSum, ReduceMax, ReduceMin (f32 and bf16; bf16 accumulates in f32 and
// rounds once): one oneDNN reduction primitive. Axes come from the canonical constant input 1
// (the opset < 18 attribute becomes that input when the model loads; see ops/reduce.h).
//
// oneDNN's reduction keeps the rank (reduced dims become 1), which has the bytes of the output
// with or without keepdims. The shapes are simplified first: dims of size 1 are dropped and
// adjacent dims that are both reduced or both kept are merged, so a global average over
// [N, C, H, W] reaches oneDNN as [NC, HW] -> [NC, 1], any rank fits oneDNN's limit, and a node
// that reduces nothing of size > 1 (noop_with_empty_axes, axes of size 1) is a plain copy.
// Reductions run on plain layouts only (the layout pass leaves them out of blocked runs).
#include "ops/reduce.h"

#include <cstring>

#include "backends/cpu/dnnl_util.h"

namespace qrt::cpu {
namespace {

dnnl::algorithm reduce_algorithm(const std::string& op) {
  if (op == "ReduceMean") return dnnl::algorithm::reduction_mean;
  if (op == "ReduceSum") return dnnl::algorithm::reduction_sum;
  if (op == "ReduceMax") return dnnl::algorithm::reduction_max;
  if (op == "ReduceMin") return dnnl::algorithm::reduction_min;
  throw Error("cpu: no reduction for " + op);
}

// The simplified source dims and the destination's (1 where reduced); both empty when nothing
// of size > 1 is reduced.
struct MergedDims {
  dnnl::memory::dims src, dst;
};

MergedDims merge_dims(const std::vector<int64_t>& shape, const ops::ReduceAxes& axes) {
  MergedDims m;
  if (axes.noop) return m;
  int last = -1;  // whether the previous dim of size > 1 is reduced (1) or kept (0)
  bool reduces = false;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 1) continue;
    const int reduced = axes.reduced[i] ? 1 : 0;
    reduces = reduces || reduced;
    if (reduced == last) {
      m.src.back() *= shape[i];
    } else {
      m.src.push_back(shape[i]);
      m.dst.push_back(1);
    }
    if (!reduced) m.dst.back() = m.src.back();
    last = reduced;
  }
  if (!reduces) return {};
  return m;
}

ops::ReduceAxes node_axes(const ir::Node& node, int64_t rank, const Tensor* axes) {
  return ops::resolve_reduce_axes(node, rank, axes && axes->defined() ? axes : nullptr);
}

void reduce(const KernelArgs& args) {
  const Tensor& x = args.in(0);
  Tensor& y = args.out(0);
  if (y.numel() == 0) return;
  if (x.numel() == 0) {
    // The reduction of an empty set (0, -inf, ...): the reference backend's f32 kernel.
    if (x.dtype() != DataType::kFloat32)
      throw Error("cpu: " + args.node.op_type + " of an empty bf16 tensor");
    return run_reference_kernel(args);
  }
  const MergedDims dims =
      merge_dims(x.shape(), node_axes(args.node, static_cast<int64_t>(x.shape().size()),
                                      args.has_in(1) ? &args.in(1) : nullptr));
  if (dims.src.empty()) {
    // Every reduced dim has size 1: each output element is its only input element.
    std::memcpy(y.data(), x.data(), x.nbytes());
    return;
  }
  auto prepared = prepare(args, shape_key(args), [&] {
    const auto dt = dnnl_type(x.dtype());
    Prepared p;
    p.src_md = dnnl::memory::desc(dims.src, dt, dense_strides(dims.src));
    p.dst_md = dnnl::memory::desc(dims.dst, dt, dense_strides(dims.dst));
    const dnnl::reduction::desc desc(reduce_algorithm(args.node.op_type), p.src_md, p.dst_md, 0.f,
                                     0.f);
    p.primitive = dnnl::reduction(dnnl::reduction::primitive_desc(desc, cpu_engine()));
    return p;
  });
  execute(*prepared,
          {{DNNL_ARG_SRC, wrap(prepared->src_md, x)}, {DNNL_ARG_DST, wrap(prepared->dst_md, y)}});
}

// The prepared primitive depends on the axes: they must not change between runs.
bool reduce_supported(const ir::Node& node, const NodeTypes& types, std::string* reason) {
  if (!float_type_supported(types, reason)) return false;
  if (types.inputs.size() > 1 && types.inputs[1].dtype != DataType::kUndefined &&
      !input_is_constant(node, 1))
    return decline(reason, "reduction axes must be a constant");
  const std::vector<int64_t>& shape = types.inputs.at(0).shape;
  const Tensor* axes = node.input(1) ? &*node.input(1)->constant : nullptr;
  if (merge_dims(shape, node_axes(node, static_cast<int64_t>(shape.size()), axes)).src.size() >
      DNNL_MAX_NDIMS)
    return decline(reason, "more than " + std::to_string(DNNL_MAX_NDIMS) +
                               " alternating reduced and kept dims");
  return true;
}

}  // namespace

// Each reduction for f32 and bf16 (one loop instead of eight QRT_REGISTER_KERNEL lines).
[[maybe_unused]] const bool kReductionsRegistered = [] {
  for (const char* op : {"ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin"})
    for (DataType dtype : {DataType::kFloat32, DataType::kBFloat16})
      KernelRegistry::instance().add(
          KernelDef::make(op, kBackend, dtype, reduce, reduce_supported));
  return true;
}();

}  // namespace qrt::cpu
