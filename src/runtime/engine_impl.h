// What an Engine holds: the optimised graph with each node's kernel chosen, and the batch
// profile. Built by the Builder or read from a plan; never changed afterwards.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backends/kernel_registry.h"
#include "ir/graph.h"
#include "ir/shape_inference.h"
#include "qrt/engine.h"

namespace qrt {

struct EngineImpl {
  ir::Graph graph;                        // topologically sorted
  std::vector<ir::Node*> nodes;           // graph.nodes(), cached
  std::vector<const KernelDef*> kernels;  // one per node
  std::vector<bool> input_batched;        // per graph input: dim 0 follows the batch
  // Per graph input: its values decide shapes (an integer input feeding Reshape's shape, say),
  // so execution plans are made per value, not only per shape. Set only when some node's
  // shapes could not be known at build time ("deferred" nodes, kernel chosen per plan).
  std::vector<bool> input_values_matter;
  BatchProfile batch;
  bool has_batch = false;
  std::string precision = "fp32";
  std::string source;
  std::string qrt_version;
  // GPU engines: the device and libraries the tactics were chosen on (DeviceInfo::describe());
  // a plan only loads where they match. Empty for CPU-only engines.
  std::string gpu_signature;
  bool allow_tf32 = false;
  // Device copies of the weights, uploaded once per engine on first use (cuda backend).
  mutable std::shared_ptr<void> device_constants;

  // True when some node runs on a GPU backend.
  bool uses_device() const;

  // Resolves nodes/kernels from the node annotations (backend, kernel_dtype); throws if this
  // build of qrt lacks a kernel the graph names.
  void bind_kernels(const std::string& origin);
  std::vector<ir::TensorType> input_types_for_batch(int64_t batch_size) const;
};

// Concrete input types for a batch size: batched inputs get dim 0 = batch_size, the others keep
// their static shape.
std::vector<ir::TensorType> input_types_for_batch(const ir::Graph& graph,
                                                  const std::vector<bool>& batched,
                                                  int64_t batch_size);

// Infers concrete shapes at the profile's min/opt/max and writes dtype and symbolic shapes
// (dims that follow the batch become "N", "2N", ...) onto the graph's values.
// Returns true when some values' shapes depend on input values (they are left untyped).
bool annotate_symbolic_shapes(ir::Graph& graph, const std::vector<bool>& batched,
                              const BatchProfile& profile, bool has_batch);

// Marks nodes whose kernel can only be chosen once shapes are known at run time.
inline constexpr const char* kDeferredTactic = "deferred";

// Where a backend's kernels read and write their tensors.
enum class Location { kHost, kDevice };
Location backend_location(const std::string& backend);

// One step of a run: a node, or a copy of a value between host and device memory (at the
// border between a host-run and a device-run part of the graph, graph inputs and outputs).
struct ExecStep {
  enum class Kind { kNode, kUpload, kDownload } kind = Kind::kNode;
  size_t node = 0;                   // kNode: index into engine.nodes
  const ir::Value* value = nullptr;  // kUpload / kDownload
};

// Execution plan for one set of concrete input shapes: which values are known before running
// (shape computations), and where every other activation lives: the host arena and, for
// engines with GPU nodes, the device arena (each planned by liveness on its own).
struct ExecPlan {
  uint64_t id = 0;  // unique in the process: device state is keyed by it
  ir::ConcreteInference inference;
  std::vector<const KernelDef*> kernels;  // the engine's, with deferred nodes' kernels chosen
  std::vector<bool> precomputed;          // per node: outputs already known
  std::map<const ir::Value*, size_t> arena_offset;  // host arena
  size_t arena_bytes = 0;
  size_t unshared_bytes = 0;
  // Device-side: values produced on the device or copied there, their device arena offsets,
  // and the known values (weights, shape tensors) device nodes read.
  bool uses_device = false;
  std::vector<ExecStep> steps;  // the run, in order (host-only plans: one kNode per node)
  std::map<const ir::Value*, size_t> device_offset;
  size_t device_arena_bytes = 0;
  std::vector<const ir::Value*> device_constants;
};

// A context's GPU side (cuda backend), made on the first run of a plan with device nodes.
class DeviceContext {
 public:
  virtual ~DeviceContext() = default;
  // Copies the inputs in, runs the plan's steps (replaying a CUDA graph when enabled and no
  // callback is given), copies the outputs out.
  virtual std::map<std::string, Tensor> run(
      const ExecPlan& plan, const std::vector<const Tensor*>& inputs,
      const ExecutionContext::TensorCallback& each_tensor) = 0;
  // Per graph input: the pinned host memory where run() stages it for this plan (a view that
  // keeps that memory alive), or an undefined tensor where the plan stages none; run() skips the
  // copy of an input whose data already is there (ExecutionContext::input_buffers).
  virtual std::vector<Tensor> input_staging(const ExecPlan& plan) = 0;
  // Runs the plan's compute again on the inputs already on the device.
  virtual void run_without_transfers(const ExecPlan& plan) = 0;
  virtual ExecutionContext::GpuTimes last_times() const = 0;
  // Per device node of the plan: mean milliseconds over `runs` eager runs of the compute.
  virtual std::vector<std::pair<size_t, double>> profile(const ExecPlan& plan, int runs) = 0;
};

// Called with each tensor a device node computed, still in device memory, and the cudaStream_t
// its work was queued on (the callee queues its own work there): GPU calibration gathers its
// statistics this way instead of copying every activation to the host.
using DeviceTensorCallback =
    std::function<void(const std::string& name, const Tensor& device_value, void* stream)>;

struct DeviceContextOptions {
  void* stream = nullptr;  // cudaStream_t; null: the context makes its own
  bool cuda_graph = true;
  // Set: device tensors go here instead of being copied to the host for a TensorCallback
  // (which still sees the host nodes' tensors); runs are not captured in graphs.
  DeviceTensorCallback each_device_tensor;
  // The context's cpu backend state (make_cpu_backend_state), for the cpu nodes of the plan.
  void* cpu_backend_state = nullptr;
};

// Sets the context's DeviceTensorCallback; before its first run.
void observe_device_tensors(ExecutionContext& context, DeviceTensorCallback callback);

// GPU engines at build time: runs the cuda backend's passes, chooses tactics by timing them on
// this GPU (through the timing cache), records the GPU. Throws without the CUDA backend.
void prepare_device_engine(EngineImpl& engine, const BuilderConfig& config,
                           const std::function<void(const std::string&)>& warn);
// "NVIDIA H100 80GB HBM3 (sm_90), CUDA runtime 13.0, cuDNN 9.14.0, cuBLASLt 13.1.0"; throws
// without a GPU or without the CUDA backend.
std::string current_gpu_signature(const std::string& what);

// Throws in builds of qrt without the CUDA backend.
std::unique_ptr<DeviceContext> make_cuda_device_context(const EngineImpl& engine,
                                                        const DeviceContextOptions& options);

// `input_values`: values of the inputs whose values matter (nullptr elsewhere). With
// `estimate_only`, nodes that need unknown values are left out instead of failing (for summaries).
ExecPlan make_exec_plan(const EngineImpl& engine, const std::vector<ir::TensorType>& inputs,
                        const std::vector<const Tensor*>& input_values = {},
                        bool estimate_only = false);

// The cpu backend's per-context cache of oneDNN primitives (src/backends/cpu/dnnl_util.h).
std::shared_ptr<void> make_cpu_backend_state();
// Engines with cpu nodes at build time (src/backends/cpu/cpu_build.cpp): activation layouts
// chosen by oneDNN (reorders at the borders of blocked runs), convolution weights stored in the
// layout their primitives want.
void prepare_cpu_engine(EngineImpl& engine);
// Blocked activations of the cpu backend (src/backends/cpu/dnnl_util.h): the channel block of
// a layout name ("nChw16c" -> 16, "nChw8c" -> 8, "nChw4c" -> 4), 1 for any other name.
int64_t activation_block(const std::string& layout);
// The layout that output `output` of `node` is stored in: the blocked layout of a cpu node with
// "cpu_layout" (its first output) or of a cpu qrt.Reorder ("to"); "" when it is plain.
std::string stored_layout(const ir::Node& node, size_t output);
// The bytes of a value's buffer at a concrete type: its elements, except for a blocked
// activation (stored_layout of its producer), whose channels (NHWC dim 3) are padded up to the
// block: nChw16c stores 24 channels as 32.
size_t value_bytes(const ir::Value& value, const ir::TensorType& type);
// Output `output` of a cpu node that is stored blocked (stored_layout) as a new NHWC tensor, for
// per-layer callbacks (qrt compare); any other tensor as it is.
Tensor cpu_plain_activation(const ir::Node& node, size_t output, const Tensor& t);
// Loading a plan: every stored cpu weight layout describes its weights; throws a one-line
// qrt::Error naming the node otherwise.
void check_cpu_weight_layouts(const ir::Graph& graph);

// Plan file I/O (plan_format.cpp).
void save_plan(const EngineImpl& engine, const std::string& path);
std::shared_ptr<EngineImpl> load_plan(const std::string& path);
// A deep copy (through the plan format, so exactly what a saved plan holds).
std::shared_ptr<EngineImpl> clone_engine(const EngineImpl& engine);
// True when the file starts with the plan magic.
bool is_plan_file(const std::string& path);

// Builds an engine from an already imported graph (builder.cpp).
std::shared_ptr<EngineImpl> build_engine(ir::Graph graph, const BuilderConfig& config,
                                         const std::string& source);
// The engine with its profile's MAX raised to `batch` (builder.cpp). Kernels and tactics were
// chosen at OPT, which does not change, and INT8 scales live in the graph: both are kept; the
// shapes are inferred again over the wider range.
std::shared_ptr<EngineImpl> rebuild_for_batch(const EngineImpl& engine, int64_t batch);
// "rebuilding engine: its maximum batch size 1 is less than the input batch size 256"
std::string rebuild_notice(const EngineImpl& engine, int64_t batch);

}  // namespace qrt
