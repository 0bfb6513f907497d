// QDQ export: the exported model re-imports, qrt's own QDQ folding recovers the table's scales on
// the same values and per-channel int8 weights, and an INT8 engine built from the export computes
// what one built from the original model and the table computes.
#include "onnx/export_qdq.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>

#include "io/tensor_file.h"
#include "onnx/importer.h"
#include "onnx_test_util.h"
#include "qrt/engine.h"
#include "quant/calibrate.h"
#include "quant/precision.h"
#include "runtime/engine_impl.h"

namespace qrt::onnx_export {
namespace {

using qrt::test::attr_i;
using qrt::test::attr_ints;
using qrt::test::expect_error;
using qrt::test::float_tensor;
using qrt::test::OnnxModel;
using qrt::test::TempDir;
using TP = ::onnx::TensorProto;

const std::string kSourceDir = QRT_SOURCE_DIR;

std::vector<float> ramp(size_t n, float step, float offset) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = offset + step * static_cast<float>((i * 7) % 23) - 0.4f;
  return v;
}

// x [N,2,5,5] -> Conv (w [3,2,3,3], b) -> c -> Relu -> r -> Flatten -> f
//   -> Gemm (B [4,27], transB) -> g -> MatMul (B [4,2]) -> y (graph output)
OnnxModel layered_model(int64_t opset = 17) {
  OnnxModel m(opset);
  m.input("x", TP::FLOAT, {"N", 2, 5, 5});
  m.initializer(float_tensor("w", {3, 2, 3, 3}, ramp(54, 0.05f, 0.f)));
  m.initializer(float_tensor("b", {3}, {0.1f, -0.2f, 0.3f}));
  m.initializer(float_tensor("gemm_b", {4, 27}, ramp(108, 0.02f, 0.1f)));
  m.initializer(float_tensor("mm_b", {4, 2}, {0.5f, -1.f, 0.25f, 2.f, -0.75f, 0.f, 1.5f, -0.5f}));
  attr_ints(m.node("Conv", {"x", "w", "b"}, {"c"}, "conv"), "kernel_shape", {3, 3});
  m.node("Relu", {"c"}, {"r"}, "relu");
  m.node("Flatten", {"r"}, {"f"}, "flatten");
  attr_i(m.node("Gemm", {"f", "gemm_b"}, {"g"}, "gemm"), "transB", 1);
  m.node("MatMul", {"g", "mm_b"}, {"y"}, "matmul");
  m.output("y");
  return m;
}

quant::CalibrationTable table_of(const std::map<std::string, float>& scales) {
  quant::CalibrationTable t;
  t.algorithm = "MinMaxCalibration";
  t.scales = scales;
  return t;
}

ExportQdqOptions every_tensor() {
  ExportQdqOptions o;
  o.placement = QdqPlacement::kAllTensors;
  return o;
}

const ir::Node* producer_of(const ir::Graph& g, const std::string& value, const std::string& op) {
  for (const ir::Node* n : g.nodes())
    for (const ir::Value* out : n->outputs)
      if (out && out->name == value && n->op_type == op) return n;
  return nullptr;
}

int count_ops(const ir::Graph& g, const std::string& op) {
  int n = 0;
  for (const ir::Node* node : g.nodes()) n += node->op_type == op;
  return n;
}

const ir::Node* only_node(const ir::Graph& g, const std::string& op) {
  const ir::Node* found = nullptr;
  for (const ir::Node* node : g.nodes())
    if (node->op_type == op) {
      EXPECT_EQ(found, nullptr) << "more than one " << op;
      found = node;
    }
  EXPECT_NE(found, nullptr) << "no " << op;
  return found;
}

// Per output channel along `axis`: amax / 127, as qrt quantizes weights.
std::vector<float> channel_scales(const std::vector<float>& w, std::vector<int64_t> dims,
                                  int64_t axis) {
  int64_t inner = 1;
  for (size_t d = static_cast<size_t>(axis) + 1; d < dims.size(); ++d) inner *= dims[d];
  const int64_t channels = dims[static_cast<size_t>(axis)];
  std::vector<float> amax(static_cast<size_t>(channels), 0.f);
  for (size_t i = 0; i < w.size(); ++i) {
    float& a = amax[static_cast<size_t>((static_cast<int64_t>(i) / inner) % channels)];
    a = std::max(a, std::fabs(w[i]));
  }
  for (float& a : amax) a /= 127.f;
  return amax;
}

TEST(ExportQdq, InsertsPairsAndPerChannelWeightsThatFoldBackToTheTable) {
  TempDir dir;
  const std::string model = dir.write("m.onnx", layered_model().bytes());
  const auto table = table_of({{"x", 0.02f},
                               {"c", 0.03f},
                               {"r", 0.015f},
                               {"f", 0.015f},
                               {"g", 0.05f},
                               {"y", 0.1f},
                               {"w", 0.01f},
                               {"bn_only_in_qrt", 0.5f}});
  const ExportQdqReport report = export_qdq(model, table, dir.file("q.onnx"), every_tensor());
  EXPECT_EQ(report.activations, 5);
  EXPECT_EQ(report.weights, 3);
  EXPECT_TRUE(report.float_weights.empty());
  std::map<std::string, std::string> skipped;
  for (const auto& s : report.skipped) skipped[s.name] = s.reason;
  EXPECT_EQ(skipped.size(), 3u);
  EXPECT_NE(skipped["y"].find("graph output"), std::string::npos);
  EXPECT_NE(skipped["w"].find("initializer"), std::string::npos);
  EXPECT_NE(skipped["bn_only_in_qrt"].find("not a tensor"), std::string::npos);

  ir::Graph g = onnx_import::import_onnx(dir.file("q.onnx"));
  EXPECT_EQ(count_ops(g, "QuantizeLinear"), 5);
  EXPECT_EQ(count_ops(g, "DequantizeLinear"), 8);
  ASSERT_EQ(g.outputs.size(), 1u);
  EXPECT_EQ(g.outputs[0]->name, "y");
  // Each layer reads a DequantizeLinear output in place of its activation and weight.
  for (const char* layer : {"Conv", "Gemm", "MatMul"}) {
    const ir::Node* n = only_node(g, layer);
    ASSERT_NE(n, nullptr);
    for (size_t i : {0, 1})
      ASSERT_TRUE(n->input(i)->producer && n->input(i)->producer->op_type == "DequantizeLinear")
          << layer << " input " << i;
    EXPECT_EQ(n->input(1)->producer->input(0)->constant->dtype(), DataType::kInt8);
  }
  EXPECT_TRUE(only_node(g, "Conv")->input(2)->is_constant());  // the bias stays float
  const ir::Node* dq_w = only_node(g, "Conv")->input(1)->producer;
  EXPECT_EQ(dq_w->attr_int("axis", 1), 0);
  EXPECT_EQ(only_node(g, "Gemm")->input(1)->producer->attr_int("axis", -1), 0);  // transB
  EXPECT_EQ(only_node(g, "MatMul")->input(1)->producer->attr_int("axis", -1), 1);

  std::vector<std::string> kept;
  EXPECT_EQ(quant::fold_qdq(g, &kept), 8);
  EXPECT_TRUE(kept.empty());
  EXPECT_EQ(count_ops(g, "QuantizeLinear") + count_ops(g, "DequantizeLinear"), 0);
  for (const char* name : {"x", "c", "r", "f", "g"}) {
    const ir::Value* v = g.find_value(name);
    ASSERT_TRUE(v && v->quant) << name;
    EXPECT_EQ(v->quant->axis, -1) << name;
    ASSERT_EQ(v->quant->scales.size(), 1u) << name;
    EXPECT_EQ(v->quant->scales[0], table.scales.at(name)) << name;  // bit-exact
  }
  EXPECT_FALSE(g.find_value("y")->quant);
  const ir::Value* conv_w = only_node(g, "Conv")->input(1);
  ASSERT_TRUE(conv_w->quant);
  EXPECT_EQ(conv_w->quant->axis, 0);
  EXPECT_EQ(conv_w->quant->scales, channel_scales(ramp(54, 0.05f, 0.f), {3, 2, 3, 3}, 0));
  const ir::Value* gemm_b = only_node(g, "Gemm")->input(1);
  ASSERT_TRUE(gemm_b->quant);
  EXPECT_EQ(gemm_b->quant->scales, channel_scales(ramp(108, 0.02f, 0.1f), {4, 27}, 0));
  // The folded weights are the int8 round trip of the originals.
  const auto original = ramp(54, 0.05f, 0.f);
  const auto folded = conv_w->constant->to_float_vector();
  const auto& s = conv_w->quant->scales;
  for (size_t i = 0; i < original.size(); ++i)
    EXPECT_EQ(folded[i], std::nearbyint(original[i] / s[i / 18]) * s[i / 18]) << i;
}

TEST(ExportQdq, GraphOutputsKeepTheirNamesWhenQuantized) {
  TempDir dir;
  const std::string model = dir.write("m.onnx", layered_model().bytes());
  ExportQdqOptions options = every_tensor();
  options.quantize_graph_outputs = true;
  const auto report =
      export_qdq(model, table_of({{"g", 0.05f}, {"y", 0.1f}}), dir.file("q.onnx"), options);
  EXPECT_EQ(report.activations, 2);
  EXPECT_EQ(report.weights, 1);  // only MatMul's input g is quantized
  EXPECT_TRUE(report.skipped.empty());
  ir::Graph g = onnx_import::import_onnx(dir.file("q.onnx"));
  ASSERT_EQ(g.outputs.size(), 1u);
  EXPECT_EQ(g.outputs[0]->name, "y");
  const ir::Node* dq = producer_of(g, "y", "DequantizeLinear");
  ASSERT_NE(dq, nullptr);
  const ir::Node* q = dq->input(0)->producer;
  ASSERT_TRUE(q && q->op_type == "QuantizeLinear");
  EXPECT_EQ(q->input(0)->name, "y_float");
  EXPECT_EQ(q->input(0)->producer->op_type, "MatMul");
  EXPECT_EQ(q->input(1)->constant->to_float_vector(), std::vector<float>{0.1f});
}

TEST(ExportQdq, LayerInputsPlacementQuantizesOnlyWhatInt8LayersRead) {
  TempDir dir;
  const std::string model = dir.write("m.onnx", layered_model().bytes());
  const auto table =
      table_of({{"x", 0.02f}, {"c", 0.03f}, {"r", 0.015f}, {"f", 0.015f}, {"g", 0.05f}});
  const auto report = export_qdq(model, table, dir.file("q.onnx"));  // the default placement
  EXPECT_EQ(report.activations, 3);                                  // x, f, g
  EXPECT_EQ(report.weights, 3);
  ASSERT_EQ(report.skipped.size(), 2u);
  EXPECT_EQ(report.skipped[0].name, "c");
  EXPECT_EQ(report.skipped[1].name, "r");
  EXPECT_NE(report.skipped[0].reason.find("not the input"), std::string::npos);
  ir::Graph g = onnx_import::import_onnx(dir.file("q.onnx"));
  EXPECT_EQ(quant::fold_qdq(g, nullptr), 6);
  for (const char* name : {"x", "f", "g"})
    EXPECT_EQ(g.find_value(name)->quant->scales, std::vector<float>{table.scales.at(name)});
  EXPECT_FALSE(g.find_value("c")->quant);
  EXPECT_FALSE(g.find_value("r")->quant);
}

TEST(ExportQdq, Int32BiasesAtInputTimesWeightScale) {
  TempDir dir;
  const std::string model = dir.write("m.onnx", layered_model().bytes());
  ExportQdqOptions options;
  options.int32_bias = true;
  const float x_scale = 0.02f;
  const auto report = export_qdq(model, table_of({{"x", x_scale}}), dir.file("q.onnx"), options);
  EXPECT_EQ(report.weights, 1);
  EXPECT_TRUE(report.float_biases.empty());
  ir::Graph g = onnx_import::import_onnx(dir.file("q.onnx"));
  const ir::Node* dq_b = only_node(g, "Conv")->input(2)->producer;
  ASSERT_TRUE(dq_b && dq_b->op_type == "DequantizeLinear");
  EXPECT_EQ(dq_b->input(0)->constant->dtype(), DataType::kInt32);
  const auto w_scales = channel_scales(ramp(54, 0.05f, 0.f), {3, 2, 3, 3}, 0);
  const auto b_scales = dq_b->input(1)->constant->to_float_vector();
  const std::vector<float> bias = {0.1f, -0.2f, 0.3f};
  const auto q = dq_b->input(0)->constant->to_int64_vector();
  for (size_t c = 0; c < 3; ++c) {
    EXPECT_EQ(b_scales[c], x_scale * w_scales[c]) << c;
    EXPECT_EQ(q[c], std::llround(bias[c] / b_scales[c])) << c;
  }
  // qrt folds the int32 bias back into a float constant within half a step of the original.
  EXPECT_EQ(quant::fold_qdq(g, nullptr), 3);
  const ir::Value* b = only_node(g, "Conv")->input(2);
  ASSERT_TRUE(b->is_constant());
  const auto folded = b->constant->to_float_vector();
  for (size_t c = 0; c < 3; ++c) EXPECT_NEAR(folded[c], bias[c], b_scales[c] / 2) << c;
}

TEST(ExportQdq, BundledClassifierInt8EngineMatchesTheTableBuild) {
  TempDir dir;
  const std::string model = kSourceDir + "/models/fashion_cnn.onnx";
  // The table qrt would calibrate: every float activation of the optimised graph.
  Builder builder;
  BuilderConfig fp32;
  const auto names = [&] {
    auto engine = builder.build_from_onnx(model, fp32);
    return quant::tensors_to_calibrate(engine->impl().graph);
  }();
  ASSERT_GE(names.size(), 8u);
  std::map<std::string, float> scales;
  for (size_t i = 0; i < names.size(); ++i) scales[names[i]] = 0.004f * static_cast<float>(i + 3);
  const auto table = table_of(scales);
  const auto report = export_qdq(model, table, dir.file("q.onnx"), every_tensor());
  EXPECT_EQ(report.weights, 4);  // three Conv and the Gemm
  ASSERT_EQ(report.skipped.size(), 1u);
  EXPECT_EQ(report.skipped[0].name, "logits");
  EXPECT_EQ(report.activations, static_cast<int>(names.size()) - 1);

  ir::Graph q = onnx_import::import_onnx(dir.file("q.onnx"));
  quant::fold_qdq(q, nullptr);
  for (const auto& [name, scale] : scales) {
    if (name == "logits") continue;
    const ir::Value* v = q.find_value(name);
    ASSERT_TRUE(v && v->quant) << name;
    EXPECT_EQ(v->quant->scales, std::vector<float>{scale}) << name;
  }

  // INT8 from the export's own scales (either placement) vs INT8 from the model and the table.
  export_qdq(model, table, dir.file("inputs.onnx"));
  quant::write_calibration_table(dir.file("t.cache"), table, quant::TableFormat::kTensorRT);
  BuilderConfig int8;
  int8.precision = "int8";
  int8.on_warning = [](const std::string&) {};
  const Tensor images = io::load_npy(kSourceDir + "/models/fashion_sample.npy");
  auto logits = [&](const std::string& path) {
    return builder.build_from_onnx(path, int8)
        ->create_context()
        ->run({{"image", images}})
        .at("logits")
        .to_float_vector();
  };
  const auto every = logits(dir.file("q.onnx"));
  const auto inputs = logits(dir.file("inputs.onnx"));
  int8.calibration.table_path = dir.file("t.cache");
  const auto from_table = logits(model);
  EXPECT_EQ(every, from_table);
  EXPECT_EQ(inputs, from_table);
}

TEST(ExportQdq, ExternalDataIsWrittenBesideTheOutput) {
  // PyTorch keeps small_cnn's weights in small_cnn.onnx.data; the biases are inline.
  TempDir dir;
  const std::string model = kSourceDir + "/tests/data/opset18/small_cnn.onnx";
  Builder builder;
  const auto names =
      quant::tensors_to_calibrate(builder.build_from_onnx(model, BuilderConfig{})->impl().graph);
  std::map<std::string, float> scales;
  for (const auto& n : names) scales[n] = 0.05f;
  // Every weight now int8 and inline: no data file.
  auto report = export_qdq(model, table_of(scales), dir.file("all.onnx"), every_tensor());
  EXPECT_EQ(report.weights, 3);
  EXPECT_FALSE(std::filesystem::exists(dir.file("all.onnx.data")));
  ir::Graph all = onnx_import::import_onnx(dir.file("all.onnx"));
  EXPECT_EQ(quant::fold_qdq(all, nullptr), report.activations + 3);
  // Only the second Conv's input: the other two weights stay float, in a data file of the export.
  report = export_qdq(model, table_of({{"max_pool2d", 0.05f}}), dir.file("one.onnx"));
  EXPECT_EQ(report.activations, 1);
  EXPECT_EQ(report.weights, 1);
  EXPECT_TRUE(std::filesystem::exists(dir.file("one.onnx.data")));
  ir::Graph one = onnx_import::import_onnx(dir.file("one.onnx"));
  EXPECT_EQ(quant::fold_qdq(one, nullptr), 2);
  ASSERT_TRUE(one.find_value("c1.weight") && one.find_value("fc.weight"));
  EXPECT_EQ(one.find_value("fc.weight")->constant->dim(0), 5);
}

TEST(ExportQdq, BadInputIsOneClearLine) {
  TempDir dir;
  const auto table = table_of({{"x", 0.1f}});
  expect_error([&] { export_qdq(dir.file("missing.onnx"), table, dir.file("q.onnx")); },
               {"missing.onnx", "cannot open"});
  const std::string garbage = dir.write("garbage.onnx", "not a model at all");
  expect_error([&] { export_qdq(garbage, table, dir.file("q.onnx")); },
               {"garbage.onnx", "not an ONNX model"});
  const std::string old = dir.write("old.onnx", layered_model(11).bytes());
  expect_error([&] { export_qdq(old, table, dir.file("q.onnx")); }, {"old.onnx", "opset 11", "13"});
  EXPECT_FALSE(std::filesystem::exists(dir.file("q.onnx")));
  const std::string ok = dir.write("m.onnx", layered_model().bytes());
  expect_error(
      [&] {
        export_qdq(ok, table_of({{"x", 0.f}}), dir.file("q.onnx"));
      },
      {"m.onnx", "'x'", "positive"});
  expect_error([&] { export_qdq(ok, table, dir.file("no/such/dir/q.onnx")); },
               {"q.onnx", "cannot write"});
}

}  // namespace
}  // namespace qrt::onnx_export
