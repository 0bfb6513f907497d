// Empirical bias correction (--calib-bias-correction): the correction against a brute-force
// E[(W_q - W) x] on small layers with padding, its independence of batch size and sample order,
// its effect on built plans, tables and QDQ exports, and its errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>

#include "io/tensor_file.h"
#include "onnx/export_qdq.h"
#include "onnx_test_util.h"
#include "qrt/engine.h"
#include "quant/bias_correction.h"
#include "quant/calibration_table.h"
#include "runtime/engine_impl.h"
#include "unit/pass_test_util.h"

namespace qrt::quant {
namespace {

using qrt::test::expect_error;

const std::string kModels = std::string(QRT_SOURCE_DIR) + "/models/";

std::vector<float> random_values(size_t n, uint32_t seed, float lo = -1.f, float hi = 1.f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

Tensor tensor(std::vector<int64_t> shape, const std::vector<float>& v) {
  return Tensor::from_vector(DataType::kFloat32, std::move(shape), v);
}

// W_q - W per element, computed here independently of qrt: symmetric int8 per output channel,
// scale = max |w| / 127 (in float, as qrt rounds it), round half to even.
std::vector<double> weight_error(const std::vector<float>& w, const std::vector<int64_t>& channel) {
  const int64_t channels = *std::max_element(channel.begin(), channel.end()) + 1;
  std::vector<float> amax(static_cast<size_t>(channels), 0.f);
  for (size_t i = 0; i < w.size(); ++i)
    amax[static_cast<size_t>(channel[i])] =
        std::max(amax[static_cast<size_t>(channel[i])], std::fabs(w[i]));
  std::vector<double> d(w.size());
  for (size_t i = 0; i < w.size(); ++i) {
    const float s = amax[static_cast<size_t>(channel[i])] / 127.f;
    d[i] = static_cast<double>(std::nearbyint(w[i] / s)) * s - w[i];
  }
  return d;
}

struct Layer {
  ir::Graph graph;
  ir::Node* node = nullptr;
};

// One Conv or ConvTranspose reading "x" with weights w.
void make_conv(Layer& l, const std::string& op, const Tensor& w,
               const std::map<std::string, std::vector<int64_t>>& attrs, int64_t group = 1) {
  ir::Value* x = test::add_input(l.graph, "x", {-1, 1, 1, 1});
  ir::Value* wv = l.graph.add_constant("w", w);
  ir::Value* y = l.graph.add_value("y");
  l.node = l.graph.add_node(op, "layer", {x, wv}, {y});
  for (const auto& [k, v] : attrs) l.node->attrs[k] = v;
  if (group != 1) l.node->attrs["group"] = group;
  l.graph.outputs.push_back(y);
}

// Brute force: the mean over samples and output positions of conv(x_n, W_q - W), per channel.
std::vector<double> brute_conv(const std::vector<float>& x, int64_t n, int64_t c, int64_t h,
                               int64_t wd, const std::vector<double>& dw, int64_t m, int64_t k,
                               int64_t pad, int64_t sh, int64_t sw, int64_t group) {
  const int64_t oh = (h + 2 * pad - k) / sh + 1, ow = (wd + 2 * pad - k) / sw + 1;
  const int64_t cg = c / group, mg = m / group;
  std::vector<double> out(static_cast<size_t>(m), 0.0);
  for (int64_t s = 0; s < n; ++s)
    for (int64_t co = 0; co < m; ++co)
      for (int64_t oy = 0; oy < oh; ++oy)
        for (int64_t ox = 0; ox < ow; ++ox)
          for (int64_t ci = 0; ci < cg; ++ci)
            for (int64_t ky = 0; ky < k; ++ky)
              for (int64_t kx = 0; kx < k; ++kx) {
                const int64_t iy = oy * sh - pad + ky, ix = ox * sw - pad + kx;
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;  // zero padding
                const int64_t in_c = (co / mg) * cg + ci;
                out[static_cast<size_t>(co)] +=
                    dw[static_cast<size_t>(((co * cg + ci) * k + ky) * k + kx)] *
                    x[static_cast<size_t>(((s * c + in_c) * h + iy) * wd + ix)];
              }
  for (double& v : out) v /= static_cast<double>(n * oh * ow);
  return out;
}

std::vector<double> correction_of(const Layer& l, const std::vector<Tensor>& batches,
                                  MeanOver over) {
  InputMeans means;
  for (const Tensor& b : batches) means.observe("x", b, over);
  return layer_bias_correction(*l.node, means.mean("x", over), means.kept_shape("x", over));
}

void expect_near(const std::vector<double>& a, const std::vector<double>& b) {
  ASSERT_EQ(a.size(), b.size());
  double scale = 0;
  for (double v : b) scale = std::max(scale, std::fabs(v));
  EXPECT_GT(scale, 0.0);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-12 + 1e-9 * scale) << i;
}

TEST(QuantBiasCorrection, ConvWithPaddingEqualsTheBruteForceMeanOfItsWeightError) {
  // 3 samples of 2 x 4 x 5, 3 x 3 kernels, zero padding 1 and strides 1 x 2: most output
  // positions read the padding, so a correction from the mean input alone would be wrong.
  for (int64_t group : {1, 2}) {
    const int64_t n = 3, c = 2, h = 4, wd = 5, m = 4, k = 3;
    const auto xv = random_values(static_cast<size_t>(n * c * h * wd), 1, 0.f, 2.f);
    const auto wv = random_values(static_cast<size_t>(m * (c / group) * k * k), 2);
    Layer l;
    make_conv(l, "Conv", tensor({m, c / group, k, k}, wv),
              {{"pads", {1, 1, 1, 1}}, {"strides", {1, 2}}}, group);
    std::vector<int64_t> channel(wv.size());
    for (size_t i = 0; i < wv.size(); ++i)
      channel[i] = static_cast<int64_t>(i) / ((c / group) * k * k);
    const auto expected =
        brute_conv(xv, n, c, h, wd, weight_error(wv, channel), m, k, 1, 1, 2, group);
    expect_near(correction_of(l, {tensor({n, c, h, wd}, xv)}, MeanOver::kBatch), expected);
  }
}

TEST(QuantBiasCorrection, ConvTransposeEqualsTheBruteForceMean) {
  // ConvTranspose 2 -> 3 channels, 2 x 2 kernel, stride 2, pads 1 (the border outputs dropped).
  const int64_t n = 2, c = 2, h = 3, wd = 3, m = 3, k = 2, s = 2, pad = 1;
  const auto xv = random_values(static_cast<size_t>(n * c * h * wd), 3, -1.f, 3.f);
  const auto wv = random_values(static_cast<size_t>(c * m * k * k), 4);
  Layer l;
  make_conv(l, "ConvTranspose", tensor({c, m, k, k}, wv),
            {{"pads", {pad, pad, pad, pad}}, {"strides", {s, s}}});
  std::vector<int64_t> channel(wv.size());
  for (size_t i = 0; i < wv.size(); ++i) channel[i] = (static_cast<int64_t>(i) / (k * k)) % m;
  const auto dw = weight_error(wv, channel);
  const int64_t oh = (h - 1) * s - 2 * pad + k, ow = (wd - 1) * s - 2 * pad + k;
  std::vector<double> expected(static_cast<size_t>(m), 0.0);
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ci = 0; ci < c; ++ci)
      for (int64_t iy = 0; iy < h; ++iy)
        for (int64_t ix = 0; ix < wd; ++ix)
          for (int64_t co = 0; co < m; ++co)
            for (int64_t ky = 0; ky < k; ++ky)
              for (int64_t kx = 0; kx < k; ++kx) {
                const int64_t oy = iy * s - pad + ky, ox = ix * s - pad + kx;
                if (oy < 0 || oy >= oh || ox < 0 || ox >= ow) continue;
                expected[static_cast<size_t>(co)] +=
                    dw[static_cast<size_t>(((ci * m + co) * k + ky) * k + kx)] *
                    xv[static_cast<size_t>(((b * c + ci) * h + iy) * wd + ix)];
              }
  for (double& v : expected) v /= static_cast<double>(n * oh * ow);
  expect_near(correction_of(l, {tensor({n, c, h, wd}, xv)}, MeanOver::kBatch), expected);
}

TEST(QuantBiasCorrection, GemmWithTransposedScaledWeightsEqualsTheBruteForceMean) {
  // Gemm(x, W^T) * alpha: qrt quantizes alpha * W^T per output column.
  const int64_t rows = 5, kdim = 6, ndim = 4;
  const float alpha = 0.5f;
  const auto xv = random_values(static_cast<size_t>(rows * kdim), 5);
  const auto wv = random_values(static_cast<size_t>(ndim * kdim), 6);  // [N, K]
  Layer l;
  ir::Value* x = test::add_input(l.graph, "x", {-1, kdim});
  ir::Value* w = l.graph.add_constant("w", tensor({ndim, kdim}, wv));
  ir::Value* y = l.graph.add_value("y");
  l.node = l.graph.add_node("Gemm", "fc", {x, w}, {y});
  l.node->attrs["transB"] = int64_t{1};
  l.node->attrs["alpha"] = alpha;
  std::vector<float> lowered(wv.size());  // [K, N]
  std::vector<int64_t> channel(wv.size());
  for (int64_t kk = 0; kk < kdim; ++kk)
    for (int64_t nn = 0; nn < ndim; ++nn) {
      lowered[static_cast<size_t>(kk * ndim + nn)] =
          alpha * wv[static_cast<size_t>(nn * kdim + kk)];
      channel[static_cast<size_t>(kk * ndim + nn)] = nn;
    }
  const auto dw = weight_error(lowered, channel);
  std::vector<double> expected(static_cast<size_t>(ndim), 0.0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t kk = 0; kk < kdim; ++kk)
      for (int64_t nn = 0; nn < ndim; ++nn)
        expected[static_cast<size_t>(nn)] +=
            dw[static_cast<size_t>(kk * ndim + nn)] * xv[static_cast<size_t>(r * kdim + kk)] / rows;
  expect_near(correction_of(l, {tensor({rows, kdim}, xv)}, MeanOver::kRows), expected);
  // The float weights themselves are left as they were (alpha is applied to a copy).
  EXPECT_EQ(w->constant->to_float_vector(), wv);
}

TEST(QuantBiasCorrection, IndependentOfBatchSizeAndSampleOrder) {
  const int64_t n = 12, c = 3, h = 5, wd = 5;
  const size_t per = static_cast<size_t>(c * h * wd);
  // Values over several orders of magnitude, where float or double sums would depend on order.
  auto xv = random_values(static_cast<size_t>(n) * per, 7, -1.f, 1.f);
  for (size_t i = 0; i < xv.size(); i += 7) xv[i] *= 3e4f;
  for (size_t i = 3; i < xv.size(); i += 11) xv[i] *= 1e-6f;
  Layer l;
  make_conv(l, "Conv", tensor({2, c, 3, 3}, random_values(static_cast<size_t>(2 * c * 9), 8)),
            {{"pads", {1, 1, 1, 1}}});
  auto batches_of = [&](const std::vector<int64_t>& order, int64_t size) {
    std::vector<Tensor> out;
    for (size_t first = 0; first < order.size(); first += static_cast<size_t>(size)) {
      const size_t count = std::min(order.size() - first, static_cast<size_t>(size));
      std::vector<float> v;
      for (size_t j = first; j < first + count; ++j)
        v.insert(v.end(), xv.begin() + static_cast<int64_t>(order[j] * per),
                 xv.begin() + static_cast<int64_t>((order[j] + 1) * per));
      out.push_back(tensor({static_cast<int64_t>(count), c, h, wd}, v));
    }
    return out;
  };
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  const auto reference = correction_of(l, batches_of(order, n), MeanOver::kBatch);
  std::mt19937 rng(9);
  for (int64_t size : {1, 3, 5, 12}) {
    std::shuffle(order.begin(), order.end(), rng);
    InputMeans means;
    for (const Tensor& b : batches_of(order, size)) means.observe("x", b, MeanOver::kBatch);
    EXPECT_EQ(means.count("x", MeanOver::kBatch), n);
    EXPECT_EQ(layer_bias_correction(*l.node, means.mean("x", MeanOver::kBatch),
                                    means.kept_shape("x", MeanOver::kBatch)),
              reference)
        << "batches of " << size;
  }
}

TEST(QuantBiasCorrection, InputMeansRejectBadTensors) {
  InputMeans means;
  means.observe("x", tensor({1, 2, 2}, {1, 2, 3, 4}), MeanOver::kBatch);
  expect_error(
      [&] {
        means.observe("x", tensor({1, 4}, {1, 2, 3, 4}), MeanOver::kBatch);
      },
      {"bias correction", "'x'", "differs"});
  expect_error(
      [&] {
        means.observe("y", tensor({1, 2}, {1, std::nanf("")}), MeanOver::kRows);
      },
      {"'y'", "not finite"});
}

// --- End to end on the bundled Fashion-MNIST CNN --------------------------------------------

Tensor sample() { return io::load_npy(kModels + "fashion_sample.npy"); }

BuilderConfig int8_config(bool correct, const std::string& table = "") {
  BuilderConfig c;
  c.precision = "int8";
  c.batch = BatchProfile{1, 8, 8};
  c.calibration.algorithm = "minmax";
  c.calibration.bias_correction = correct;
  c.calibration.table_path = table;
  const Tensor x = sample();
  c.calibration.num_batches = 2;
  c.calibration.batch = [x](int64_t i) {
    Tensor part(DataType::kFloat32, {4, 1, 28, 28});
    std::memcpy(part.data(), x.data_as<float>() + i * 4 * 28 * 28, part.nbytes());
    return std::map<std::string, Tensor>{{"image", part}};
  };
  return c;
}

// Each int8 layer's bias (by node name).
std::map<std::string, std::vector<float>> int8_biases(const Engine& e) {
  std::map<std::string, std::vector<float>> out;
  for (const ir::Node* n : e.impl().graph.nodes())
    if (n->op_type == "ConvInt8" || n->op_type == "MatMulInt8")
      out[n->name] = n->input(3) ? n->input(3)->constant->to_float_vector() : std::vector<float>{};
  return out;
}

TEST(QuantBiasCorrection, TheFlagCorrectsThePlansBiasesAndNothingChangesWithoutIt) {
  test::TempDir dir;
  const std::string model = kModels + "fashion_cnn.onnx";
  BuilderConfig fp32;
  fp32.batch = BatchProfile{1, 8, 8};
  auto reference = Builder().build_from_onnx(model, fp32);
  std::map<std::string, std::pair<std::string, std::vector<float>>> float_bias;  // name -> out, b
  for (const ir::Node* n : reference->impl().graph.nodes())
    if (n->op_type == "Conv" || n->op_type == "Gemm")
      float_bias[n->name] = {n->outputs[0]->name, n->input(2)->constant->to_float_vector()};
  ASSERT_GE(float_bias.size(), 4u);

  const std::string plain_table = dir.file("plain.json"), table = dir.file("corrected.json");
  auto plain = Builder().build_from_onnx(model, int8_config(false, plain_table));
  auto corrected = Builder().build_from_onnx(model, int8_config(true, table));
  EXPECT_TRUE(read_calibration_table(plain_table).bias_corrections.empty());
  const CalibrationTable written = read_calibration_table(table);
  EXPECT_EQ(written.scales, read_calibration_table(plain_table).scales);  // scales unchanged

  const auto plain_biases = int8_biases(*plain), corrected_biases = int8_biases(*corrected);
  ASSERT_EQ(plain_biases.size(), float_bias.size());
  int changed = 0;
  for (const auto& [name, bias] : plain_biases) {
    const auto& [out, b] = float_bias.at(name);
    EXPECT_EQ(bias, b) << name;  // without the flag: the float model's bias, as before
    const std::vector<float>& c = written.bias_corrections.at(out);
    ASSERT_EQ(c.size(), b.size()) << name;
    std::vector<float> expected(b.size());
    for (size_t i = 0; i < b.size(); ++i) expected[i] = b[i] - c[i];
    EXPECT_EQ(corrected_biases.at(name), expected) << name;
    changed += corrected_biases.at(name) != b;
  }
  EXPECT_EQ(changed, static_cast<int>(float_bias.size()));

  // The saved table reproduces the corrected engine without data; without the flag its
  // corrections are not used.
  BuilderConfig from_table = int8_config(true, table);
  from_table.calibration.num_batches = 0;
  from_table.calibration.batch = nullptr;
  EXPECT_EQ(int8_biases(*Builder().build_from_onnx(model, from_table)), corrected_biases);
  from_table.calibration.bias_correction = false;
  EXPECT_EQ(int8_biases(*Builder().build_from_onnx(model, from_table)), plain_biases);

  // The corrected engine still computes the model (the logits move by the small shifts).
  const Tensor a = plain->create_context()->run({{"image", sample()}}).at("logits");
  const Tensor b = corrected->create_context()->run({{"image", sample()}}).at("logits");
  float diff = 0;
  for (int64_t i = 0; i < a.numel(); ++i)
    diff = std::max(diff, std::fabs(a.data_as<float>()[i] - b.data_as<float>()[i]));
  EXPECT_GT(diff, 0.f);
  EXPECT_LT(diff, 0.5f);

  // export-qdq writes the same corrected biases (float, bias - correction).
  onnx_export::export_qdq(model, written, dir.file("q.onnx"));
  ::onnx::ModelProto q;
  std::ifstream f(dir.file("q.onnx"), std::ios::binary);
  ASSERT_TRUE(q.ParseFromIstream(&f));
  std::map<std::string, std::vector<float>> inits;
  for (const auto& t : q.graph().initializer()) {
    std::vector<float> v(t.raw_data().size() / sizeof(float));
    if (t.data_type() == ::onnx::TensorProto::FLOAT)
      std::memcpy(v.data(), t.raw_data().data(), v.size() * sizeof(float));
    inits[t.name()] = v;
  }
  int exported = 0;
  for (const auto& n : q.graph().node()) {
    if (n.op_type() != "Conv" && n.op_type() != "Gemm") continue;
    for (const auto& [name, ob] : float_bias)
      if (ob.first == n.output(0)) {
        const std::vector<float>& c = written.bias_corrections.at(ob.first);
        const std::vector<float>& got = inits.at(n.input(2));
        ASSERT_EQ(got.size(), c.size());
        for (size_t i = 0; i < c.size(); ++i)
          EXPECT_NEAR(got[i], ob.second[i] - c[i], 1e-6f * (1 + std::fabs(ob.second[i])));
        ++exported;
      }
  }
  EXPECT_EQ(exported, static_cast<int>(float_bias.size()));
}

TEST(QuantBiasCorrection, ClearErrors) {
  test::TempDir dir;
  const std::string model = kModels + "fashion_cnn.onnx";
  BuilderConfig fp16 = int8_config(true);
  fp16.precision = "fp16";
  expect_error([&] { Builder().build_from_onnx(model, fp16); },
               {"--calib-bias-correction needs --precision int8 or best", "fp16"});
  // A TensorRT table cannot hold the corrections: refused before calibrating.
  expect_error([&] { Builder().build_from_onnx(model, int8_config(true, dir.file("t.cache"))); },
               {"t.cache", "only in a JSON table"});
  EXPECT_FALSE(std::filesystem::exists(dir.file("t.cache")));
  // A table written without the flag, then asked for corrections.
  Builder().build_from_onnx(model, int8_config(false, dir.file("plain.json")));
  expect_error([&] { Builder().build_from_onnx(model, int8_config(true, dir.file("plain.json"))); },
               {"plain.json", "holds no bias corrections"});
  CalibrationTable t;
  t.algorithm = "MinMaxCalibration";
  t.scales["image"] = 0.01f;
  t.bias_corrections["conv"] = {0.5f, -0.25f};
  expect_error([&] { format_calibration_table(t, TableFormat::kTensorRT); }, {".json"});
  const std::string json = format_calibration_table(t, TableFormat::kJson);
  EXPECT_EQ(parse_calibration_table(json, "t.json").bias_corrections, t.bias_corrections);
  expect_error(
      [&] {
        parse_calibration_table(R"({"scales": {"x": 0.1}, "bias_corrections": {"c": [1, "a"]}})",
                                "bad.json");
      },
      {"bad.json", "bias correction of layer 'c'"});
  expect_error(
      [&] {
        parse_calibration_table(R"({"scales": {"x": 0.1}, "bias_corrections": {"c": []}})",
                                "empty.json");
      },
      {"empty.json", "non-empty array"});
}

TEST(QuantBiasCorrection, QdqModelsKeepTheirOwnQuantizationWithAWarning) {
  BuilderConfig c;
  c.precision = "int8";
  c.batch = BatchProfile{1, 8, 8};
  c.calibration.bias_correction = true;
  std::vector<std::string> warnings;
  c.on_warning = [&](const std::string& m) { warnings.push_back(m); };
  Builder().build_from_onnx(kModels + "fashion_resnet_qat.onnx", c);
  EXPECT_EQ(std::count_if(warnings.begin(), warnings.end(),
                          [](const std::string& m) {
                            return m.find("--calib-bias-correction ignored") != std::string::npos;
                          }),
            1);
}

}  // namespace
}  // namespace qrt::quant
