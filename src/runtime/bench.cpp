#include "qrt/bench.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <numeric>
#include <random>

namespace qrt {

LatencyStats latency_stats(std::vector<double> s) {
  LatencyStats r;
  if (s.empty()) return r;
  std::sort(s.begin(), s.end());
  auto rank = [&](double p) {
    const size_t k = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(s.size())));
    return s[std::min(s.size() - 1, k == 0 ? 0 : k - 1)];
  };
  r.min_ms = s.front();
  r.max_ms = s.back();
  r.mean_ms = std::accumulate(s.begin(), s.end(), 0.0) / static_cast<double>(s.size());
  r.median_ms = rank(50);
  r.p90_ms = rank(90);
  r.p95_ms = rank(95);
  r.p99_ms = rank(99);
  return r;
}

void fill_random_inputs(const Engine& engine, std::map<std::string, Tensor>& inputs,
                        uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  for (const TensorInfo& info : engine.inputs()) {
    auto it = inputs.find(info.name);
    if (it == inputs.end())
      throw Error("fill_random_inputs: no tensor for input '" + info.name + "'");
    Tensor& t = it->second;
    if (t.dtype() != info.dtype)
      throw Error("fill_random_inputs: input '" + info.name + "' has element type " +
                  std::string(dtype_name(t.dtype())) + ", the engine's is " +
                  std::string(dtype_name(info.dtype)));
    const int64_t n = t.numel();
    if (info.dtype == DataType::kFloat32)
      for (int64_t i = 0; i < n; ++i) t.data_as<float>()[i] = dist(gen);
    else if (info.dtype == DataType::kFloat16)
      for (int64_t i = 0; i < n; ++i) t.data_as<uint16_t>()[i] = float_to_half(dist(gen));
    else if (info.dtype == DataType::kBFloat16)
      for (int64_t i = 0; i < n; ++i) t.data_as<uint16_t>()[i] = float_to_bfloat16(dist(gen));
    else if (info.dtype == DataType::kFloat64)
      for (int64_t i = 0; i < n; ++i) t.data_as<double>()[i] = dist(gen);
    else if (n > 0)
      std::memset(t.data(), 0, t.nbytes());
  }
}

std::map<std::string, Tensor> random_inputs(const Engine& engine, int64_t batch, uint32_t seed) {
  std::map<std::string, Tensor> inputs;
  for (const TensorInfo& info : engine.inputs()) {
    std::vector<int64_t> shape = info.shape;
    for (int64_t& d : shape)
      if (d < 0) d = batch;
    inputs.emplace(info.name, Tensor(info.dtype, shape));
  }
  fill_random_inputs(engine, inputs, seed);
  return inputs;
}

BenchResult benchmark(const Engine& engine, const BenchOptions& options) {
  if (options.iterations < 1) throw Error("bench: --iterations must be at least 1");
  if (options.warmup < 0) throw Error("bench: --warmup must not be negative");
  const auto profile = engine.batch_profile();
  if (options.batch < profile.min || options.batch > profile.max)
    throw Error("bench: batch " + std::to_string(options.batch) +
                " is outside the engine's range [" + std::to_string(profile.min) + ", " +
                std::to_string(profile.max) + "]");
  auto ctx = engine.create_context();
  const bool gpu = ctx->on_gpu();
  if (!options.transfers && !gpu)
    throw Error("bench: --no-data-transfers needs an engine that runs on a GPU");
  if (gpu) ctx->set_cuda_graph(options.cuda_graph);
  // The inputs go where the context stages them (pinned host memory on a GPU), filled once:
  // runs then time the host-to-device copies from pinned memory, as trtexec does, without a
  // copy of the inputs on the host.
  auto inputs = ctx->input_buffers(options.batch);
  fill_random_inputs(engine, inputs, options.seed);
  // At least one full run: it puts the inputs on the device for runs without transfers.
  for (int i = 0; i < std::max(options.warmup, 1); ++i) ctx->run(inputs);
  using clock = std::chrono::steady_clock;
  std::vector<double> samples, compute;
  double upload = 0, download = 0;
  const auto start = clock::now();
  for (;;) {
    const auto t0 = clock::now();
    if (options.transfers)
      ctx->run(inputs);
    else
      ctx->run_without_transfers();
    samples.push_back(std::chrono::duration<double, std::milli>(clock::now() - t0).count());
    if (gpu) {
      const auto t = ctx->last_gpu_times();
      compute.push_back(t.compute_ms);
      upload += t.upload_ms;
      download += t.download_ms;
    }
    const double elapsed = std::chrono::duration<double>(clock::now() - start).count();
    if (static_cast<int>(samples.size()) >= options.iterations && elapsed >= options.min_seconds)
      break;
  }
  BenchResult r;
  r.batch = options.batch;
  r.iterations = static_cast<int>(samples.size());
  r.total_seconds = std::chrono::duration<double>(clock::now() - start).count();
  r.latency = latency_stats(samples);
  r.on_gpu = gpu;
  if (gpu) {
    r.gpu.compute = latency_stats(compute);
    r.gpu.upload_ms = upload / static_cast<double>(samples.size());
    r.gpu.download_ms = download / static_cast<double>(samples.size());
  }
  r.throughput = static_cast<double>(options.batch) * r.iterations / r.total_seconds;
  return r;
}

}  // namespace qrt
