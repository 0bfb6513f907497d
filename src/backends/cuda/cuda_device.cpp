#include "backends/cuda/cuda_device.h"

#include <sstream>
#include <utility>

#include "backends/cuda/cuda_check.h"

namespace qrt::cuda {

void throw_cuda_error(cudaError_t status, const char* call, const char* file, int line) {
  throw Error(std::string("CUDA error ") + cudaGetErrorName(status) + " (" +
              cudaGetErrorString(status) + ") in " + call + " at " + file + ":" +
              std::to_string(line));
}

void throw_cudnn_error(cudnnStatus_t status, const char* call, const char* file, int line) {
  throw Error(std::string("cuDNN error ") + cudnnGetErrorString(status) + " in " + call + " at " +
              file + ":" + std::to_string(line));
}

void throw_cublas_error(cublasStatus_t status, const char* call, const char* file, int line) {
  throw Error("cuBLASLt error " + std::to_string(static_cast<int>(status)) + " in " + call +
              " at " + file + ":" + std::to_string(line));
}

bool gpu_available(std::string* why) {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    if (why) *why = cudaGetErrorString(status);
    cudaGetLastError();  // clear the sticky error so later calls start clean
    return false;
  }
  if (count == 0) {
    if (why) *why = "no CUDA-capable device is detected";
    return false;
  }
  return true;
}

void require_gpu(const std::string& what) {
  std::string why;
  if (!gpu_available(&why)) throw Error(what + " needs an NVIDIA GPU: " + why);
}

std::string DeviceInfo::describe() const {
  std::ostringstream os;
  os << name << " (sm_" << cc_major << cc_minor << "), CUDA runtime " << runtime_version / 1000
     << "." << (runtime_version % 1000) / 10 << ", cuDNN " << cudnn_version / 10000 << "."
     << (cudnn_version % 10000) / 100 << "." << cudnn_version % 100 << ", cuBLASLt "
     << cublaslt_version / 10000 << "." << (cublaslt_version % 10000) / 100 << "."
     << cublaslt_version % 100;
  return os.str();
}

DeviceInfo current_device_info() {
  require_gpu("this operation");
  int device = 0;
  QRT_CUDA_CHECK(cudaGetDevice(&device));
  cudaDeviceProp prop{};
  QRT_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  DeviceInfo info;
  info.name = prop.name;
  info.cc_major = prop.major;
  info.cc_minor = prop.minor;
  info.sm_count = prop.multiProcessorCount;
  info.total_memory = prop.totalGlobalMem;
  QRT_CUDA_CHECK(cudaDriverGetVersion(&info.driver_version));
  QRT_CUDA_CHECK(cudaRuntimeGetVersion(&info.runtime_version));
  info.cudnn_version = cudnnGetVersion();
  info.cublaslt_version = static_cast<int>(cublasLtGetVersion());
  return info;
}

DeviceBuffer::DeviceBuffer(size_t bytes, const std::string& what) : bytes_(bytes) {
  if (bytes == 0) return;
  const cudaError_t status = cudaMalloc(&ptr_, bytes);
  if (status != cudaSuccess) {
    cudaGetLastError();
    ptr_ = nullptr;
    size_t free_bytes = 0, total = 0;
    cudaMemGetInfo(&free_bytes, &total);
    throw Error("GPU out of memory: " + what + " asked for " + std::to_string(bytes) + " bytes (" +
                std::to_string(bytes >> 20) + " MiB), " + std::to_string(free_bytes >> 20) +
                " MiB free of " + std::to_string(total >> 20) + " MiB (" +
                cudaGetErrorString(status) + ")");
  }
}

DeviceBuffer::~DeviceBuffer() {
  if (ptr_) cudaFree(ptr_);
}

DeviceBuffer::DeviceBuffer(DeviceBuffer&& other) noexcept
    : ptr_(std::exchange(other.ptr_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
  if (this != &other) {
    if (ptr_) cudaFree(ptr_);
    ptr_ = std::exchange(other.ptr_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

PinnedBuffer::PinnedBuffer(size_t bytes) : bytes_(bytes) {
  if (bytes == 0) return;
  const cudaError_t status = cudaMallocHost(&ptr_, bytes);
  if (status != cudaSuccess) {
    cudaGetLastError();
    ptr_ = nullptr;
    throw Error("out of pinned host memory: asked for " + std::to_string(bytes) + " bytes (" +
                cudaGetErrorString(status) + ")");
  }
}

PinnedBuffer::~PinnedBuffer() {
  if (ptr_) cudaFreeHost(ptr_);
}

PinnedBuffer::PinnedBuffer(PinnedBuffer&& other) noexcept
    : ptr_(std::exchange(other.ptr_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}

PinnedBuffer& PinnedBuffer::operator=(PinnedBuffer&& other) noexcept {
  if (this != &other) {
    if (ptr_) cudaFreeHost(ptr_);
    ptr_ = std::exchange(other.ptr_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

}  // namespace qrt::cuda
