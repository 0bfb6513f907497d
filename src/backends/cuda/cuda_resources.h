// What a CUDA kernel gets besides its tensors: the execution context's stream, library
// handles and scratch memory. Tensors handed to CUDA kernels hold device pointers.
#pragma once

#include <cublasLt.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <cstddef>

#include "backends/kernel_registry.h"
#include "qrt/types.h"

namespace qrt::cuda {

struct Resources {
  cudaStream_t stream = nullptr;
  cudnnHandle_t cudnn = nullptr;  // bound to `stream`
  cublasLtHandle_t cublaslt = nullptr;
  void* workspace = nullptr;  // scratch for cuDNN / cuBLASLt / our own kernels
  size_t workspace_bytes = 0;
  bool allow_tf32 = false;  // FP32 convolutions and GEMMs may use TF32 tensor cores
  int sm_count = 0;         // multiprocessors of the device (grid sizing)
};

// The resources of a CUDA kernel call; throws if the caller gave none (a CUDA kernel run
// outside a CUDA execution context).
inline const Resources& resources(const KernelArgs& args) {
  if (!args.resources)
    throw Error(args.node.describe() + ": CUDA kernel called without CUDA resources");
  return *static_cast<const Resources*>(args.resources);
}

// Scratch bytes every context reserves; kernels needing more ask for it through their
// tactic at build time (workspace sizes are part of the plan's tactic).
inline constexpr size_t kDefaultWorkspaceBytes = size_t{64} << 20;

}  // namespace qrt::cuda
