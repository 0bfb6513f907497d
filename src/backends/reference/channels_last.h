// Reference kernels of the channels_last form (src/ops/channels_last.h): the NHWC activations
// are transposed to NCHW, the op's NCHW kernel runs, and its output is transposed back, so
// both forms give bit-identical results.
#pragma once

#include "backends/kernel_registry.h"

namespace qrt::reference {

// `nchw` for nodes without channels_last; the transposing wrapper above for the others.
KernelFn channels_last_kernel(KernelFn nchw);

}  // namespace qrt::reference
