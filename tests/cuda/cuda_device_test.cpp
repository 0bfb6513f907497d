#include "backends/cuda/cuda_device.h"

#include <gtest/gtest.h>

#include "backends/cuda/cuda_stream_resources.h"
#include "cuda/cuda_test_util.h"

namespace qrt {
namespace {

TEST(CudaDevice, ReportsTheGpuOrWhyNot) {
  std::string why;
  const bool available = cuda::gpu_available(&why);
  if (!available) {
    EXPECT_FALSE(why.empty());
    EXPECT_THROW(cuda::require_gpu("--backend cuda"), Error);
    GTEST_SKIP() << "no CUDA GPU here: " << why;
  }
  const cuda::DeviceInfo info = cuda::current_device_info();
  EXPECT_FALSE(info.name.empty());
  EXPECT_GE(info.cc_major, 7);
  EXPECT_GT(info.sm_count, 0);
  EXPECT_GT(info.cudnn_version, 0u);
  std::cout << "[ GPU      ] " << info.describe() << "\n";
}

TEST(CudaDevice, OutOfMemoryNamesTheBytesAskedFor) {
  QRT_SKIP_WITHOUT_GPU();
  try {
    cuda::DeviceBuffer huge(size_t{1} << 50, "test buffer");
    FAIL() << "a petabyte allocation succeeded";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("GPU out of memory"), std::string::npos) << msg;
    EXPECT_NE(msg.find("1125899906842624 bytes"), std::string::npos) << msg;
  }
  // The failed allocation leaves no sticky error behind.
  cuda::DeviceBuffer ok(1024);
  EXPECT_NE(ok.get(), nullptr);
}

TEST(CudaDevice, StreamResourcesCreateHandles) {
  QRT_SKIP_WITHOUT_GPU();
  cuda::StreamResources res;
  EXPECT_NE(res.get().stream, nullptr);
  EXPECT_NE(res.get().cudnn, nullptr);
  EXPECT_NE(res.get().cublaslt, nullptr);
  EXPECT_GE(res.get().workspace_bytes, cuda::kDefaultWorkspaceBytes);
  res.synchronize();
}

}  // namespace
}  // namespace qrt
