// Calibration statistics gathered on the GPU equal the host's exactly: the same range, the same
// histogram bin for every value, so tables do not depend on where calibration ran.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "backends/cuda/cuda_check.h"
#include "cuda/cuda_test_util.h"
#include "io/tensor_file.h"
#include "qrt/engine.h"
#include "quant/calibrate.h"
#include "quant/calibrator.h"
#include "quant/device_calibration_stats.h"
#include "runtime/engine_impl.h"

namespace qrt {
namespace {

// Values a ReLU network produces plus the awkward ones: zeros of both signs, NaN, +-inf,
// values at bin edges and the range's own ends.
Tensor awkward_values(int64_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.f, 2.f);
  Tensor t(DataType::kFloat32, {n});
  float* x = t.data_as<float>();
  for (int64_t i = 0; i < n; ++i) {
    const float v = normal(rng);
    x[i] = (i % 3 == 0) ? std::max(v, 0.f) : v;
  }
  x[0] = -0.0f;
  x[1] = std::numeric_limits<float>::quiet_NaN();
  x[2] = std::numeric_limits<float>::infinity();
  x[3] = -std::numeric_limits<float>::infinity();
  x[4] = 8.0f;  // exactly at a power of two: a bin edge for most ranges
  x[5] = -7.9999995f;
  return t;
}

Tensor upload(const Tensor& host, cuda::DeviceBuffer& buffer) {
  buffer = cuda::DeviceBuffer(host.nbytes(), "test tensor");
  QRT_CUDA_CHECK(cudaMemcpy(buffer.get(), host.data(), host.nbytes(), cudaMemcpyHostToDevice));
  return Tensor::borrow(host.dtype(), host.shape(), buffer.get());
}

void expect_same_stats(const quant::TensorStats& gpu, const quant::TensorStats& host) {
  EXPECT_EQ(gpu.count(), host.count());
  EXPECT_EQ(gpu.nonfinite_count(), host.nonfinite_count());
  EXPECT_EQ(gpu.min(), host.min());
  EXPECT_EQ(gpu.max(), host.max());
  EXPECT_EQ(std::signbit(gpu.min()), std::signbit(host.min()));
  EXPECT_EQ(gpu.histogram(), host.histogram());
  EXPECT_EQ(gpu.zero_count(), host.zero_count());
  EXPECT_EQ(gpu.above_range_count(), host.above_range_count());
}

TEST(CudaCalibration, DeviceStatisticsEqualTheHostsExactly) {
  QRT_SKIP_WITHOUT_GPU();
  const Tensor a = awkward_values(1 << 20, 1), b = awkward_values(777, 2);
  // The second pass sees data beyond the first pass's range (values counted above range).
  Tensor wider = awkward_values(5000, 3);
  wider.data_as<float>()[10] = 100.f;
  for (DataType dtype : {DataType::kFloat32, DataType::kFloat16}) {
    SCOPED_TRACE(dtype_name(dtype));
    auto as = [&](const Tensor& t) { return dtype == DataType::kFloat32 ? t : test::to_f16(t); };
    quant::TensorStats host;
    host.observe_range(as(a));
    host.observe_range(as(b));
    cuda::DeviceBuffer da, db, dw;
    auto gpu = quant::make_cuda_calibration_stats();
    gpu->observe("t", upload(as(a), da), nullptr);
    gpu->observe("t", upload(as(b), db), nullptr);
    quant::Calibrator calibrator;
    for (const auto& [name, s] : gpu->take_ranges()) calibrator.merge(name, s);
    expect_same_stats(calibrator.stats("t"), host);

    host.observe_histogram(as(a));
    host.observe_histogram(as(wider));
    gpu->begin_histograms({{"t", calibrator.stats("t").amax()}});
    gpu->observe("t", upload(as(a), da), nullptr);
    gpu->observe("t", upload(as(wider), dw), nullptr);
    for (const auto& [name, s] : gpu->take_histograms()) calibrator.merge(name, s);
    expect_same_stats(calibrator.stats("t"), host);
    EXPECT_GT(host.above_range_count(), 0);
    EXPECT_GT(host.zero_count(), 0);
  }
}

TEST(CudaCalibration, OtherElementTypesAreAClearError) {
  QRT_SKIP_WITHOUT_GPU();
  cuda::DeviceBuffer d;
  const Tensor ints(DataType::kInt32, {4});
  auto gpu = quant::make_cuda_calibration_stats();
  try {
    gpu->observe("counts", upload(ints, d), nullptr);
    FAIL() << "int32 accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'counts'"), std::string::npos) << e.what();
  }
}

// A whole calibration of a GPU engine: statistics on the GPU give the table the host gives from
// copies of the same tensors, for every algorithm.
TEST(CudaCalibration, GpuEngineTablesEqualTheHostGatheredOnes) {
  QRT_SKIP_WITHOUT_GPU();
  BuilderConfig config;
  config.backends = {"cuda"};
  config.batch = BatchProfile{1, 4, 4};
  auto engine = Builder().build_from_onnx(
      std::string(QRT_SOURCE_DIR) + "/models/fashion_resnet.onnx", config);
  std::shared_ptr<const EngineImpl> impl(engine, &engine->impl());
  ASSERT_TRUE(impl->uses_device());
  const Tensor x = io::load_npy(std::string(QRT_SOURCE_DIR) + "/models/fashion_sample.npy");
  CalibrationConfig cal;
  cal.num_batches = 2;
  cal.batch = [x](int64_t i) {
    Tensor part(DataType::kFloat32, {4, 1, 28, 28});
    std::memcpy(part.data(), x.data_as<float>() + i * part.numel(), part.nbytes());
    return std::map<std::string, Tensor>{{"image", part}};
  };
  for (const char* algorithm : {"minmax", "entropy", "percentile", "mse"}) {
    SCOPED_TRACE(algorithm);
    cal.algorithm = algorithm;
    const auto on_gpu = quant::calibrate(impl, cal);
    const auto on_host = quant::calibrate(impl, cal, quant::StatisticsOn::kHost);
    EXPECT_GT(on_gpu.scales.size(), 10u);
    EXPECT_EQ(on_gpu.scales, on_host.scales);
  }
}

}  // namespace
}  // namespace qrt
