// The GPU as qrt sees it: availability, identity (recorded in plans), device memory.
#pragma once

#include <cstddef>
#include <string>

namespace qrt::cuda {

// What a plan records about the GPU and libraries it was built for.
struct DeviceInfo {
  std::string name;  // "NVIDIA H100 80GB HBM3"
  int cc_major = 0, cc_minor = 0;
  int sm_count = 0;
  size_t total_memory = 0;
  int driver_version = 0;        // CUDA driver API version, e.g. 13000
  int runtime_version = 0;       // CUDA runtime linked into qrt
  size_t cudnn_version = 0;      // of the loaded cuDNN library, e.g. 91400
  int cublaslt_version = 0;      // of the loaded cuBLASLt library
  std::string describe() const;  // "NVIDIA H100 80GB HBM3 (sm_90), cuDNN 9.14.0, cuBLASLt 13.1.0"
};

// True when a CUDA GPU can be used; otherwise false with the reason in *why
// ("no CUDA-capable device is detected", "CUDA driver version is insufficient ...").
bool gpu_available(std::string* why = nullptr);

// Throws qrt::Error("--backend cuda needs an NVIDIA GPU: <why>") without a usable GPU.
void require_gpu(const std::string& what);

// Device 0's identity (qrt uses the current device, which is device 0 unless the caller
// chose another with cudaSetDevice).
DeviceInfo current_device_info();

// Device memory owned by one object; allocation failure names the bytes asked for and free.
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t bytes, const std::string& what = "device buffer");
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& other) noexcept;
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  void* get() const { return ptr_; }
  size_t size() const { return bytes_; }

 private:
  void* ptr_ = nullptr;
  size_t bytes_ = 0;
};

// Page-locked host memory, so copies to and from the device run asynchronously at full speed.
class PinnedBuffer {
 public:
  PinnedBuffer() = default;
  explicit PinnedBuffer(size_t bytes);
  ~PinnedBuffer();
  PinnedBuffer(PinnedBuffer&& other) noexcept;
  PinnedBuffer& operator=(PinnedBuffer&& other) noexcept;
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;
  void* get() const { return ptr_; }
  size_t size() const { return bytes_; }

 private:
  void* ptr_ = nullptr;
  size_t bytes_ = 0;
};

}  // namespace qrt::cuda
