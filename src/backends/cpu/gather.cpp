// cpu Gather of shape tensors (1-D int64 or int32 data, such as a Shape's output, with any
// indices, negative ones counting from the end): the reference backend's loop, a few elements
// long. Activations (embedding lookups) are declined: they stay on the reference backend.
#include "backends/cpu/dnnl_util.h"

namespace qrt::cpu {
namespace {

bool gather_supported(const ir::Node&, const NodeTypes& types, std::string* reason) {
  const ir::TensorType& data = types.inputs.at(0);
  const bool shape_tensor =
      data.shape.size() == 1 && (data.dtype == DataType::kInt64 || data.dtype == DataType::kInt32);
  if (!shape_tensor)
    return decline(reason, "Gather of 1-D int64 or int32 data (shape tensors) only");
  return true;
}

}  // namespace

QRT_REGISTER_KERNEL("Gather", kBackend, DataType::kUndefined, run_reference_kernel,
                    gather_supported);

}  // namespace qrt::cpu
