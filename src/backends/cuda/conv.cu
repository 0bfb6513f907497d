// Conv on the CUDA backend: f32 and f16 through cuDNN (backends/cuda/cudnn_conv.h).
#include "backends/cuda/cudnn_conv.h"

namespace qrt::cuda {

[[maybe_unused]] static const int kConvRegistered = register_cudnn_conv("Conv", ConvOp::kConv);

}  // namespace qrt::cuda
