// Models written by current exporters: torch.onnx.export of PyTorch 2.11 (opset 18, IR 10,
// weights in a .onnx.data file beside the model) and Debian's PyTorch 1.13 (opset 17).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "io/tensor_file.h"
#include "qrt/engine.h"

namespace qrt {
namespace {

// max |y - ref| / max |ref|
double max_relative_error(const Tensor& y, const Tensor& ref) {
  EXPECT_EQ(y.shape(), ref.shape());
  double err = 0, scale = 0;
  for (int64_t i = 0; i < ref.numel(); ++i) {
    err = std::max(err, double(std::fabs(y.data_as<float>()[i] - ref.data_as<float>()[i])));
    scale = std::max(scale, double(std::fabs(ref.data_as<float>()[i])));
  }
  return err / scale;
}

// The first `n` items of a batch.
Tensor first_items(const Tensor& t, int64_t n) {
  std::vector<int64_t> shape = t.shape();
  shape[0] = n;
  Tensor out(t.dtype(), shape);
  std::memcpy(out.data(), t.data(), out.nbytes());
  return out;
}

class Opset18Model : public ::testing::TestWithParam<std::string> {};

TEST_P(Opset18Model, MatchesPyTorchAtSeveralBatchSizes) {
  const std::string base = std::string(QRT_SOURCE_DIR) + "/tests/data/opset18/" + GetParam();
  BuilderConfig config;
  config.batch = BatchProfile{1, 3, 8};
  auto engine = Builder().build_from_onnx(base + ".onnx", config);
  const Tensor x = io::load_npy(base + ".input.npy");
  const Tensor ref = io::load_npy(base + ".output.npy");
  auto ctx = engine->create_context();
  const std::string in = engine->inputs().at(0).name, out = engine->outputs().at(0).name;
  EXPECT_LT(max_relative_error(ctx->run({{in, x}}).at(out), ref), 1e-4);
  // Batch 1 must give the first row of the batch-3 result.
  EXPECT_LT(max_relative_error(ctx->run({{in, first_items(x, 1)}}).at(out), first_items(ref, 1)),
            1e-4);
}

INSTANTIATE_TEST_SUITE_P(PyTorch2, Opset18Model,
                         ::testing::Values("small_cnn", "tiny_transformer", "tiny_unet"));

TEST(Opset17Model, BundledFashionCnnMatchesPyTorch) {
  const std::string dir = std::string(QRT_SOURCE_DIR) + "/models/";
  auto engine = Builder().build_from_onnx(dir + "fashion_cnn.onnx", BuilderConfig{});
  const Tensor x = io::load_npy(dir + "fashion_sample.npy");
  const Tensor ref = io::load_npy(dir + "fashion_sample_logits.npy");
  const auto y = engine->create_context()->run({{"image", x}}).at("logits");
  EXPECT_LT(max_relative_error(y, ref), 1e-4);
  // BatchNorm was folded into the convolutions and Dropout removed.
  for (const auto& layer : engine->summary().layers) {
    EXPECT_NE(layer.op_type, "BatchNormalization");
    EXPECT_NE(layer.op_type, "Dropout");
  }
}

}  // namespace
}  // namespace qrt
