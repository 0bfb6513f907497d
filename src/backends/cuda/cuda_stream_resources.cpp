#include "backends/cuda/cuda_stream_resources.h"

#include "backends/cuda/cuda_check.h"

namespace qrt::cuda {

StreamResources::StreamResources(cudaStream_t stream, size_t workspace_bytes, bool allow_tf32) {
  require_gpu("the CUDA backend");
  if (!stream) {
    QRT_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
    owns_stream_ = true;
  }
  resources_.stream = stream;
  resources_.allow_tf32 = allow_tf32;
  try {
    QRT_CUDNN_CHECK(cudnnCreate(&resources_.cudnn));
    QRT_CUDNN_CHECK(cudnnSetStream(resources_.cudnn, stream));
    QRT_CUBLAS_CHECK(cublasLtCreate(&resources_.cublaslt));
    workspace_ = DeviceBuffer(workspace_bytes, "the CUDA workspace");
    resources_.workspace = workspace_.get();
    resources_.workspace_bytes = workspace_bytes;
    int device = 0;
    QRT_CUDA_CHECK(cudaGetDevice(&device));
    QRT_CUDA_CHECK(
        cudaDeviceGetAttribute(&resources_.sm_count, cudaDevAttrMultiProcessorCount, device));
  } catch (...) {
    if (resources_.cublaslt) cublasLtDestroy(resources_.cublaslt);
    if (resources_.cudnn) cudnnDestroy(resources_.cudnn);
    if (owns_stream_) cudaStreamDestroy(stream);
    throw;
  }
}

StreamResources::~StreamResources() {
  // Destructors do not throw: pending work is waited for, errors at teardown are ignored.
  cudaStreamSynchronize(resources_.stream);
  cublasLtDestroy(resources_.cublaslt);
  cudnnDestroy(resources_.cudnn);
  if (owns_stream_) cudaStreamDestroy(resources_.stream);
}

void StreamResources::synchronize() const {
  QRT_CUDA_CHECK(cudaStreamSynchronize(resources_.stream));
}

}  // namespace qrt::cuda
