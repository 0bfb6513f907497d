// Batch profiles: per-input shapes (--shapes) and rebuilding an engine for a batch above MAX.
#include <gtest/gtest.h>

#include <cstring>

#include "op_test_util.h"
#include "runtime/engine_impl.h"

namespace qrt {
namespace {

using test::error_of;

const std::string kModels = std::string(QRT_SOURCE_DIR) + "/models/";

std::shared_ptr<Engine> build(const std::string& model, BatchProfile batch,
                              const std::string& precision = "fp32") {
  BuilderConfig config;
  config.batch = batch;
  config.precision = precision;
  return Builder().build_from_onnx(kModels + model + ".onnx", config);
}

std::map<std::string, Tensor> images(int64_t batch) {
  Tensor t(DataType::kFloat32, {batch, 1, 28, 28});
  for (int64_t i = 0; i < t.numel(); ++i)
    t.data_as<float>()[i] = static_cast<float>((i * 13) % 97) / 97.f;
  return {{"image", t}};
}

void expect_identical(const Tensor& a, const Tensor& b) {
  ASSERT_EQ(a.shape(), b.shape());
  EXPECT_EQ(0, std::memcmp(a.data(), b.data(), a.nbytes()));
}

TEST(BatchProfile, BatchAboveMaxIsAnErrorNamingTheProfile) {
  auto engine = build("fashion_cnn", {1, 1, 2});
  EXPECT_EQ(error_of([&] { engine->create_context()->run(images(4)); }),
            "input 'image': batch 4 is outside the engine's batch range [1, 2] (profile 1:1:2); "
            "rebuild on overflow (--rebuild-on-overflow) is off");
}

TEST(BatchProfile, RebuildOnOverflowGrowsTheEngineOncePerNewMaximum) {
  auto engine = build("fashion_cnn", {1, 1, 2});
  auto ctx = engine->create_context();
  std::vector<std::string> notices;
  ctx->set_rebuild_on_overflow(true, [&](const std::string& n) { notices.push_back(n); });
  const Tensor at4 = ctx->run(images(4)).at("logits");
  ctx->run(images(3));
  ctx->run(images(8));
  EXPECT_EQ(notices, (std::vector<std::string>{
                         "rebuilding engine: its maximum batch size 2 is less than the input "
                         "batch size 4",
                         "rebuilding engine: its maximum batch size 4 is less than the input "
                         "batch size 8"}));
  expect_identical(at4,
                   build("fashion_cnn", {1, 1, 4})->create_context()->run(images(4)).at("logits"));
  EXPECT_EQ(engine->batch_profile().max, 2);  // the shared engine itself is unchanged
}

TEST(BatchProfile, RebuildKeepsInt8ScalesAndKernels) {
  auto engine = build("fashion_resnet_qat", {1, 1, 2}, "int8");
  auto wider = engine->rebuild_for_batch(6);
  EXPECT_EQ(wider->batch_profile().max, 6);
  EXPECT_EQ(wider->batch_profile().opt, 1);
  const auto a = engine->summary(), b = wider->summary();
  ASSERT_EQ(a.layers.size(), b.layers.size());
  for (size_t i = 0; i < a.layers.size(); ++i)
    EXPECT_EQ(a.layers[i].precision, b.layers[i].precision);
  expect_identical(engine->create_context()->run(images(2)).at("logits"),
                   wider->create_context()->run(images(2)).at("logits"));
  expect_identical(wider->create_context()->run(images(6)).at("logits"),
                   build("fashion_resnet_qat", {1, 1, 6}, "int8")
                       ->create_context()
                       ->run(images(6))
                       .at("logits"));
}

TEST(BatchProfile, FixedBatchEnginesCannotGrow) {
  BuilderConfig config;  // fashion_cnn's batch is symbolic; a graph with a static batch:
  ir::Graph g;
  ir::Value* x = g.add_value("x");
  x->dtype = DataType::kFloat32;
  x->shape = {ir::Dim{2, {}}, ir::Dim{3, {}}};
  ir::Value* y = g.add_value("y");
  g.add_node("Relu", "relu", {x}, {y});
  g.inputs.push_back(x);
  g.outputs.push_back(y);
  Engine engine(build_engine(std::move(g), config, "static.onnx"));
  EXPECT_EQ(error_of([&] { engine.rebuild_for_batch(4); }),
            "static.onnx: the engine has a fixed batch of 2 (no batch dimension to grow)");
}

TEST(BatchProfile, ParsesPerInputShapes) {
  const InputShapeProfile p = parse_shape_profile("input:0:1x3x8x8:4x3x8x8:16x3x8x8");
  EXPECT_EQ(p.name, "input:0");  // names may hold ':'
  EXPECT_EQ(p.min, (std::vector<int64_t>{1, 3, 8, 8}));
  EXPECT_EQ(p.opt, (std::vector<int64_t>{4, 3, 8, 8}));
  EXPECT_EQ(p.max, (std::vector<int64_t>{16, 3, 8, 8}));
  for (const char* bad : {"x:0x3:1x3:2x3", "x:1x3:1x3:1x-3", "x:4x3:2x3:8x3", "x:1x3:1x4:1x3",
                          "x:1x3:1x3", "x:1x3:1x3x1:1x3", ":1x3:1x3:1x3"})
    EXPECT_THROW(parse_shape_profile(bad), Error) << bad;
}

// x [batch, width] -> Relu -> y: the width is dynamic, which qrt cannot build without --shapes.
ir::Graph dynamic_width_graph() {
  ir::Graph g;
  ir::Value* x = g.add_value("x");
  x->dtype = DataType::kFloat32;
  x->shape = {ir::Dim{-1, "batch"}, ir::Dim{-1, "width"}};
  ir::Value* y = g.add_value("y");
  g.add_node("Relu", "relu", {x}, {y});
  g.inputs.push_back(x);
  g.outputs.push_back(y);
  return g;
}

TEST(BatchProfile, ShapesFixDynamicDimsAndSetTheBatchProfile) {
  BuilderConfig config;
  EXPECT_NE(error_of([&] {
              build_engine(dynamic_width_graph(), config, "dyn.onnx");
            }).find("give them with --shapes"),
            std::string::npos);
  config.input_shapes = {parse_shape_profile("x:1x5:2x5:4x5")};
  Engine engine(build_engine(dynamic_width_graph(), config, "dyn.onnx"));
  EXPECT_EQ(engine.batch_profile().min, 1);
  EXPECT_EQ(engine.batch_profile().opt, 2);
  EXPECT_EQ(engine.batch_profile().max, 4);
  EXPECT_EQ(engine.inputs()[0].shape, (std::vector<int64_t>{-1, 5}));
  Tensor x(DataType::kFloat32, {3, 5});
  for (int64_t i = 0; i < x.numel(); ++i) x.data_as<float>()[i] = static_cast<float>(i) - 7.f;
  const Tensor y = engine.create_context()->run({{"x", x}}).at("y");
  for (int64_t i = 0; i < y.numel(); ++i)
    EXPECT_EQ(y.data_as<float>()[i], std::max(0.f, static_cast<float>(i) - 7.f));
  EXPECT_THROW(engine.create_context()->run({{"x", Tensor(DataType::kFloat32, {3, 6})}}), Error);
}

TEST(BatchProfile, ShapesThatDoNotFitTheModel) {
  auto fails = [](const std::string& shapes, std::optional<BatchProfile> batch = std::nullopt) {
    BuilderConfig config;
    config.batch = batch;
    config.input_shapes = {parse_shape_profile(shapes)};
    return error_of([&] { build_engine(dynamic_width_graph(), config, "dyn.onnx"); });
  };
  EXPECT_EQ(fails("y:1x5:1x5:1x5"),
            "dyn.onnx: --shapes y: the model has no input 'y' (inputs: 'x')");
  EXPECT_EQ(fails("x:1x5x1:1x5x1:1x5x1"),
            "dyn.onnx: --shapes x: 3 dimensions given, the input has 2 (batch x width)");
  EXPECT_EQ(fails("x:1x5:2x5:4x5", BatchProfile{1, 1, 4}),
            "dyn.onnx: --shapes x: batch 1:2:4 differs from --batch 1:1:4");
}

}  // namespace
}  // namespace qrt
