// Timing an engine the way trtexec does: warm-up, then timed runs, then latency percentiles.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "qrt/engine.h"

namespace qrt {

struct LatencyStats {
  double min_ms = 0, mean_ms = 0, median_ms = 0, p90_ms = 0, p95_ms = 0, p99_ms = 0, max_ms = 0;
};

// Percentiles by the nearest-rank method over the samples (milliseconds).
LatencyStats latency_stats(std::vector<double> samples_ms);

struct BenchOptions {
  int64_t batch = 1;
  int iterations = 50;     // timed runs (at least)
  int warmup = 5;          // untimed runs first
  double min_seconds = 0;  // keep running until this much time has passed too
  uint32_t seed = 1;
  // GPU engines: copy inputs in and outputs out on every run (off: trtexec's
  // --noDataTransfers, the inputs stay on the device), and replay CUDA graphs.
  bool transfers = true;
  bool cuda_graph = true;
};

// GPU engines: device times per run from CUDA events.
struct GpuStats {
  LatencyStats compute;    // the engine's kernels
  double upload_ms = 0;    // mean host-to-device copy of the inputs
  double download_ms = 0;  // mean device-to-host copy of the outputs
};

struct BenchResult {
  int64_t batch = 0;
  int iterations = 0;
  double total_seconds = 0;
  double throughput = 0;  // samples (batch items) per second
  // Host wall clock per run, end to end: inputs already in the context's input_buffers (pinned
  // host memory on a GPU), copied to the device, the compute, outputs copied back to the host.
  LatencyStats latency;
  bool on_gpu = false;
  GpuStats gpu;  // on_gpu only
};

// Inputs of the engine's types at the given batch: floats uniform in [-1, 1), integers 0.
std::map<std::string, Tensor> random_inputs(const Engine& engine, int64_t batch, uint32_t seed);
// The same values written into existing tensors, one per engine input (ExecutionContext::
// input_buffers, say); throws qrt::Error naming an input that is missing or of another type.
void fill_random_inputs(const Engine& engine, std::map<std::string, Tensor>& inputs, uint32_t seed);

BenchResult benchmark(const Engine& engine, const BenchOptions& options);

}  // namespace qrt
