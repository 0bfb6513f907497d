// The public C++ API: Builder + BuilderConfig -> Engine (immutable, shared) -> ExecutionContext.
//
//   qrt::Builder builder;
//   qrt::BuilderConfig config;                     // fp32, reference backend, batch from the model
//   auto engine = builder.build_from_onnx("model.onnx", config);
//   engine->save("model.plan");                    // later: qrt::Engine::load("model.plan")
//   auto context = engine->create_context();       // one per thread
//   auto outputs = context->run({{"input", tensor}});
//
// Every failure throws qrt::Error with a one-line message naming the file or node at fault.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "qrt/tensor.h"
#include "qrt/types.h"

namespace qrt {

// The range of batch sizes an engine accepts; kernels are chosen for `opt`.
struct BatchProfile {
  int64_t min = 1;
  int64_t opt = 1;
  int64_t max = 1;
};

// Parses "MIN:OPT:MAX" (or a single "N" meaning N:N:N); throws qrt::Error naming the text.
BatchProfile parse_batch_profile(const std::string& text);

// One input's shapes at the ends and middle of its profile (BuilderConfig::input_shapes).
struct InputShapeProfile {
  std::string name;
  std::vector<int64_t> min, opt, max;
};
// Parses "NAME:MINxCxHxW:OPTx...:MAXx..." (the name may itself hold ':'); throws qrt::Error
// naming the text on a dimension below 1, shapes of different ranks, MIN > OPT > MAX, or a
// dimension other than the first that differs between the three.
InputShapeProfile parse_shape_profile(const std::string& text);

// Where INT8 activation scales come from when the model has no QDQ nodes.
struct CalibrationConfig {
  // "minmax" | "entropy" (TensorRT's EntropyCalibration2) | "percentile" | "mse".
  std::string algorithm = "entropy";
  double percentile = 99.99;
  // A calibration table (TensorRT text cache or JSON): read when the file exists (calibration
  // is skipped), written after calibration otherwise. Empty: neither.
  std::string table_path;
  // Empirical bias correction (Nagel et al. 2019, section 4.2; docs/quantization.md): each int8
  // layer's bias loses the mean shift its weight rounding causes, E[(W_q - W) x] per output
  // channel over the calibration data's FP32 inputs x. Needs precision int8 or best, and
  // calibration data or a JSON table that holds the corrections.
  bool bias_correction = false;
  // Calibration data: num_batches batches, batch(i) gives the model's inputs for batch i. Called
  // twice per batch for histogram-based algorithms (range first, then histograms).
  int64_t num_batches = 0;
  std::function<std::map<std::string, Tensor>(int64_t index)> batch;
  // What the data is (a file or dataset spec), for error messages.
  std::string data_name = "calibration data";
  // Progress: called after each batch with (batches done, total batches over both passes).
  std::function<void(int64_t done, int64_t total)> progress;
};

struct BuilderConfig {
  // "fp32", "fp16" or "bf16" (sensitive ops stay fp32), "int8" (int8 compute where scales
  // exist, fp32 elsewhere) or "best" (int8, and fp16 for the rest).
  std::string precision = "fp32";
  // Per-layer overrides: node name (or output name) -> "fp32" | "fp16" | "bf16" | "int8".
  std::map<std::string, std::string> layer_precision;
  CalibrationConfig calibration;
  // Unset: the model's own batch dimension (symbolic -> 1:1:64, static -> fixed).
  std::optional<BatchProfile> batch;
  // Backends in order of preference: each node goes to the first whose kernel supports it.
  // "reference" is always the implicit last resort (appended when absent), so every model runs.
  std::vector<std::string> backends = {"reference"};
  // Op types kept off the preferred (first) backend; each must be a known op type.
  std::vector<std::string> disabled_ops;
  // A run of fewer nodes on one backend moves to the next backend that supports its nodes
  // (border copies would cost more than it saves); a run that is the whole graph stays.
  int64_t min_subgraph_size = 3;
  // Per-input shape profiles (--shapes). Only dim 0 (the batch) may differ between MIN, OPT
  // and MAX; the other dims fix the input's dynamic dims. They set the batch profile (every
  // input's must agree, and `batch`, when also set, must equal it).
  std::vector<InputShapeProfile> input_shapes;
  // Graph passes (constant folding, BatchNorm folding, ...); off only for debugging.
  bool optimize = true;
  // cuda backend: FP32 convolutions and GEMMs may use TF32 tensor cores (off: exact FP32).
  bool allow_tf32 = false;
  // cuda backend: a JSON file of tactics chosen earlier on this GPU (read if it exists, then
  // written back with the new choices) so rebuilds skip the timing.
  std::string timing_cache;
  // NHWC activations for the conv / pool family (docs/architecture.md, "channels_last"); always
  // on when the first backend is "cuda" and the precision is not fp32.
  bool channels_last = false;
  // Warnings while building (tensors a calibration table lacks, ...); unset: printed to stderr.
  std::function<void(const std::string&)> on_warning;
};

struct TensorInfo {
  std::string name;
  DataType dtype = DataType::kUndefined;
  std::vector<int64_t> shape;  // -1 where the dimension follows the batch
  std::string shape_text;      // e.g. "N x 3 x 224 x 224"
};

struct LayerInfo {
  std::string name;
  std::string op_type;
  std::string backend;
  std::string precision;
  size_t subgraph = 0;               // index into EngineSummary::subgraphs
  std::string fallback_reason;       // why it is not on the preferred backend; empty if it is
  std::vector<std::string> inputs;   // "name: f32 N x 64 x 56 x 56"
  std::vector<std::string> outputs;  // likewise
};

// A run of consecutive layers on one backend: what one CUDA graph covers, say.
struct SubgraphInfo {
  std::string backend;
  size_t layers = 0;
  std::string precision;  // "fp32", "fp16", "bf16", "int8", or a mix such as "int8+fp32"
};

struct EngineSummary {
  std::string source;  // the ONNX model or plan it came from
  std::string qrt_version;
  std::string precision;
  BatchProfile batch;
  std::vector<TensorInfo> inputs;
  std::vector<TensorInfo> outputs;
  std::vector<LayerInfo> layers;
  std::vector<SubgraphInfo> subgraphs;  // in execution order
  size_t weight_bytes = 0;
  size_t activation_bytes_at_max_batch = 0;  // arena planned by liveness
  size_t activation_bytes_unshared = 0;      // what the arena would be with no buffer reuse
};

class ExecutionContext;
struct EngineImpl;

class Engine {
 public:
  // Loads a plan written by save(); does no optimisation. Throws on a truncated, corrupted or
  // foreign-version plan.
  static std::shared_ptr<Engine> load(const std::string& plan_path);
  // True when the file starts with qrt's plan magic (as opposed to, say, an ONNX model).
  static bool is_plan(const std::string& path);
  void save(const std::string& plan_path) const;
  // This engine with its batch profile's MAX raised to `batch` (kernels, tactics and INT8
  // scales kept: they were chosen at OPT, which stays).
  std::shared_ptr<Engine> rebuild_for_batch(int64_t batch) const;

  std::vector<TensorInfo> inputs() const;
  std::vector<TensorInfo> outputs() const;
  BatchProfile batch_profile() const;
  EngineSummary summary() const;

  // Contexts are cheap; each owns its activation memory. The engine may be shared between
  // threads, a context may not.
  std::unique_ptr<ExecutionContext> create_context() const;

  explicit Engine(std::shared_ptr<const EngineImpl> impl);
  const EngineImpl& impl() const { return *impl_; }

 private:
  std::shared_ptr<const EngineImpl> impl_;
};

class Builder {
 public:
  // Imports, validates, optimises and compiles an ONNX model.
  std::shared_ptr<Engine> build_from_onnx(const std::string& model_path,
                                          const BuilderConfig& config) const;
};

struct ContextState;

class ExecutionContext {
 public:
  explicit ExecutionContext(std::shared_ptr<const EngineImpl> engine);
  ~ExecutionContext();
  ExecutionContext(const ExecutionContext&) = delete;
  ExecutionContext& operator=(const ExecutionContext&) = delete;

  // Runs the engine on named inputs; returns the named outputs in fresh tensors. Inputs are
  // checked against the engine (names, element types, shapes, batch within the profile).
  std::map<std::string, Tensor> run(const std::map<std::string, Tensor>& inputs);

  // The same, calling `each_tensor` with every tensor a layer computes, right after that layer
  // (the tensor is only valid during the call): what calibration and layer-by-layer comparisons
  // are built on.
  using TensorCallback = std::function<void(const std::string& name, const Tensor& value)>;
  std::map<std::string, Tensor> run(const std::map<std::string, Tensor>& inputs,
                                    const TensorCallback& each_tensor);

  // Tensors for the engine's inputs at `batch` (names, element types and shapes as run()
  // expects them) that live where run() would copy the inputs to: fill them in place and pass
  // them to run(), which then skips its host copy (what TensorRT users do with pinned bindings).
  //   auto in = context->input_buffers(1);
  //   write_image(in.at("input").data_as<float>());
  //   auto out = context->run(in);
  // GPU engines: views of the context's pinned host arena, where run() stages each input for
  // this batch's execution plan before its host-to-device copy. Runs on them at this batch leave
  // them as they are (fill once, run many times); a run with other tensors at this batch copies
  // those over them, and a run at another batch size may reuse their bytes (plans share the
  // arena): write them before a run that follows either. They stay valid (they keep their
  // memory alive) but stop being the staging place when the arena grows (a run or input_buffers
  // at a batch that needs more memory), the context rebuilds for a larger batch, or the context
  // dies: run() then sees the address differ and copies from them as from any tensor, so call
  // input_buffers again after any of these to keep the copy-free path. Makes the context's GPU
  // side, like the first run does (set_cuda_stream and set_cuda_graph come before it).
  // Engines that run on the host read inputs where they are: fresh zero-filled tensors. So do
  // inputs whose values decide shapes (the plan depends on them).
  // Throws qrt::Error naming the batch and the profile when the batch is outside the profile
  // (above MAX with rebuild on overflow on, the engine is rebuilt first, as run() does).
  std::map<std::string, Tensor> input_buffers(int64_t batch);

  // A batch above the profile's MAX: rebuild the engine for it (Engine::rebuild_for_batch), once
  // per new maximum, calling `notice` with one line saying so (unset: printed to stderr),
  // instead of failing. Off by default.
  void set_rebuild_on_overflow(bool enabled,
                               std::function<void(const std::string&)> notice = nullptr);

  // Bytes of activation memory this context holds now (host arena).
  size_t arena_bytes() const;

  // GPU engines (a node on the cuda backend) -------------------------------------------------
  // Runs on the caller's CUDA stream (a cudaStream_t) instead of the context's own; call before
  // the first run (and before input_buffers).
  void set_cuda_stream(void* stream);
  // Capture each execution plan (one per input shape) into a CUDA graph and replay it; on by
  // default. Runs with a TensorCallback never use graphs. Call before the first run (and before
  // input_buffers).
  void set_cuda_graph(bool enabled);
  // Runs the engine again on the inputs of the last run(), which are still in device memory,
  // without copying inputs in or outputs out (what trtexec's --noDataTransfers times).
  void run_without_transfers();
  // Device times of the last run, from CUDA events: host-to-device copies of the inputs, the
  // compute, device-to-host copies of the outputs.
  struct GpuTimes {
    double upload_ms = 0, compute_ms = 0, download_ms = 0;
  };
  GpuTimes last_gpu_times() const;
  // GPU engines: per-layer device time (CUDA events around each kernel, launched one by one,
  // mean of `runs` runs) on the given inputs, in execution order (trtexec's --dumpProfile).
  struct LayerTime {
    std::string name, op_type, tactic;
    double ms = 0;
  };
  std::vector<LayerTime> profile_layers(const std::map<std::string, Tensor>& inputs, int runs);
  // True when the engine runs (partly) on a GPU.
  bool on_gpu() const;

 private:
  // Internal (GPU calibration): see src/runtime/engine_impl.h.
  friend void observe_device_tensors(
      ExecutionContext& context,
      std::function<void(const std::string&, const Tensor&, void*)> callback);
  std::shared_ptr<const EngineImpl> engine_;
  std::unique_ptr<ContextState> state_;
};

// "0.1.0"
const char* version();

}  // namespace qrt
