// cpu Shape (with opset 15's start and end): the reference backend's kernel, which reads only
// the input's shape. With Gather, int64 Concat and Slice on the cpu backend, the shape arithmetic
// of a channel shuffle (Shape -> Gather -> Unsqueeze -> Concat -> Reshape) stays inside the cpu
// subgraph instead of cutting it at every block. A blocked input has its logical (NHWC) shape,
// so Shape reads the same dims as from the plain one.
#include "backends/cpu/dnnl_util.h"

namespace qrt::cpu {

QRT_REGISTER_KERNEL("Shape", kBackend, DataType::kUndefined, run_reference_kernel);

}  // namespace qrt::cpu
