// What a machine without a GPU says to GPU requests: one clear line, never a crash.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "onnx/importer.h"
#include "qrt/engine.h"
#include "runtime/engine_impl.h"
#ifdef QRT_HAVE_CUDA
#include "backends/cuda/cuda_device.h"
#endif

namespace qrt {
namespace {

bool gpu_here() {
#ifdef QRT_HAVE_CUDA
  return cuda::gpu_available();
#else
  return false;
#endif
}

const std::string kModel = std::string(QRT_SOURCE_DIR) + "/models/fashion_cnn.onnx";

TEST(CudaWithoutGpu, BuildingForCudaSaysAGpuIsNeeded) {
  if (gpu_here()) GTEST_SKIP() << "this machine has a GPU (tests/cuda covers it)";
  BuilderConfig config;
  config.backends = {"cuda"};
  try {
    Builder().build_from_onnx(kModel, config);
    FAIL() << "built a cuda engine without a GPU";
  } catch (const Error& e) {
    const std::string msg = e.what();
#ifdef QRT_HAVE_CUDA
    EXPECT_NE(msg.find("needs an NVIDIA GPU"), std::string::npos) << msg;
    EXPECT_NE(msg.find("fashion_cnn.onnx"), std::string::npos) << msg;
#else
    EXPECT_NE(msg.find("unknown backend 'cuda'"), std::string::npos) << msg;
#endif
  }
}

TEST(CudaWithoutGpu, LoadingACudaPlanSaysAGpuIsNeeded) {
  if (gpu_here()) GTEST_SKIP() << "this machine has a GPU (tests/cuda covers it)";
  // A plan as a GPU machine would write it: nodes on the cuda backend, stamped with its GPU.
  BuilderConfig config;
  auto engine = build_engine(onnx_import::import_onnx(kModel), config, kModel);
  for (ir::Node* node : engine->graph.nodes()) node->backend = "cuda";
  engine->gpu_signature = "NVIDIA H100 80GB HBM3 (sm_90), CUDA runtime 13.0, cuDNN 9.14.0";
  const auto path = (std::filesystem::temp_directory_path() /
                     ("qrt_cuda_plan_" + std::to_string(::getpid()) + ".plan"))
                        .string();
  save_plan(*engine, path);
  try {
    Engine::load(path);
    FAIL() << "loaded a cuda plan without a GPU";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
#ifdef QRT_HAVE_CUDA
    EXPECT_NE(msg.find("needs an NVIDIA GPU"), std::string::npos) << msg;
#else
    EXPECT_NE(msg.find("lacks"), std::string::npos) << msg;
#endif
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace qrt
