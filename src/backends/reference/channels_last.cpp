#include "backends/reference/channels_last.h"

#include <vector>

#include "ops/channels_last.h"

namespace qrt::reference {

KernelFn channels_last_kernel(KernelFn nchw) {
  return [nchw = std::move(nchw)](const KernelArgs& args) {
    if (!ops::is_channels_last(args.node)) return nchw(args);
    std::vector<Tensor> inputs(args.inputs.begin(), args.inputs.end());
    for (size_t i : ops::channels_last_inputs(args.node.op_type))
      if (i < inputs.size() && inputs[i].defined() && (i != 0 || !ops::reads_nchw_input(args.node)))
        inputs[i] = ops::transpose_tensor(inputs[i], ops::kNhwcToNchw);
    std::vector<Tensor> outputs(args.outputs.begin(), args.outputs.end());
    outputs.at(0) =
        Tensor(args.out(0).dtype(), ops::permute_dims(args.out(0).shape(), ops::kNhwcToNchw));
    nchw(KernelArgs{args.node, inputs, outputs, args.resources});
    ops::transpose_into(outputs[0], args.out(0), ops::kNchwToNhwc);
  };
}

}  // namespace qrt::reference
