#include "backends/cuda/elementwise.cuh"

namespace qrt::cuda {

std::vector<int64_t> broadcast_strides(std::span<const int64_t> in, std::span<const int64_t> out) {
  std::vector<int64_t> strides(out.size(), 0);
  const size_t lead = out.size() - in.size();
  int64_t step = 1;
  for (size_t i = in.size(); i-- > 0;) {
    if (in[i] != 1) strides[lead + i] = step;
    step *= in[i];
  }
  return strides;
}

const Tensor& constant_input(const KernelArgs& args, size_t i, const char* what) {
  // The runtime's host copy of a value known before the run, else the graph's constant.
  if (i < args.host_inputs.size() && args.host_inputs[i].defined()) return args.host_inputs[i];
  const ir::Value* v = args.node.input(i);
  if (!v || !v->is_constant())
    throw Error(args.node.describe() + ": the CUDA kernel needs " + what + " as a constant");
  return *v->constant;
}

bool input_is_constant(const ir::Node& node, size_t i, const char* what, std::string* reason) {
  const ir::Value* v = node.input(i);
  if (!v || v->is_constant()) return true;
  if (reason) *reason = std::string("the CUDA kernel needs ") + what + " as a constant";
  return false;
}

}  // namespace qrt::cuda
