// ExecutionContext::input_buffers on host engines: tensors of the engine's inputs that run()
// takes as they are, and bench filling them. The GPU side (pinned staging, the copy skipped) is
// in tests/cuda/cuda_engine_test.cpp.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <optional>

#include "op_test_util.h"
#include "qrt/bench.h"
#include "qrt/engine.h"

namespace qrt {
namespace {

using test::error_of;

const std::string kModels = std::string(QRT_SOURCE_DIR) + "/models/";

std::shared_ptr<Engine> build(const std::string& model, const std::vector<std::string>& backends,
                              std::optional<BatchProfile> batch = BatchProfile{1, 4, 8}) {
  BuilderConfig config;
  config.backends = backends;
  config.batch = batch;
  return Builder().build_from_onnx(kModels + model + ".onnx", config);
}

void expect_identical(const Tensor& a, const Tensor& b, const std::string& what) {
  ASSERT_EQ(a.dtype(), b.dtype()) << what;
  ASSERT_EQ(a.shape(), b.shape()) << what;
  EXPECT_EQ(0, std::memcmp(a.data(), b.data(), a.nbytes())) << what;
}

TEST(InputBuffers, NamesShapesAndTypesForABatchInTheProfile) {
  auto engine = build("fashion_cnn", {"reference"});
  auto ctx = engine->create_context();
  for (int64_t batch : {1, 4, 8}) {
    const auto buffers = ctx->input_buffers(batch);
    ASSERT_EQ(buffers.size(), engine->inputs().size());
    for (const TensorInfo& info : engine->inputs()) {
      ASSERT_TRUE(buffers.count(info.name)) << info.name;
      const Tensor& t = buffers.at(info.name);
      EXPECT_EQ(t.dtype(), info.dtype) << info.name;
      std::vector<int64_t> shape = info.shape;
      for (int64_t& d : shape)
        if (d < 0) d = batch;
      EXPECT_EQ(t.shape(), shape) << info.name << " at batch " << batch;
      EXPECT_NE(t.data(), nullptr);
    }
  }
  EXPECT_EQ(ctx->input_buffers(3).at("image").shape(), (std::vector<int64_t>{3, 1, 28, 28}));
}

TEST(InputBuffers, BatchOutsideTheProfileIsAOneLineError) {
  auto engine = build("fashion_cnn", {"reference"});
  auto ctx = engine->create_context();
  EXPECT_EQ(error_of([&] { ctx->input_buffers(9); }),
            "input_buffers: batch 9 is outside the engine's batch profile 1:4:8 (rebuild on "
            "overflow is off)");
  EXPECT_EQ(error_of([&] { ctx->input_buffers(0); }),
            "input_buffers: batch 0 is outside the engine's batch profile 1:4:8");
  // A profile of one batch size takes only that one.
  auto fixed = build("fashion_cnn", {"reference"}, BatchProfile{2, 2, 2});
  EXPECT_EQ(fixed->create_context()->input_buffers(2).at("image").dim(0), 2);
  const std::string e = error_of([&] { fixed->create_context()->input_buffers(1); });
  EXPECT_NE(e.find("batch 1 is outside the engine's batch profile 2:2:2"), std::string::npos) << e;
  EXPECT_EQ(e.find('\n'), std::string::npos) << e;
}

// Runs on buffers filled in place equal runs on separate tensors, on the reference backend and
// on the cpu backend (blocked layouts, reorders at the borders), again and again: run() does not
// write the buffers.
TEST(InputBuffers, FilledInPlaceGivesTheOutputsOfSeparateTensors) {
  for (const std::vector<std::string>& backends :
       {std::vector<std::string>{"reference"}, std::vector<std::string>{"cpu", "reference"}}) {
    auto engine = build("fashion_resnet", backends);
    auto ctx = engine->create_context();
    for (int64_t batch : {1, 5, 8, 2}) {
      const std::string what = backends.front() + " at batch " + std::to_string(batch);
      const auto separate = random_inputs(*engine, batch, 7 + static_cast<uint32_t>(batch));
      const auto expected = engine->create_context()->run(separate);
      auto buffers = ctx->input_buffers(batch);
      for (auto& [name, t] : buffers) std::memcpy(t.data(), separate.at(name).data(), t.nbytes());
      for (int rep = 0; rep < 2; ++rep) {
        const auto got = ctx->run(buffers);
        ASSERT_EQ(got.size(), expected.size());
        for (const auto& [name, t] : expected) expect_identical(got.at(name), t, what);
        for (const auto& [name, t] : buffers)
          expect_identical(t, separate.at(name),
                           what + ": the input after run " + std::to_string(rep));
      }
    }
  }
}

TEST(InputBuffers, RebuildOnOverflowGrowsTheEngineFirst) {
  auto engine = build("fashion_cnn", {"reference"}, BatchProfile{1, 1, 2});
  auto ctx = engine->create_context();
  std::vector<std::string> notices;
  ctx->set_rebuild_on_overflow(true, [&](const std::string& n) { notices.push_back(n); });
  auto buffers = ctx->input_buffers(6);
  EXPECT_EQ(buffers.at("image").shape(), (std::vector<int64_t>{6, 1, 28, 28}));
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_NE(notices[0].find("maximum batch size 2 is less than the input batch size 6"),
            std::string::npos)
      << notices[0];
  fill_random_inputs(*engine, buffers, 3);
  const auto got = ctx->run(buffers);
  EXPECT_EQ(notices.size(), 1u);  // already rebuilt for 6
  auto wide = build("fashion_cnn", {"reference"}, BatchProfile{1, 1, 6});
  expect_identical(got.at("logits"), wide->create_context()->run(buffers).at("logits"),
                   "rebuilt for batch 6");
}

TEST(InputBuffers, FillRandomInputsWritesWhatRandomInputsMakes) {
  auto engine = build("fashion_cnn", {"reference"});
  const auto made = random_inputs(*engine, 3, 42);
  auto buffers = engine->create_context()->input_buffers(3);
  fill_random_inputs(*engine, buffers, 42);
  for (const auto& [name, t] : made) expect_identical(buffers.at(name), t, name);
  std::map<std::string, Tensor> none;
  EXPECT_NE(error_of([&] { fill_random_inputs(*engine, none, 1); }).find("'image'"),
            std::string::npos);
}

// qrt bench times runs on the context's input buffers; on a host engine it times the same
// computation as before.
TEST(InputBuffers, BenchRunsOnHostEngines) {
  for (const std::vector<std::string>& backends :
       {std::vector<std::string>{"reference"}, std::vector<std::string>{"cpu", "reference"}}) {
    auto engine = build("fashion_cnn", backends);
    BenchOptions opt;
    opt.batch = 4;
    opt.iterations = 3;
    opt.warmup = 1;
    const BenchResult r = benchmark(*engine, opt);
    EXPECT_FALSE(r.on_gpu);
    EXPECT_EQ(r.iterations, 3);
    EXPECT_GT(r.latency.median_ms, 0.0);
    EXPECT_GT(r.throughput, 0.0);
  }
}

}  // namespace
}  // namespace qrt
