// Every CUDA, cuDNN and cuBLASLt call is checked: a failure throws qrt::Error naming the call
// and the library's own message, so no error goes unnoticed until a later, unrelated call.
#pragma once

#include <cublasLt.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <string>

#include "qrt/types.h"

namespace qrt::cuda {

[[noreturn]] void throw_cuda_error(cudaError_t status, const char* call, const char* file,
                                   int line);
[[noreturn]] void throw_cudnn_error(cudnnStatus_t status, const char* call, const char* file,
                                    int line);
[[noreturn]] void throw_cublas_error(cublasStatus_t status, const char* call, const char* file,
                                     int line);

}  // namespace qrt::cuda

#define QRT_CUDA_CHECK(call)                                                      \
  do {                                                                            \
    const cudaError_t qrt_cuda_status_ = (call);                                  \
    if (qrt_cuda_status_ != cudaSuccess)                                          \
      ::qrt::cuda::throw_cuda_error(qrt_cuda_status_, #call, __FILE__, __LINE__); \
  } while (0)

#define QRT_CUDNN_CHECK(call)                                                       \
  do {                                                                              \
    const cudnnStatus_t qrt_cudnn_status_ = (call);                                 \
    if (qrt_cudnn_status_ != CUDNN_STATUS_SUCCESS)                                  \
      ::qrt::cuda::throw_cudnn_error(qrt_cudnn_status_, #call, __FILE__, __LINE__); \
  } while (0)

#define QRT_CUBLAS_CHECK(call)                                                        \
  do {                                                                                \
    const cublasStatus_t qrt_cublas_status_ = (call);                                 \
    if (qrt_cublas_status_ != CUBLAS_STATUS_SUCCESS)                                  \
      ::qrt::cuda::throw_cublas_error(qrt_cublas_status_, #call, __FILE__, __LINE__); \
  } while (0)

// After a kernel launch: launch-configuration errors surface here, not at the next sync.
#define QRT_CUDA_CHECK_LAUNCH() QRT_CUDA_CHECK(cudaGetLastError())
