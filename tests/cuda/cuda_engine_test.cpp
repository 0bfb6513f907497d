// Whole engines on the cuda backend: against the reference backend, with and without CUDA
// graphs, several contexts at once, plans saved and loaded, and the bad inputs a GPU adds.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "backends/cuda/cuda_check.h"
#include "backends/cuda/cudnn_int8_conv.h"
#include "backends/cuda/int8_gemm.h"
#include "cuda/cuda_test_util.h"
#include "qrt/bench.h"
#include "qrt/engine.h"
#include "runtime/engine_impl.h"

namespace qrt {
namespace {

std::string model(const std::string& name) {
  return std::string(QRT_SOURCE_DIR) + "/models/" + name + ".onnx";
}

// `backend`: "cuda", "reference", or "cuda,reference" (cuda first, the reference backend for
// what cuda lacks: host and device parts with copies between them).
std::shared_ptr<Engine> build(const std::string& name, const std::string& backend,
                              const std::string& precision = "fp32",
                              const std::string& timing_cache = "") {
  BuilderConfig config;
  config.backends.clear();
  for (size_t at = 0; at <= backend.size();) {
    const size_t comma = std::min(backend.find(',', at), backend.size());
    config.backends.push_back(backend.substr(at, comma - at));
    at = comma + 1;
  }
  config.precision = precision;
  config.batch = BatchProfile{1, 8, 32};
  config.timing_cache = timing_cache;
  return Builder().build_from_onnx(model(name), config);
}

Tensor only_output(const std::map<std::string, Tensor>& outputs) {
  EXPECT_EQ(outputs.size(), 1u);
  return outputs.begin()->second;
}

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() /
           ("qrt_cuda_engine_" + std::to_string(::getpid()) + "_" +
            std::to_string(reinterpret_cast<uintptr_t>(this)));
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

TEST(CudaEngine, Fp32MatchesTheReferenceWithAndWithoutCudaGraphs) {
  QRT_SKIP_WITHOUT_GPU();
  auto gpu = build("fashion_cnn", "cuda");
  auto ref = build("fashion_cnn", "reference");
  for (int64_t batch : {1, 7, 32}) {
    const auto inputs = random_inputs(*ref, batch, 11 + static_cast<uint32_t>(batch));
    const Tensor expected = only_output(ref->create_context()->run(inputs));
    for (bool graphs : {true, false}) {
      auto ctx = gpu->create_context();
      EXPECT_TRUE(ctx->on_gpu());
      ctx->set_cuda_graph(graphs);
      for (int rep = 0; rep < 2; ++rep) {  // the second run replays the captured graph
        const Tensor got = only_output(ctx->run(inputs));
        EXPECT_LT(test::max_rel_error(got, expected), 1e-4)
            << "batch " << batch << " graphs " << graphs << " run " << rep;
      }
      const auto t = ctx->last_gpu_times();
      EXPECT_GT(t.compute_ms, 0.0);
      EXPECT_GE(t.upload_ms, 0.0);
    }
  }
}

TEST(CudaEngine, MixedDeviceAndHostPartsMatchTheReference) {
  QRT_SKIP_WITHOUT_GPU();
  // Convolutions and Gemm on the GPU, the rest on the host: copies at every border.
  BuilderConfig config;
  config.backends = {"cuda", "reference"};
  config.batch = BatchProfile{1, 8, 32};
  auto mixed = Builder().build_from_onnx(model("fashion_cnn"), config);
  size_t on_gpu = 0, on_host = 0;
  for (const auto& layer : mixed->summary().layers) (layer.backend == "cuda" ? on_gpu : on_host)++;
  EXPECT_GT(on_gpu, 0u);
  auto ref = build("fashion_cnn", "reference");
  for (int64_t batch : {1, 9}) {
    const auto inputs = random_inputs(*ref, batch, 21);
    const Tensor expected = only_output(ref->create_context()->run(inputs));
    auto ctx = mixed->create_context();
    for (int rep = 0; rep < 2; ++rep)
      EXPECT_LT(test::max_rel_error(only_output(ctx->run(inputs)), expected), 1e-4)
          << "batch " << batch << " (" << on_gpu << " nodes on the GPU, " << on_host
          << " on the host)";
  }
}

// bf16 has no CUDA kernels: with --backend cuda,cpu every node that touches bf16 is declined by
// cuda with the reason and runs on the cpu backend, giving the cpu engine's outputs.
TEST(CudaEngine, Bf16FallsBackToTheCpuBackend) {
  QRT_SKIP_WITHOUT_GPU();
  auto mixed = build("fashion_resnet", "cuda,cpu,reference", "bf16");
  size_t on_cpu = 0;
  for (const auto& layer : mixed->summary().layers) {
    if (layer.precision != "bf16") continue;
    EXPECT_EQ(layer.backend, "cpu") << layer.name;
    EXPECT_NE(layer.fallback_reason.find("cuda: no bf16 kernels"), std::string::npos)
        << layer.name << ": " << layer.fallback_reason;
    ++on_cpu;
  }
  EXPECT_GT(on_cpu, 10u);
  auto cpu = build("fashion_resnet", "cpu,reference", "bf16");
  const auto inputs = random_inputs(*cpu, 5, 31);
  const Tensor a = only_output(mixed->create_context()->run(inputs));
  const Tensor b = only_output(cpu->create_context()->run(inputs));
  ASSERT_EQ(a.nbytes(), b.nbytes());
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.nbytes()), 0);
}

TEST(CudaEngine, RunWithoutTransfersReusesTheInputsOnTheDevice) {
  QRT_SKIP_WITHOUT_GPU();
  auto gpu = build("fashion_cnn", "cuda");
  auto ctx = gpu->create_context();
  EXPECT_THROW(ctx->run_without_transfers(), Error);  // nothing on the device yet
  const auto inputs = random_inputs(*gpu, 8, 3);
  ctx->run(inputs);
  ctx->run_without_transfers();
  const auto t = ctx->last_gpu_times();
  EXPECT_GT(t.compute_ms, 0.0);
  EXPECT_EQ(t.upload_ms, 0.0);
  EXPECT_EQ(t.download_ms, 0.0);
}

TEST(CudaEngine, ContextsOnSeveralThreadsGiveTheSerialResults) {
  QRT_SKIP_WITHOUT_GPU();
  auto gpu = build("fashion_cnn", "cuda");
  std::vector<std::map<std::string, Tensor>> inputs;
  std::vector<Tensor> expected;
  for (uint32_t i = 0; i < 4; ++i) {
    inputs.push_back(random_inputs(*gpu, 1 + i * 5, 100 + i));
    expected.push_back(only_output(gpu->create_context()->run(inputs.back())));
  }
  std::vector<std::thread> threads;
  std::vector<double> errors(4, 1.0);
  for (size_t t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      auto ctx = gpu->create_context();
      double worst = 0;
      for (int rep = 0; rep < 5; ++rep) {
        const Tensor got = only_output(ctx->run(inputs[t]));
        const auto a = got.to_float_vector(), b = expected[t].to_float_vector();
        for (size_t k = 0; k < a.size(); ++k)
          worst = std::max(worst, double(std::fabs(a[k] - b[k])));
      }
      errors[t] = worst;
    });
  for (auto& th : threads) th.join();
  for (size_t t = 0; t < 4; ++t) EXPECT_EQ(errors[t], 0.0) << "context " << t;
}

TEST(CudaEngine, RunsOnTheCallersStream) {
  QRT_SKIP_WITHOUT_GPU();
  auto gpu = build("fashion_cnn", "cuda");
  cudaStream_t stream = nullptr;
  QRT_CUDA_CHECK(cudaStreamCreate(&stream));
  {
    auto ctx = gpu->create_context();
    ctx->set_cuda_stream(stream);
    const auto inputs = random_inputs(*gpu, 4, 5);
    const Tensor a = only_output(ctx->run(inputs));
    const Tensor b = only_output(gpu->create_context()->run(inputs));
    EXPECT_EQ(test::max_rel_error(a, b), 0.0);
    EXPECT_THROW(ctx->set_cuda_stream(nullptr), Error);  // too late after the first run
  }
  QRT_CUDA_CHECK(cudaStreamDestroy(stream));
}

TEST(CudaEngine, PlanRoundTripAndAPlanForAnotherGpuIsRefused) {
  QRT_SKIP_WITHOUT_GPU();
  TempDir dir;
  auto gpu = build("fashion_cnn", "cuda");
  gpu->save(dir.file("a.plan"));
  auto loaded = Engine::load(dir.file("a.plan"));
  const auto inputs = random_inputs(*gpu, 3, 9);
  EXPECT_EQ(test::max_rel_error(only_output(loaded->create_context()->run(inputs)),
                                only_output(gpu->create_context()->run(inputs))),
            0.0);
  // The same plan, stamped for another GPU.
  auto impl = std::const_pointer_cast<EngineImpl>(load_plan(dir.file("a.plan")));
  ASSERT_FALSE(impl->gpu_signature.empty());
  const std::string here = impl->gpu_signature;
  impl->gpu_signature = "NVIDIA A100-SXM4-40GB (sm_80), CUDA runtime 12.2, cuDNN 8.9.0";
  save_plan(*impl, dir.file("other.plan"));
  try {
    Engine::load(dir.file("other.plan"));
    FAIL() << "a plan for another GPU loaded";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("A100"), std::string::npos) << msg;
    EXPECT_NE(msg.find(here), std::string::npos) << msg;
  }
}

// A plan loaded in a fresh process has no cuDNN int8 plans cached yet; they can only be built
// outside a stream capture. The first run is therefore not captured, so that the CUDA graph
// replayed afterwards holds cuDNN's kernels, not the fallback tactic.
TEST(CudaEngine, LoadedInt8PlanCapturesItsCudnnConvolutions) {
  QRT_SKIP_WITHOUT_GPU();
  TempDir dir;
  build("fashion_resnet_qat", "cuda", "int8")->save(dir.file("q.plan"));
  auto impl = std::const_pointer_cast<EngineImpl>(load_plan(dir.file("q.plan")));
  int forced = 0;
  for (ir::Node* n : impl->graph.nodes()) {
    if (n->op_type != "ConvInt8" || n->outputs.at(0)->dtype != DataType::kInt8 ||
        n->attr_int("group", 1) != 1)
      continue;
    const auto& x = n->input(0)->shape;
    const auto& w = n->input(1)->shape;
    if (x.size() != 4 || !x[3].is_static() || x[3].value % 4 != 0 || w[0].value % 4 != 0) continue;
    n->tactic = "cudnn";
    ++forced;
  }
  ASSERT_GT(forced, 3);
  save_plan(*impl, dir.file("cudnn.plan"));
  cuda::cudnn_int8_conv_forget_plans();  // as in a fresh process
  auto loaded = Engine::load(dir.file("cudnn.plan"));
  const auto inputs = random_inputs(*loaded, 8, 3);
  auto context = loaded->create_context();
  const int64_t fallbacks = cuda::cudnn_int8_conv_capture_fallbacks();
  const Tensor first = only_output(context->run(inputs));
  const Tensor replayed = only_output(context->run(inputs));
  EXPECT_EQ(cuda::cudnn_int8_conv_capture_fallbacks(), fallbacks);
  EXPECT_EQ(test::max_rel_error(replayed, first), 0.0);
}

// The INT8 engine quantizes its f32 NCHW input straight into int8 NHWC (qrt.QuantizeToNhwc on
// the GPU) and gives the outputs bit for bit of the same plan with QuantizeLinear and the
// Transpose to NHWC back in its place (what engines ran before the fusion; same tactics).
TEST(CudaEngine, Int8InputQuantizedStraightIntoNhwc) {
  QRT_SKIP_WITHOUT_GPU();
  TempDir dir;
  build("fashion_resnet_qat", "cuda", "int8")->save(dir.file("fused.plan"));
  auto impl = std::const_pointer_cast<EngineImpl>(load_plan(dir.file("fused.plan")));
  ir::Graph& g = impl->graph;
  ir::Node* fused = nullptr;
  for (ir::Node* n : g.nodes())
    if (n->op_type == "QuantizeToNhwc") {
      ASSERT_EQ(fused, nullptr) << "two QuantizeToNhwc nodes";
      fused = n;
    }
  ASSERT_NE(fused, nullptr);
  EXPECT_EQ(fused->backend, "cuda");
  EXPECT_TRUE(g.is_graph_input(fused->input(0)));
  for (const ir::Node* n : g.nodes())
    EXPECT_FALSE(n->op_type == "QuantizeLinear" && g.is_graph_input(n->input(0)));

  // Unfused: x -> QuantizeLinear -> q (NCHW) -> Transpose(0,2,3,1) -> the fused node's output.
  ir::Value* y = fused->output(0);
  ir::Value* q = g.add_value(g.unique_name("input_int8_nchw"));
  q->dtype = y->dtype;
  q->quant = y->quant;
  q->shape = fused->input(0)->shape;
  ir::Node* quantize =
      g.add_node("QuantizeLinear", g.unique_name("input_quantize"), fused->inputs, {q});
  quantize->attrs = fused->attrs;
  quantize->backend = "cuda";
  quantize->kernel_dtype = DataType::kFloat32;
  g.remove_node(fused);
  ir::Node* transpose = g.add_node("Transpose", g.unique_name("input_int8:nhwc"), {q}, {y});
  transpose->attrs["perm"] = std::vector<int64_t>{0, 2, 3, 1};
  transpose->backend = "cuda";
  transpose->kernel_dtype = DataType::kInt8;
  g.topological_sort();
  impl->bind_kernels("the unfused plan");  // save_plan walks the cached node list
  save_plan(*impl, dir.file("pair.plan"));

  auto with_fusion = Engine::load(dir.file("fused.plan"));
  auto with_pair = Engine::load(dir.file("pair.plan"));
  for (int64_t batch : {1, 7, 32}) {
    const auto inputs = random_inputs(*with_fusion, batch, 41 + static_cast<uint32_t>(batch));
    for (bool graphs : {false, true}) {
      auto a = with_fusion->create_context();
      auto b = with_pair->create_context();
      a->set_cuda_graph(graphs);
      b->set_cuda_graph(graphs);
      for (int rep = 0; rep < 2; ++rep) {
        const Tensor fa = only_output(a->run(inputs));
        const Tensor fb = only_output(b->run(inputs));
        ASSERT_EQ(fa.nbytes(), fb.nbytes());
        EXPECT_EQ(std::memcmp(fa.data(), fb.data(), fa.nbytes()), 0)
            << "batch " << batch << " graphs " << graphs << " run " << rep;
      }
    }
  }
}

// Copies `from` into the tensors of `to` (same names, same sizes).
void fill(std::map<std::string, Tensor>& to, const std::map<std::string, Tensor>& from) {
  ASSERT_EQ(to.size(), from.size());
  for (auto& [name, t] : to) {
    ASSERT_EQ(t.shape(), from.at(name).shape()) << name;
    std::memcpy(t.data(), from.at(name).data(), t.nbytes());
  }
}

bool pinned(const Tensor& t) {
  cudaPointerAttributes attrs{};
  const bool ok = cudaPointerGetAttributes(&attrs, t.data()) == cudaSuccess;
  cudaGetLastError();
  return ok && attrs.type == cudaMemoryTypeHost;
}

// input_buffers on a GPU engine: views of the pinned host arena, the same place on every call
// for a batch; run() on them (no host copy) gives what run() on separate tensors gives, again
// and again (runs never write the inputs' staging), at two batch sizes, with and without CUDA
// graphs, on a pure GPU engine and on one with host parts (copies between them).
TEST(CudaEngine, InputBuffersFilledInPlaceMatchSeparateTensors) {
  QRT_SKIP_WITHOUT_GPU();
  auto ref = build("fashion_cnn", "reference");
  for (const char* backend : {"cuda", "cuda,reference"}) {
    auto gpu = build("fashion_cnn", backend);
    for (bool graphs : {true, false}) {
      auto ctx = gpu->create_context();
      ctx->set_cuda_graph(graphs);
      for (int64_t batch : {1, 7}) {
        const std::string what = std::string(backend) + " batch " + std::to_string(batch) +
                                 (graphs ? " with graphs" : " without graphs");
        const auto separate = random_inputs(*gpu, batch, 40 + static_cast<uint32_t>(batch));
        const auto other = gpu->create_context();
        other->set_cuda_graph(graphs);
        const Tensor expected = only_output(other->run(separate));
        EXPECT_LT(test::max_rel_error(expected, only_output(ref->create_context()->run(separate))),
                  1e-4)
            << what;
        auto buffers = ctx->input_buffers(batch);
        for (const auto& [name, t] : buffers) {
          EXPECT_TRUE(pinned(t)) << what << ": " << name;
          EXPECT_EQ(t.data(), ctx->input_buffers(batch).at(name).data()) << what;
        }
        fill(buffers, separate);
        for (int rep = 0; rep < 3; ++rep) {
          EXPECT_EQ(test::max_rel_error(only_output(ctx->run(buffers)), expected), 0.0)
              << what << " run " << rep;
          for (const auto& [name, t] : buffers)
            EXPECT_EQ(std::memcmp(t.data(), separate.at(name).data(), t.nbytes()), 0)
                << what << ": run " << rep << " changed the input buffer";
        }
        // Separate tensors on the same context still work (copied in) after in-place runs.
        EXPECT_EQ(test::max_rel_error(only_output(ctx->run(separate)), expected), 0.0) << what;
      }
    }
  }
}

// Buffers handed out before the pinned arena grows stay valid (they keep the old arena alive)
// but are no longer where the inputs are staged: run() sees the address differ and copies from
// them. Buffers asked for again are the new staging place.
TEST(CudaEngine, InputBuffersFromBeforeTheArenaGrewAreCopiedFrom) {
  QRT_SKIP_WITHOUT_GPU();
  auto gpu = build("fashion_cnn", "cuda");
  auto ctx = gpu->create_context();
  const auto small = random_inputs(*gpu, 2, 51);
  const Tensor expected = only_output(gpu->create_context()->run(small));
  auto before = ctx->input_buffers(2);
  fill(before, small);
  EXPECT_EQ(test::max_rel_error(only_output(ctx->run(before)), expected), 0.0);
  // Batch 32 needs a larger pinned arena; its buffers come from it.
  auto large = ctx->input_buffers(32);
  fill(large, random_inputs(*gpu, 32, 52));
  const Tensor large_out = only_output(ctx->run(large));
  EXPECT_EQ(test::max_rel_error(
                large_out, only_output(gpu->create_context()->run(random_inputs(*gpu, 32, 52)))),
            0.0);
  auto after = ctx->input_buffers(2);
  EXPECT_NE(after.at("image").data(), before.at("image").data());
  // The old buffers: still readable, copied in; the outputs are right.
  for (int rep = 0; rep < 2; ++rep)
    EXPECT_EQ(test::max_rel_error(only_output(ctx->run(before)), expected), 0.0) << rep;
  fill(after, small);
  EXPECT_EQ(test::max_rel_error(only_output(ctx->run(after)), expected), 0.0);
  // Buffers outliving their context stay readable too.
  ctx.reset();
  EXPECT_EQ(
      std::memcmp(after.at("image").data(), small.at("image").data(), after.at("image").nbytes()),
      0);
  EXPECT_THROW(gpu->create_context()->input_buffers(33), Error);  // beyond the profile's 32
}

TEST(CudaEngine, InputsInGpuMemoryAreAClearError) {
  QRT_SKIP_WITHOUT_GPU();
  auto gpu = build("fashion_cnn", "cuda");
  const auto host = random_inputs(*gpu, 2, 1);
  cuda::DeviceBuffer buffer(host.begin()->second.nbytes());
  std::map<std::string, Tensor> on_device;
  on_device[host.begin()->first] =
      Tensor::borrow(host.begin()->second.dtype(), host.begin()->second.shape(), buffer.get());
  try {
    gpu->create_context()->run(on_device);
    FAIL() << "a device pointer was taken as host memory";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is in GPU memory"), std::string::npos) << e.what();
  }
}

TEST(CudaEngine, WrongInputSizeIsAClearError) {
  QRT_SKIP_WITHOUT_GPU();
  auto gpu = build("fashion_cnn", "cuda");
  auto inputs = random_inputs(*gpu, 2, 1);
  inputs.begin()->second = Tensor(DataType::kFloat32, {2, 1, 27, 28});
  EXPECT_THROW(gpu->create_context()->run(inputs), Error);
  inputs = random_inputs(*gpu, 33, 1);  // beyond the profile's max of 32
  EXPECT_THROW(gpu->create_context()->run(inputs), Error);
}

TEST(CudaEngine, TimingCacheMakesRebuildsSkipTheTiming) {
  QRT_SKIP_WITHOUT_GPU();
  TempDir dir;
  const std::string cache = dir.file("timing.json");
  build("fashion_cnn", "cuda", "fp32", cache);
  ASSERT_TRUE(std::filesystem::exists(cache));
  std::ifstream f(cache);
  const std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("\"tactics\""), std::string::npos);
  // A rebuild with the cache gives the same tactics.
  auto a = build("fashion_cnn", "cuda", "fp32", cache);
  auto b = build("fashion_cnn", "cuda", "fp32", cache);
  const auto& na = a->impl().nodes;
  const auto& nb = b->impl().nodes;
  ASSERT_EQ(na.size(), nb.size());
  for (size_t i = 0; i < na.size(); ++i) EXPECT_EQ(na[i]->tactic, nb[i]->tactic);

  // A cache written by a qrt with other tactics is not trusted: its (here bogus) choices are
  // timed again and the file rewritten with this build's catalog.
  auto j = nlohmann::json::parse(text);
  ASSERT_EQ(j.at("tactic_catalog").get<std::string>(), cuda::int8_tactic_catalog());
  j["tactic_catalog"] = "ConvInt8:igemm64,";
  for (auto& [key, tactic] : j.at("tactics").items()) tactic = "no_such_tactic";
  std::ofstream(cache, std::ios::trunc) << j.dump();
  auto c = build("fashion_cnn", "cuda", "fp32", cache);
  const auto& nc = c->impl().nodes;
  ASSERT_EQ(nc.size(), na.size());
  for (const auto& node : nc) EXPECT_NE(node->tactic, "no_such_tactic") << node->name;
  std::ifstream g(cache);
  EXPECT_EQ(nlohmann::json::parse(g).at("tactic_catalog").get<std::string>(),
            cuda::int8_tactic_catalog());
}

TEST(CudaEngine, BenchReportsGpuTimes) {
  QRT_SKIP_WITHOUT_GPU();
  auto gpu = build("fashion_cnn", "cuda");
  BenchOptions opt;
  opt.batch = 8;
  opt.iterations = 20;
  const BenchResult r = benchmark(*gpu, opt);
  ASSERT_TRUE(r.on_gpu);
  EXPECT_GT(r.gpu.compute.median_ms, 0.0);
  EXPECT_GT(r.gpu.upload_ms, 0.0);
  EXPECT_GT(r.throughput, 0.0);
  opt.transfers = false;
  const BenchResult compute_only = benchmark(*gpu, opt);
  EXPECT_EQ(compute_only.gpu.upload_ms, 0.0);
}

}  // namespace
}  // namespace qrt

namespace qrt {
namespace {

TEST(CudaEngine, LayerProfileCoversEveryGpuLayer) {
  QRT_SKIP_WITHOUT_GPU();
  auto gpu = build("fashion_cnn", "cuda");
  auto ctx = gpu->create_context();
  const auto inputs = random_inputs(*gpu, 16, 2);
  const auto layers = ctx->profile_layers(inputs, 3);
  size_t device_nodes = 0;
  for (const auto& l : gpu->summary().layers) device_nodes += l.backend == "cuda";
  EXPECT_GT(layers.size(), 0u);
  EXPECT_LE(layers.size(), device_nodes);
  double total = 0;
  for (const auto& l : layers) {
    EXPECT_GE(l.ms, 0.0) << l.name;
    EXPECT_FALSE(l.op_type.empty());
    total += l.ms;
  }
  // The layers' times add up to about one run's compute (launch gaps aside).
  ctx->run_without_transfers();
  EXPECT_GT(total, 0.0);
  EXPECT_LT(total, 20 * ctx->last_gpu_times().compute_ms + 1.0);
  EXPECT_THROW(ctx->profile_layers(inputs, 0), Error);
}

}  // namespace
}  // namespace qrt
