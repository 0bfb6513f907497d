// cpu Slice with constant starts, ends, axes and steps (a ShuffleNet block's channel split): a
// oneDNN reorder that reads the input through a strided view (the output's dims, each input
// stride times the step, from the first selected element) into the dense output: a parallel
// copy, exact for every type. Shape tensors (int64) and negative steps, which a oneDNN
// descriptor cannot express, run the reference backend's loop instead.
#include "ops/slice.h"

#include <algorithm>

#include "backends/cpu/dnnl_util.h"

namespace qrt::cpu {
namespace {

std::vector<int64_t> ints_or_empty(const KernelArgs& args, size_t i) {
  return args.has_in(i) ? args.in(i).to_int64_vector() : std::vector<int64_t>{};
}

bool has_onednn_type(DataType dtype) {
  return dtype == DataType::kFloat32 || dtype == DataType::kBFloat16 || dtype == DataType::kInt8 ||
         dtype == DataType::kUInt8 || dtype == DataType::kInt32;
}

void slice(const KernelArgs& args) {
  const Tensor& x = args.in(0);
  Tensor& y = args.out(0);
  if (y.numel() == 0) return;
  const std::vector<ir::SliceRange> ranges = ir::compute_slice(
      args.node, x.shape(), args.in(1).to_int64_vector(), args.in(2).to_int64_vector(),
      ints_or_empty(args, 3), ints_or_empty(args, 4));
  const bool forward =
      std::all_of(ranges.begin(), ranges.end(), [](const ir::SliceRange& r) { return r.step > 0; });
  if (!has_onednn_type(x.dtype()) || !forward) return run_reference_kernel(args);
  // The offset of the first selected element and the view's strides, in elements.
  int64_t base = 0, in_stride = 1;
  dnnl::memory::dims view_strides(ranges.size());
  for (size_t d = ranges.size(); d-- > 0;) {
    base += ranges[d].start * in_stride;
    view_strides[d] = ranges[d].step * in_stride;
    in_stride *= x.shape()[d];
  }
  auto prepared = prepare(args, shape_key(args), [&] {
    const dnnl::memory::dims dims(y.shape().begin(), y.shape().end());
    const auto dt = dnnl_type(x.dtype());
    Prepared p;
    p.src_md = dnnl::memory::desc(dims, dt, view_strides);
    p.dst_md = dnnl::memory::desc(dims, dt, dense_strides(dims));
    p.primitive = dnnl::reorder(
        dnnl::reorder::primitive_desc(cpu_engine(), p.src_md, cpu_engine(), p.dst_md));
    return p;
  });
  // oneDNN takes a non-const handle; the input is only read.
  auto* first = static_cast<char*>(const_cast<void*>(x.data())) +
                static_cast<size_t>(base) * dtype_size(x.dtype());
  execute(*prepared, {{DNNL_ARG_FROM, dnnl::memory(prepared->src_md, cpu_engine(), first)},
                      {DNNL_ARG_TO, wrap(prepared->dst_md, y)}});
}

// The prepared view depends on starts, ends, axes and steps: they must not change between runs.
bool slice_supported(const ir::Node& node, const NodeTypes& types, std::string* reason) {
  for (size_t i = 1; i < types.inputs.size(); ++i)
    if (types.inputs[i].dtype != DataType::kUndefined && !input_is_constant(node, i))
      return decline(reason, "Slice with constant starts, ends, axes and steps only");
  const size_t rank = types.inputs.at(0).shape.size();
  if (rank == 0 || rank > DNNL_MAX_NDIMS)
    return decline(reason, "Slice of rank 1 to " + std::to_string(DNNL_MAX_NDIMS));
  return true;
}

}  // namespace

QRT_REGISTER_KERNEL("Slice", kBackend, DataType::kUndefined, slice, slice_supported);

}  // namespace qrt::cpu
