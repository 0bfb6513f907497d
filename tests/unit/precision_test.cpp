// FP16 and INT8 engines end to end on the bundled Fashion-MNIST CNN: lowering, calibration,
// tables and QDQ models, against the FP32 engine.
#include "quant/precision.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "io/tensor_file.h"
#include "qrt/engine.h"
#include "quant/calibration_table.h"
#include "runtime/engine_impl.h"
#include "unit/pass_test_util.h"

namespace qrt {
namespace {

const std::string kModels = std::string(QRT_SOURCE_DIR) + "/models/";

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("qrt_precision_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

Tensor sample() { return io::load_npy(kModels + "fashion_sample.npy"); }

// Calibration on the 8 sample images, in two batches of 4.
CalibrationConfig sample_calibration(const std::string& algorithm) {
  CalibrationConfig c;
  c.algorithm = algorithm;
  const Tensor x = sample();
  c.num_batches = 2;
  c.batch = [x](int64_t i) {
    Tensor part(DataType::kFloat32, {4, 1, 28, 28});
    std::memcpy(part.data(), x.data_as<float>() + i * 4 * 28 * 28, part.nbytes());
    return std::map<std::string, Tensor>{{"image", part}};
  };
  return c;
}

double cosine(const Tensor& a, const Tensor& b) {
  double ab = 0, aa = 0, bb = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    const double x = a.data_as<float>()[i], y = b.data_as<float>()[i];
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return ab / std::sqrt(aa * bb);
}

float max_abs(const Tensor& a, const Tensor& b) {
  float m = 0;
  for (int64_t i = 0; i < a.numel(); ++i)
    m = std::max(m, std::fabs(a.data_as<float>()[i] - b.data_as<float>()[i]));
  return m;
}

int argmax_agreement(const Tensor& a, const Tensor& b) {
  int same = 0;
  const int64_t n = a.dim(0), c = a.dim(1);
  for (int64_t i = 0; i < n; ++i) {
    const float* x = a.data_as<float>() + i * c;
    const float* y = b.data_as<float>() + i * c;
    same += std::max_element(x, x + c) - x == std::max_element(y, y + c) - y;
  }
  return same;
}

Tensor run(const std::shared_ptr<Engine>& e) {
  return e->create_context()->run({{"image", sample()}}).at("logits");
}

size_t count_dtype(const Engine& e, DataType t) {
  size_t n = 0;
  for (const ir::Value* v : e.impl().graph.values()) n += v->dtype == t && !v->is_constant();
  return n;
}

BuilderConfig config_for(const std::string& precision) {
  BuilderConfig c;
  c.precision = precision;
  c.batch = BatchProfile{1, 8, 8};
  return c;
}

// fp16 and bf16: the same lowering into a different 16-bit type.
struct Float16Precision {
  std::string name;
  DataType dtype;
  double min_cosine;  // bf16 keeps 8 significant bits to fp16's 11
};

class Float16Lowering : public ::testing::TestWithParam<Float16Precision> {};

INSTANTIATE_TEST_SUITE_P(Fp16AndBf16, Float16Lowering,
                         ::testing::Values(Float16Precision{"fp16", DataType::kFloat16, 0.9999},
                                           Float16Precision{"bf16", DataType::kBFloat16, 0.999}),
                         [](const auto& param_info) { return param_info.param.name; });

TEST_P(Float16Lowering, KeepsInputsOutputsAndAccuracy) {
  const Float16Precision& p = GetParam();
  auto fp32 = Builder().build_from_onnx(kModels + "fashion_cnn.onnx", config_for("fp32"));
  auto low = Builder().build_from_onnx(kModels + "fashion_cnn.onnx", config_for(p.name));
  EXPECT_GT(count_dtype(*low, p.dtype), 5u);
  const DataType other = p.dtype == DataType::kFloat16 ? DataType::kBFloat16 : DataType::kFloat16;
  EXPECT_EQ(count_dtype(*low, other), 0u);
  EXPECT_EQ(low->inputs().at(0).dtype, DataType::kFloat32);
  EXPECT_EQ(low->outputs().at(0).name, "logits");
  EXPECT_EQ(low->outputs().at(0).dtype, DataType::kFloat32);
  const Tensor a = run(fp32), b = run(low);
  EXPECT_GT(cosine(a, b), p.min_cosine);
  EXPECT_LT(cosine(a, b), 1.0 - 1e-9);  // it did compute in the 16-bit type
  EXPECT_EQ(argmax_agreement(a, b), 8);
  bool any_low = false;
  for (const auto& l : low->summary().layers) any_low |= l.precision == p.name;
  EXPECT_TRUE(any_low);
  // The weights are stored in the 16-bit type.
  size_t low_weights = 0;
  for (const ir::Value* v : low->impl().graph.values())
    low_weights += v->is_constant() && v->dtype == p.dtype;
  EXPECT_GT(low_weights, 2u);
}

TEST_P(Float16Lowering, LayerPrecisionOverrideKeepsALayerInFp32) {
  BuilderConfig c = config_for(GetParam().name);
  auto probe = Builder().build_from_onnx(kModels + "fashion_cnn.onnx", config_for("fp32"));
  const std::string first_conv = probe->summary().layers.at(0).name;
  c.layer_precision[first_conv] = "fp32";
  auto e = Builder().build_from_onnx(kModels + "fashion_cnn.onnx", c);
  bool seen = false;
  for (const auto& l : e->summary().layers)
    if (l.name == first_conv) {
      seen = true;
      EXPECT_EQ(l.precision, "fp32");
    } else if (l.op_type == "Conv" || l.op_type == "FusedConv") {
      EXPECT_EQ(l.precision, GetParam().name) << l.name;
    }
  EXPECT_TRUE(seen);
  c.layer_precision = {{"no such layer", "fp32"}};
  EXPECT_THROW(Builder().build_from_onnx(kModels + "fashion_cnn.onnx", c), Error);
}

// Softmax (and the other sensitive ops) stay f32 between Casts; the rest runs in the 16-bit
// type with Casts only at the graph's borders.
TEST_P(Float16Lowering, SensitiveOpsStayFp32) {
  const Float16Precision& p = GetParam();
  ir::Graph g;
  ir::Value* x = test::add_input(g, "x", {2, 8});
  ir::Value* w = g.add_constant("w", Tensor(DataType::kFloat32, {8, 4}));
  ir::Value* h = test::add_typed(g, "h", test::static_shape({2, 4}));
  ir::Value* r = test::add_typed(g, "r", test::static_shape({2, 4}));
  ir::Value* s = test::add_typed(g, "s", test::static_shape({2, 4}));
  g.add_node("MatMul", "mm", {x, w}, {h});
  g.add_node("Relu", "relu", {h}, {r});
  g.add_node("Softmax", "softmax", {r}, {s});
  g.outputs = {s};
  const int lowered = quant::lower_to_float(g, {}, p.dtype);
  EXPECT_EQ(lowered, 2);  // MatMul and Relu
  const ir::Node* mm = nullptr;
  const ir::Node* softmax = nullptr;
  std::vector<int64_t> cast_targets;
  for (const ir::Node* n : g.nodes()) {
    if (n->op_type == "MatMul") mm = n;
    if (n->op_type == "Softmax") softmax = n;
    if (n->op_type == "Cast") cast_targets.push_back(n->attr_int("to", 0));
  }
  ASSERT_TRUE(mm && softmax);
  EXPECT_EQ(mm->input(0)->dtype, p.dtype);
  EXPECT_EQ(mm->input(1)->dtype, p.dtype);  // the weights, converted once
  EXPECT_TRUE(mm->input(1)->is_constant());
  EXPECT_EQ(mm->output(0)->dtype, p.dtype);
  EXPECT_EQ(softmax->input(0)->dtype, DataType::kFloat32);
  EXPECT_EQ(softmax->output(0)->dtype, DataType::kFloat32);
  EXPECT_EQ(g.outputs.at(0)->dtype, DataType::kFloat32);
  // Into the 16-bit type at the input, back to f32 before Softmax.
  const int64_t onnx_low = p.dtype == DataType::kFloat16 ? 10 : 16;
  std::sort(cast_targets.begin(), cast_targets.end());
  EXPECT_EQ(cast_targets, (std::vector<int64_t>{1, onnx_low}));
}

TEST(Precision, Bf16PlanRoundTripsWithIdenticalOutputs) {
  for (const std::vector<std::string>& backends :
       {std::vector<std::string>{"reference"}, std::vector<std::string>{"cpu", "reference"}}) {
    SCOPED_TRACE(backends.front());
    BuilderConfig c = config_for("bf16");
    c.backends = backends;
    auto bf16 = Builder().build_from_onnx(kModels + "fashion_resnet.onnx", c);
    const std::string path = temp_path("resnet_bf16.plan");
    bf16->save(path);
    auto loaded = Engine::load(path);
    std::remove(path.c_str());
    EXPECT_EQ(count_dtype(*loaded, DataType::kBFloat16), count_dtype(*bf16, DataType::kBFloat16));
    size_t bf16_weights = 0;
    for (const ir::Value* v : loaded->impl().graph.values())
      bf16_weights += v->is_constant() && v->dtype == DataType::kBFloat16;
    EXPECT_GT(bf16_weights, 5u);
    const Tensor a = run(bf16), b = run(loaded);
    ASSERT_EQ(a.nbytes(), b.nbytes());
    EXPECT_EQ(0, std::memcmp(a.data(), b.data(), a.nbytes()));
  }
}

TEST(Precision, Int8WithCalibrationRunsConvolutionsInInt8) {
  for (const char* algo : {"minmax", "entropy", "percentile", "mse"}) {
    BuilderConfig c = config_for("int8");
    c.calibration = sample_calibration(algo);
    auto int8 = Builder().build_from_onnx(kModels + "fashion_cnn.onnx", c);
    int int8_layers = 0;
    for (const auto& l : int8->summary().layers) int8_layers += l.precision == "int8";
    EXPECT_GE(int8_layers, 4) << algo;  // three convolutions and the classifier, plus quantize
    EXPECT_GT(count_dtype(*int8, DataType::kInt8), 2u) << algo;
    const Tensor a =
        run(Builder().build_from_onnx(kModels + "fashion_cnn.onnx", config_for("fp32")));
    const Tensor b = run(int8);
    EXPECT_GT(cosine(a, b), 0.99) << algo;
    EXPECT_GE(argmax_agreement(a, b), 7) << algo;
  }
}

TEST(Precision, CalibrationTableIsWrittenThenUsed) {
  const std::string table = temp_path("table.cache");
  std::remove(table.c_str());
  BuilderConfig c = config_for("int8");
  c.calibration = sample_calibration("entropy");
  c.calibration.table_path = table;
  const Tensor first = run(Builder().build_from_onnx(kModels + "fashion_cnn.onnx", c));
  ASSERT_TRUE(std::filesystem::exists(table));
  // Second build: no data at all, the table alone.
  BuilderConfig from_table = config_for("int8");
  from_table.calibration.table_path = table;
  const Tensor second = run(Builder().build_from_onnx(kModels + "fashion_cnn.onnx", from_table));
  ASSERT_EQ(first.shape(), second.shape());
  EXPECT_EQ(0, std::memcmp(first.data(), second.data(), first.nbytes()));
  // The table read back holds bit-identical scales to what was written.
  const auto read = quant::read_calibration_table(table);
  quant::write_calibration_table(table + ".2", read, quant::TableFormat::kTensorRT);
  EXPECT_EQ(quant::read_calibration_table(table + ".2").scales, read.scales);
  std::remove(table.c_str());
  std::remove((table + ".2").c_str());
}

TEST(Precision, Int8WithoutScalesIsAClearError) {
  try {
    Builder().build_from_onnx(kModels + "fashion_cnn.onnx", config_for("int8"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("int8 needs calibration data"), std::string::npos);
  }
}

TEST(Precision, TableForAnotherModelIsRejected) {
  const std::string table = temp_path("other.cache");
  std::ofstream(table) << "TRT-8601-EntropyCalibration2\nfoo: 3c010204\nbar: 3c010204\n";
  BuilderConfig c = config_for("int8");
  c.calibration.table_path = table;
  try {
    Builder().build_from_onnx(kModels + "fashion_cnn.onnx", c);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(table), std::string::npos) << e.what();
  }
  std::remove(table.c_str());
}

TEST(Precision, QatModelBuildsToInt8FromItsOwnScales) {
  const std::string model = kModels + "fashion_resnet_qat.onnx";
  auto fake = Builder().build_from_onnx(model, config_for("fp32"));  // Q/DQ run as float ops
  auto int8 = Builder().build_from_onnx(model, config_for("int8"));  // no calibration needed
  int int8_layers = 0;
  for (const auto& l : int8->summary().layers) {
    EXPECT_NE(l.op_type, "DequantizeLinear");
    int8_layers += l.precision == "int8";
  }
  EXPECT_GE(int8_layers, 15);
  const Tensor a = run(fake), b = run(int8);
  EXPECT_GT(cosine(a, b), 0.999);
  // Sample 4 is a near tie in the fake-quantized model (its two best logits lie 0.01 apart),
  // which the float summation order of its Convs decides; int8 is exact and picks class 6.
  EXPECT_GE(argmax_agreement(a, b), 7);
}

// The bundled U-Net in INT8, entropy-calibrated on the 8 sample canvases.
std::shared_ptr<Engine> unet_int8(const Tensor& x) {
  BuilderConfig c = config_for("int8");
  c.calibration.algorithm = "entropy";
  c.calibration.num_batches = 2;
  c.calibration.batch = [x](int64_t i) {
    Tensor part(DataType::kFloat32, {4, 1, 128, 128});
    std::memcpy(part.data(), x.data_as<float>() + i * 4 * 128 * 128, part.nbytes());
    return std::map<std::string, Tensor>{{"image", part}};
  };
  return Builder().build_from_onnx(kModels + "fashion_unet.onnx", c);
}

TEST(Precision, Int8UNetPlanRoundTrips) {
  // Every QuantizeLinear of the plan must have a distinct name for the plan to load (a skip
  // connection was once quantized twice, with two scales).
  const Tensor x = io::load_npy(kModels + "fashion_seg_sample.npy");
  auto int8 = unet_int8(x);
  const std::string path = temp_path("unet_int8.plan");
  int8->save(path);
  auto loaded = Engine::load(path);
  std::remove(path.c_str());
  Tensor one(DataType::kFloat32, {1, 1, 128, 128});
  std::memcpy(one.data(), x.data(), one.nbytes());
  const auto a = int8->create_context()->run({{"image", one}});
  const auto b = loaded->create_context()->run({{"image", one}});
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, t] : a)
    EXPECT_EQ(0, std::memcmp(t.data(), b.at(name).data(), t.nbytes())) << name;
}

// The U-Net's skip connections feed a MaxPool (going down) and a Concat (going up): they take
// the Concat's scale, so each is quantized once, in the epilogue of the convolution that makes
// it. The only QuantizeLinear left is the image's; every convolution but the last writes int8;
// the masks agree with the FP32 engine's.
TEST(Precision, Int8UNetSkipConnectionsAreQuantizedOnce) {
  const Tensor x = io::load_npy(kModels + "fashion_seg_sample.npy");
  auto int8 = unet_int8(x);
  int quantize_nodes = 0, concats = 0, f32_conv_outputs = 0;
  for (const ir::Node* n : int8->impl().graph.nodes()) {
    if (n->op_type == "QuantizeLinear") {
      ++quantize_nodes;
      EXPECT_EQ(n->input(0)->name, "image") << n->name;
    }
    if (n->op_type == "Concat") {
      ++concats;
      const ir::Value* out = n->outputs.at(0);
      ASSERT_EQ(out->dtype, DataType::kInt8) << n->name;
      for (const ir::Value* in : n->inputs) {
        EXPECT_EQ(in->dtype, DataType::kInt8) << n->name;
        ASSERT_TRUE(in->quant && out->quant) << n->name;
        EXPECT_EQ(in->quant->scales, out->quant->scales) << n->name << " input " << in->name;
      }
    }
    if ((n->op_type == "ConvInt8" || n->op_type == "ConvTransposeInt8") &&
        n->outputs.at(0)->dtype == DataType::kFloat32)
      ++f32_conv_outputs;
  }
  EXPECT_EQ(concats, 3);
  EXPECT_EQ(quantize_nodes, 1);
  EXPECT_EQ(f32_conv_outputs, 1);  // the 1x1 classifier writing the float logits

  BuilderConfig fp32_config = config_for("fp32");
  auto fp32 = Builder().build_from_onnx(kModels + "fashion_unet.onnx", fp32_config);
  Tensor batch(DataType::kFloat32, {8, 1, 128, 128});
  std::memcpy(batch.data(), x.data(), batch.nbytes());
  const Tensor a = fp32->create_context()->run({{"image", batch}}).at("mask_logits");
  const Tensor b = int8->create_context()->run({{"image", batch}}).at("mask_logits");
  EXPECT_GT(cosine(a, b), 0.99);
  int64_t same = 0;
  for (int64_t i = 0; i < a.numel(); ++i)
    same += (a.data_as<float>()[i] > 0) == (b.data_as<float>()[i] > 0);
  EXPECT_GT(static_cast<double>(same) / static_cast<double>(a.numel()), 0.99);
}

}  // namespace
}  // namespace qrt

namespace qrt {
namespace {

TEST(Precision, BestRunsInt8WhereScalesExistAndFp16Elsewhere) {
  BuilderConfig c = config_for("best");
  c.calibration = sample_calibration("minmax");
  auto best = Builder().build_from_onnx(kModels + "fashion_cnn.onnx", c);
  std::map<std::string, int> by_precision;
  for (const auto& l : best->summary().layers) ++by_precision[l.precision];
  EXPECT_GE(by_precision["int8"], 4);
  EXPECT_GE(by_precision["fp16"], 1);  // the pooling between the last conv and the classifier
  const Tensor a = run(Builder().build_from_onnx(kModels + "fashion_cnn.onnx", config_for("fp32")));
  EXPECT_GT(cosine(a, run(best)), 0.99);
}

}  // namespace
}  // namespace qrt

namespace qrt {
namespace {

TEST(Precision, WeightsOnlyBaselineRoundsWeightsThroughInt8) {
  auto fp32 = Builder().build_from_onnx(kModels + "fashion_cnn.onnx", config_for("fp32"));
  auto w8 = Builder().build_from_onnx(kModels + "fashion_cnn.onnx", config_for("weights-int8"));
  const Tensor a = run(fp32), b = run(w8);
  EXPECT_GT(cosine(a, b), 0.999);
  EXPECT_GT(max_abs(a, b), 0.f);  // the weights did change
  for (const auto& l : w8->summary().layers) EXPECT_EQ(l.precision, "fp32");
}

}  // namespace
}  // namespace qrt

namespace qrt {
namespace {

// Residual blocks stay in int8: each block's last convolution reads the skip path in int8 (with
// its scale) and writes int8 for the next block, so no float tensor or QuantizeLinear sits
// between two blocks.
TEST(Precision, Int8ResidualsFlowInInt8BetweenBlocks) {
  const std::string model = kModels + "fashion_resnet.onnx";
  BuilderConfig c = config_for("int8");
  c.calibration = sample_calibration("minmax");
  auto int8 = Builder().build_from_onnx(model, c);
  int with_residual = 0, int8_out = 0, quantize_nodes = 0;
  for (const ir::Node* n : int8->impl().graph.nodes()) {
    // A QuantizeLinear of a convolution's output would be a float round trip between layers.
    if (n->op_type == "QuantizeLinear" && n->input(0)->producer)
      quantize_nodes += n->input(0)->producer->op_type == "ConvInt8";
    if (n->op_type != "ConvInt8" || !n->input(4)) continue;
    ++with_residual;
    EXPECT_EQ(n->input(4)->dtype, DataType::kInt8) << n->name;
    EXPECT_GT(n->attr_float("r_scale", 0), 0.f) << n->name;
    int8_out += n->outputs.at(0)->dtype == DataType::kInt8;
  }
  EXPECT_GE(with_residual, 3);
  // Every block but the last feeds another block in int8; the last feeds the float pooling.
  EXPECT_EQ(int8_out, with_residual - 1);
  EXPECT_EQ(quantize_nodes, 0);
  const Tensor a = run(Builder().build_from_onnx(model, config_for("fp32")));
  const Tensor b = run(int8);
  EXPECT_GT(cosine(a, b), 0.99);
  EXPECT_GE(argmax_agreement(a, b), 7);
}

}  // namespace
}  // namespace qrt

namespace qrt {
namespace {

// Fused float convolutions are qrt's own ops but not int8: the summary says what they compute in.
TEST(Precision, FusedFloatConvolutionsAreReportedAsFp32) {
  BuilderConfig c = config_for("fp32");
  c.backends = {"cpu"};  // the cpu backend fuses Conv + activation into qrt.FusedConv
  auto e = Builder().build_from_onnx(kModels + "fashion_cnn.onnx", c);
  int fused = 0;
  for (const auto& l : e->summary().layers) {
    EXPECT_EQ(l.precision, "fp32") << l.name << " " << l.op_type;
    fused += l.op_type == "FusedConv";
  }
  EXPECT_GT(fused, 0);
}

}  // namespace
}  // namespace qrt
