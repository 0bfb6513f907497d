// Owns what one execution context needs on the GPU: a stream, cuDNN and cuBLASLt handles bound
// to it, and a workspace. Kernels see them as a cuda::Resources.
#pragma once

#include "backends/cuda/cuda_device.h"
#include "backends/cuda/cuda_resources.h"

namespace qrt::cuda {

class StreamResources {
 public:
  // With `stream` null the object creates (and later destroys) its own non-blocking stream;
  // otherwise it runs on the caller's stream.
  explicit StreamResources(cudaStream_t stream = nullptr,
                           size_t workspace_bytes = kDefaultWorkspaceBytes,
                           bool allow_tf32 = false);
  ~StreamResources();
  StreamResources(const StreamResources&) = delete;
  StreamResources& operator=(const StreamResources&) = delete;

  const Resources& get() const { return resources_; }
  cudaStream_t stream() const { return resources_.stream; }
  void synchronize() const;

 private:
  Resources resources_;
  bool owns_stream_ = false;
  DeviceBuffer workspace_;
};

}  // namespace qrt::cuda
