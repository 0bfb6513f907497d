// The GPU side of an execution context: device and pinned host arenas, weights uploaded once
// per engine, copies at the borders, and each plan captured into CUDA graphs and replayed.
#include <algorithm>
#include <cstring>
#include <mutex>
#include <shared_mutex>

#include "backends/cuda/cuda_check.h"
#include "backends/cuda/cuda_device.h"
#include "backends/cuda/cuda_stream_resources.h"
#include "runtime/engine_impl.h"

namespace qrt {
namespace cuda {
namespace {

// Weights (graph constants) on the device, shared by every context of an engine.
struct EngineConstants {
  std::mutex mutex;
  std::map<const ir::Value*, DeviceBuffer> buffers;
};

std::mutex& engine_constants_creation_mutex() {
  static std::mutex m;
  return m;
}

EngineConstants& engine_constants(const EngineImpl& engine) {
  std::lock_guard<std::mutex> lock(engine_constants_creation_mutex());
  if (!engine.device_constants) engine.device_constants = std::make_shared<EngineConstants>();
  return *static_cast<EngineConstants*>(engine.device_constants.get());
}

void upload_sync(DeviceBuffer& buffer, const Tensor& host) {
  if (host.nbytes() > 0)
    QRT_CUDA_CHECK(cudaMemcpy(buffer.get(), host.data(), host.nbytes(), cudaMemcpyHostToDevice));
}

class Event {
 public:
  Event() { QRT_CUDA_CHECK(cudaEventCreate(&event_)); }
  ~Event() { cudaEventDestroy(event_); }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  cudaEvent_t get() const { return event_; }

 private:
  cudaEvent_t event_ = nullptr;
};

class GraphExec {
 public:
  GraphExec() = default;
  ~GraphExec() {
    if (exec_) cudaGraphExecDestroy(exec_);
  }
  GraphExec(const GraphExec&) = delete;
  GraphExec& operator=(const GraphExec&) = delete;
  bool ready() const { return exec_ != nullptr; }
  void reset(cudaGraphExec_t exec) {
    if (exec_) cudaGraphExecDestroy(exec_);
    exec_ = exec;
  }
  void launch(cudaStream_t stream) const { QRT_CUDA_CHECK(cudaGraphLaunch(exec_, stream)); }
  // Whether the work ran once without capture: kernels build what they cache process-wide
  // (cuDNN's int8 plans, cuBLASLt's algorithms) only outside a capture, so a capture before
  // that would record their slower fallbacks for good.
  bool ran_uncaptured() const { return ran_uncaptured_; }
  void mark_ran_uncaptured() { ran_uncaptured_ = true; }

 private:
  cudaGraphExec_t exec_ = nullptr;
  bool ran_uncaptured_ = false;
};

// A plan's steps split into phases: copies of graph inputs in, the compute (which may hold
// copies between host and device parts), copies of graph outputs out.
struct Phases {
  size_t compute_begin = 0, compute_end = 0;
};

// Part of the compute: a GPU subgraph (device nodes and the copies at its borders), captured
// into one CUDA graph, or a run of host nodes, run eagerly after the stream drains.
struct Segment {
  size_t begin = 0, end = 0;
  bool device = true;
  std::unique_ptr<GraphExec> graph;
};

// What one plan needs on this context: tensor views into the arenas, and captured graphs.
struct PlanState {
  uint64_t arena_generation = 0;
  Phases phases;
  std::vector<std::vector<Tensor>> inputs, outputs, host_inputs;  // per step
  std::map<const ir::Value*, Tensor> host_view, device_view;
  // Per graph input: where run() stages it in the pinned host arena (undefined: nowhere, its
  // value is known to the plan).
  std::vector<Tensor> input_stage;
  std::map<const ir::Value*, DeviceBuffer> own_constants;  // known values that are not weights
  bool compute_capturable = true;
  std::vector<Segment> segments;  // the compute phase, in order
  GraphExec upload, download;
};

// Stream captures (shared) never overlap, between threads, what a context does outside its
// replays (exclusive): a plan's first, uncaptured run (cuDNN builds its plans, CUDA loads kernel
// modules), creating and destroying contexts, (re)allocating arenas, uploading constants. Seen
// on the H100: a context's run beside another thread's capture failed inside cuDNN or cuBLASLt
// (EXECUTION_FAILED, CudaEngine.ContextsOnSeveralThreadsGiveTheSerialResults).
std::shared_mutex& capture_gate() {
  static std::shared_mutex gate;
  return gate;
}

// Pinned host arenas no longer referenced (by their context or by the views input_staging
// handed out), waiting to be freed by the next thread that holds the capture gate exclusively:
// a view may die anywhere, even inside a callback that runs under the gate, so its last
// reference only queues the free. Never destroyed (freeing at exit would race CUDA's teardown).
struct RetiredArenas {
  std::mutex mutex;
  std::vector<PinnedBuffer> buffers;
};

RetiredArenas& retired_arenas() {
  static auto* retired = new RetiredArenas;
  return *retired;
}

// A pinned arena shared by its context and the views handed out of it.
std::shared_ptr<PinnedBuffer> make_shared_arena(size_t bytes) {
  return std::shared_ptr<PinnedBuffer>(new PinnedBuffer(bytes), [](PinnedBuffer* arena) {
    try {
      RetiredArenas& retired = retired_arenas();
      const std::lock_guard<std::mutex> lock(retired.mutex);
      retired.buffers.push_back(std::move(*arena));
    } catch (...) {  // no memory to queue it: free it here
    }
    delete arena;
  });
}

// Frees the retired arenas; the caller holds the capture gate exclusively.
void free_retired_arenas() {
  std::vector<PinnedBuffer> doomed;
  {
    RetiredArenas& retired = retired_arenas();
    const std::lock_guard<std::mutex> lock(retired.mutex);
    doomed.swap(retired.buffers);
  }
}

// Captures what `enqueue` puts on the stream into an instantiated CUDA graph; a failure while
// capturing ends the capture before rethrowing, so the stream stays usable.
template <typename Enqueue>
cudaGraphExec_t capture(cudaStream_t stream, const Enqueue& enqueue) {
  const std::shared_lock<std::shared_mutex> gate(capture_gate());
  QRT_CUDA_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
  try {
    enqueue();
  } catch (...) {
    cudaGraph_t broken = nullptr;
    cudaStreamEndCapture(stream, &broken);
    if (broken) cudaGraphDestroy(broken);
    cudaGetLastError();
    throw;
  }
  cudaGraph_t captured = nullptr;
  QRT_CUDA_CHECK(cudaStreamEndCapture(stream, &captured));
  cudaGraphExec_t exec = nullptr;
  const cudaError_t status = cudaGraphInstantiate(&exec, captured, 0);
  cudaGraphDestroy(captured);
  QRT_CUDA_CHECK(status);
  return exec;
}

class CudaDeviceContext final : public DeviceContext {
 public:
  // Creating and destroying a context (stream, handles, workspace, arenas) holds the capture
  // gate exclusively too: allocations and frees stay out of other threads' captures.
  CudaDeviceContext(const EngineImpl& engine, const DeviceContextOptions& options)
      : gate_(capture_gate()),
        engine_(engine),
        options_(options),
        resources_(static_cast<cudaStream_t>(options.stream), kDefaultWorkspaceBytes,
                   engine.allow_tf32) {
    free_retired_arenas();
    gate_.unlock();
  }
  ~CudaDeviceContext() override {
    host_arena_.reset();  // queued for freeing unless views handed out still use it
    gate_.lock();         // released after the members are gone
    free_retired_arenas();
  }

  std::map<std::string, Tensor> run(const ExecPlan& plan, const std::vector<const Tensor*>& inputs,
                                    const ExecutionContext::TensorCallback& each_tensor) override {
    PlanState& ps = prepare(plan);
    pending_times_ = PendingTimes::kNone;  // the events are about to change
    const auto& graph = engine_.graph;
    for (size_t i = 0; i < inputs.size(); ++i) {
      const Tensor& in = *inputs[i];
      Tensor& stage = ps.input_stage[i];
      // Filled in place (ExecutionContext::input_buffers): already staged, in our pinned memory.
      if (stage.defined() && in.data() == stage.data()) continue;
      check_host_memory(in, i);
      if (!stage.defined() || in.nbytes() == 0) continue;
      auto* to = static_cast<std::byte*>(stage.data());
      const auto* from = static_cast<const std::byte*>(in.data());
      // A view that overlaps the stage without starting at it (a caller's own borrow of it).
      if (from < to + in.nbytes() && to < from + in.nbytes())
        std::memmove(to, from, in.nbytes());
      else
        std::memcpy(to, from, in.nbytes());
    }
    const cudaStream_t stream = resources_.stream();
    QRT_CUDA_CHECK(cudaEventRecord(start_.get(), stream));
    run_phase(plan, ps, 0, ps.phases.compute_begin, ps.upload, each_tensor);
    QRT_CUDA_CHECK(cudaEventRecord(uploaded_.get(), stream));
    run_compute(plan, ps, each_tensor);
    QRT_CUDA_CHECK(cudaEventRecord(computed_.get(), stream));
    run_phase(plan, ps, ps.phases.compute_end, plan.steps.size(), ps.download, each_tensor);
    QRT_CUDA_CHECK(cudaEventRecord(downloaded_.get(), stream));
    resources_.synchronize();
    pending_times_ = PendingTimes::kWithTransfers;

    std::map<std::string, Tensor> outputs;
    for (const ir::Value* out : graph.outputs) {
      auto known = plan.inference.values.find(out);
      if (known != plan.inference.values.end()) {
        outputs[out->name] = known->second.clone();
      } else if (graph.is_graph_input(out)) {
        const auto pos = std::find(graph.inputs.begin(), graph.inputs.end(), out);
        outputs[out->name] = inputs[static_cast<size_t>(pos - graph.inputs.begin())]->clone();
      } else {
        outputs[out->name] = ps.host_view.at(out).clone();
      }
    }
    return outputs;
  }

  void run_without_transfers(const ExecPlan& plan) override {
    PlanState& ps = prepare(plan);
    pending_times_ = PendingTimes::kNone;
    const cudaStream_t stream = resources_.stream();
    QRT_CUDA_CHECK(cudaEventRecord(uploaded_.get(), stream));
    run_compute(plan, ps, {});
    QRT_CUDA_CHECK(cudaEventRecord(computed_.get(), stream));
    resources_.synchronize();
    pending_times_ = PendingTimes::kComputeOnly;
  }

  std::vector<Tensor> input_staging(const ExecPlan& plan) override {
    PlanState& ps = prepare(plan);
    std::vector<Tensor> views;
    for (Tensor& stage : ps.input_stage)
      views.push_back(stage.defined()
                          ? Tensor::view(stage.dtype(), stage.shape(), stage.data(), host_arena_)
                          : Tensor());
    return views;
  }

  // The events of the last run are read here, not in run(): the elapsed times cost host time
  // that callers who never ask for them should not pay.
  ExecutionContext::GpuTimes last_times() const override {
    if (pending_times_ != PendingTimes::kNone) {
      record_times(pending_times_ == PendingTimes::kWithTransfers);
      pending_times_ = PendingTimes::kNone;
    }
    return times_;
  }

  std::vector<std::pair<size_t, double>> profile(const ExecPlan& plan, int runs) override {
    PlanState& ps = prepare(plan);
    const size_t begin = ps.phases.compute_begin, end = ps.phases.compute_end;
    std::vector<std::unique_ptr<Event>> marks;
    for (size_t s = begin; s <= end; ++s) marks.push_back(std::make_unique<Event>());
    std::vector<double> total(end - begin, 0.0);
    const cudaStream_t stream = resources_.stream();
    // Events recorded inside a captured graph time the kernels alone, without the host's
    // launch gaps (cuDNN's host work would otherwise show as layer time).
    auto record = [&](size_t i) {
      QRT_CUDA_CHECK(cudaEventRecordWithFlags(marks[i]->get(), stream,
                                              ps.compute_capturable ? cudaEventRecordExternal : 0));
    };
    GraphExec timed;
    auto enqueue_marked = [&] {
      for (size_t s = begin; s < end; ++s) {
        record(s - begin);
        enqueue(plan, ps, s, s + 1, {});
      }
      record(end - begin);
    };
    if (ps.compute_capturable) {
      const bool ran = std::all_of(ps.segments.begin(), ps.segments.end(), [](const Segment& g) {
        return !g.device || g.graph->ran_uncaptured();
      });
      if (!ran) {
        const std::unique_lock<std::shared_mutex> gate(capture_gate());
        enqueue(plan, ps, begin, end, {});
        for (Segment& g : ps.segments)
          if (g.device) g.graph->mark_ran_uncaptured();
      }
      timed.reset(capture(stream, enqueue_marked));
    }
    for (int r = 0; r < runs; ++r) {
      if (timed.ready())
        timed.launch(stream);
      else
        enqueue_marked();
      resources_.synchronize();
      for (size_t s = begin; s < end; ++s) {
        float ms = 0;
        QRT_CUDA_CHECK(
            cudaEventElapsedTime(&ms, marks[s - begin]->get(), marks[s - begin + 1]->get()));
        total[s - begin] += ms;
      }
    }
    std::vector<std::pair<size_t, double>> out;
    for (size_t s = begin; s < end; ++s)
      if (plan.steps[s].kind == ExecStep::Kind::kNode)
        out.emplace_back(plan.steps[s].node, total[s - begin] / runs);
    return out;
  }

 private:
  // Graph input `i` must be in host memory. Pageable memory (which CUDA never hands out as device
  // memory) is remembered per input, so a caller passing the same buffer again skips the query.
  void check_host_memory(const Tensor& t, size_t i) {
    if (!t.data()) return;
    if (pageable_inputs_.size() <= i) pageable_inputs_.resize(i + 1, nullptr);
    if (pageable_inputs_[i] == t.data()) return;
    cudaPointerAttributes attrs{};
    const cudaError_t status = cudaPointerGetAttributes(&attrs, t.data());
    cudaGetLastError();
    if (status != cudaSuccess) return;
    if (attrs.type == cudaMemoryTypeDevice || attrs.type == cudaMemoryTypeManaged)
      throw Error("input '" + engine_.graph.inputs[i]->name +
                  "' is in GPU memory: ExecutionContext::run takes host tensors (the engine "
                  "copies them to the GPU itself)");
    if (attrs.type == cudaMemoryTypeUnregistered) pageable_inputs_[i] = t.data();
  }

  void record_times(bool transfers) const {
    float ms = 0;
    if (transfers) {
      QRT_CUDA_CHECK(cudaEventElapsedTime(&ms, start_.get(), uploaded_.get()));
      times_.upload_ms = ms;
      QRT_CUDA_CHECK(cudaEventElapsedTime(&ms, computed_.get(), downloaded_.get()));
      times_.download_ms = ms;
    } else {
      times_.upload_ms = times_.download_ms = 0;
    }
    QRT_CUDA_CHECK(cudaEventElapsedTime(&ms, uploaded_.get(), computed_.get()));
    times_.compute_ms = ms;
  }

  // Grows the arenas to the plan's needs; a new arena invalidates every plan's views and graphs.
  void ensure_arenas(const ExecPlan& plan) {
    const size_t host_bytes = host_arena_ ? host_arena_->size() : 0;
    if (host_bytes >= plan.arena_bytes && device_arena_.size() >= plan.device_arena_bytes) return;
    const std::unique_lock<std::shared_mutex> gate(capture_gate());  // frees and allocations
    if (host_bytes < plan.arena_bytes) {
      // Views handed out of the old arena (input_staging) keep it alive; run() copies from them.
      host_arena_ = make_shared_arena(plan.arena_bytes);
      ++generation_;
    }
    free_retired_arenas();
    if (device_arena_.size() < plan.device_arena_bytes) {
      device_arena_ = DeviceBuffer(plan.device_arena_bytes, "the activation arena");
      ++generation_;
    }
  }

  const DeviceBuffer& weight_on_device(const ir::Value* v, const Tensor& host) {
    EngineConstants& constants = engine_constants(engine_);
    std::lock_guard<std::mutex> lock(constants.mutex);
    auto it = constants.buffers.find(v);
    if (it == constants.buffers.end()) {
      DeviceBuffer buffer(std::max<size_t>(host.nbytes(), 1), "weight '" + v->name + "'");
      upload_sync(buffer, host);
      it = constants.buffers.emplace(v, std::move(buffer)).first;
    }
    return it->second;
  }

  PlanState& prepare(const ExecPlan& plan) {
    ensure_arenas(plan);
    if (states_.size() > 64 && !states_.count(plan.id)) states_.clear();
    auto& slot = states_[plan.id];
    if (!slot) slot = std::make_unique<PlanState>();
    PlanState& ps = *slot;
    if (ps.arena_generation == generation_ && !ps.inputs.empty()) return ps;
    // Uploads constants and drops old graphs: outside other threads' captures.
    const std::unique_lock<std::shared_mutex> gate(capture_gate());
    ps.upload.reset(nullptr);
    ps.segments.clear();
    ps.download.reset(nullptr);
    ps.host_view.clear();
    ps.device_view.clear();
    auto* host_base = static_cast<std::byte*>(host_arena_ ? host_arena_->get() : nullptr);
    auto* device_base = static_cast<std::byte*>(device_arena_.get());
    auto type_of = [&](const ir::Value* v) -> const ir::TensorType& {
      return plan.inference.types.at(v);
    };
    for (const auto& [v, offset] : plan.arena_offset)
      ps.host_view[v] = Tensor::borrow(type_of(v).dtype, type_of(v).shape, host_base + offset);
    for (const auto& [v, offset] : plan.device_offset)
      ps.device_view[v] = Tensor::borrow(type_of(v).dtype, type_of(v).shape, device_base + offset);
    for (const auto& [v, t] : plan.inference.values) ps.host_view.emplace(v, t);
    for (const ir::Value* v : plan.device_constants) {
      const Tensor& host = plan.inference.values.at(v);
      if (v->is_constant()) {
        const DeviceBuffer& buffer = weight_on_device(v, host);
        ps.device_view[v] = Tensor::borrow(host.dtype(), host.shape(), buffer.get());
      } else {
        auto [it, fresh] = ps.own_constants.try_emplace(v);
        if (fresh) {
          it->second = DeviceBuffer(std::max<size_t>(host.nbytes(), 1), "value '" + v->name + "'");
          upload_sync(it->second, host);
        }
        ps.device_view[v] = Tensor::borrow(host.dtype(), host.shape(), it->second.get());
      }
    }
    // Per step: the tensors its kernel sees.
    const size_t n = plan.steps.size();
    ps.inputs.assign(n, {});
    ps.outputs.assign(n, {});
    ps.host_inputs.assign(n, {});
    ps.compute_capturable = true;
    for (size_t s = 0; s < n; ++s) {
      const ExecStep& step = plan.steps[s];
      if (step.kind != ExecStep::Kind::kNode) continue;
      const ir::Node& node = *engine_.nodes[step.node];
      const bool device = backend_location(node.backend) == Location::kDevice;
      if (!device) ps.compute_capturable = false;
      auto& views = device ? ps.device_view : ps.host_view;
      for (const ir::Value* in : node.inputs) {
        ps.inputs[s].push_back(in ? views.at(in) : Tensor());
        auto known = in ? plan.inference.values.find(in) : plan.inference.values.end();
        ps.host_inputs[s].push_back(known != plan.inference.values.end() ? known->second
                                                                         : Tensor());
      }
      for (const ir::Value* out : node.outputs)
        ps.outputs[s].push_back(out ? views.at(out) : Tensor());
    }
    // Phases: leading copies of graph inputs, trailing copies of graph outputs.
    size_t b = 0;
    while (b < n && plan.steps[b].kind == ExecStep::Kind::kUpload &&
           engine_.graph.is_graph_input(plan.steps[b].value))
      ++b;
    size_t e = n;
    while (e > b && plan.steps[e - 1].kind == ExecStep::Kind::kDownload &&
           engine_.graph.is_graph_output(plan.steps[e - 1].value))
      --e;
    ps.phases = {b, e};
    ps.input_stage.assign(engine_.graph.inputs.size(), Tensor());
    for (size_t i = 0; i < engine_.graph.inputs.size(); ++i) {
      const ir::Value* v = engine_.graph.inputs[i];
      if (plan.arena_offset.count(v)) ps.input_stage[i] = ps.host_view.at(v);
    }
    for (size_t s = b; s < e; ++s) {
      const ExecStep& step = plan.steps[s];
      const bool device = step.kind != ExecStep::Kind::kNode ||
                          backend_location(engine_.nodes[step.node]->backend) == Location::kDevice;
      if (ps.segments.empty() || ps.segments.back().device != device)
        ps.segments.push_back(Segment{s, s, device, std::make_unique<GraphExec>()});
      ps.segments.back().end = s + 1;
    }
    ps.arena_generation = generation_;
    return ps;
  }

  void copy_step(const PlanState& ps, const ExecStep& step) {
    const Tensor& h = ps.host_view.at(step.value);
    const Tensor& d = ps.device_view.at(step.value);
    if (h.nbytes() == 0) return;
    if (step.kind == ExecStep::Kind::kUpload)
      QRT_CUDA_CHECK(cudaMemcpyAsync(const_cast<void*>(d.data()), h.data(), h.nbytes(),
                                     cudaMemcpyHostToDevice, resources_.stream()));
    else
      QRT_CUDA_CHECK(cudaMemcpyAsync(const_cast<void*>(h.data()), d.data(), d.nbytes(),
                                     cudaMemcpyDeviceToHost, resources_.stream()));
  }

  void enqueue(const ExecPlan& plan, PlanState& ps, size_t begin, size_t end,
               const ExecutionContext::TensorCallback& each_tensor) {
    for (size_t s = begin; s < end; ++s) {
      const ExecStep& step = plan.steps[s];
      if (step.kind != ExecStep::Kind::kNode) {
        copy_step(ps, step);
        continue;
      }
      const ir::Node& node = *engine_.nodes[step.node];
      const bool device = backend_location(node.backend) == Location::kDevice;
      // A host kernel reads what earlier device work and copies wrote.
      if (!device) resources_.synchronize();
      KernelArgs args{node, ps.inputs[s], ps.outputs[s]};
      if (device) {
        args.resources = &resources_.get();
        args.host_inputs = ps.host_inputs[s];
      } else if (node.backend == "cpu") {
        args.resources = options_.cpu_backend_state;
      }
      try {
        plan.kernels[step.node]->run(args);
      } catch (const Error& err) {
        const std::string msg = err.what();
        if (msg.find(node.describe()) != std::string::npos) throw;
        throw Error(node.describe() + ": " + msg);
      }
      if (device && options_.each_device_tensor) {
        for (size_t o = 0; o < node.outputs.size(); ++o)
          if (node.outputs[o])
            options_.each_device_tensor(node.outputs[o]->name, ps.outputs[s][o],
                                        resources_.stream());
      } else if (each_tensor) {
        if (device) resources_.synchronize();
        for (size_t o = 0; o < node.outputs.size(); ++o) {
          if (!node.outputs[o]) continue;
          const Tensor& t = ps.outputs[s][o];
          if (!device) {
            each_tensor(node.outputs[o]->name, t);
            continue;
          }
          Tensor host(t.dtype(), t.shape());
          QRT_CUDA_CHECK(cudaMemcpy(host.data(), t.data(), t.nbytes(), cudaMemcpyDeviceToHost));
          each_tensor(node.outputs[o]->name, host);
        }
      }
    }
  }

  // The compute phase: one CUDA graph per GPU subgraph, host subgraphs in between run eagerly
  // (enqueue synchronizes before a host node, so it reads what the GPU wrote).
  void run_compute(const ExecPlan& plan, PlanState& ps,
                   const ExecutionContext::TensorCallback& each_tensor) {
    for (Segment& segment : ps.segments) {
      if (segment.device)
        run_phase(plan, ps, segment.begin, segment.end, *segment.graph, each_tensor);
      else
        enqueue(plan, ps, segment.begin, segment.end, each_tensor);
    }
  }

  // Steps of device work and copies only: captured once, then replayed.
  void run_phase(const ExecPlan& plan, PlanState& ps, size_t begin, size_t end, GraphExec& graph,
                 const ExecutionContext::TensorCallback& each_tensor) {
    if (begin >= end) return;
    if (!options_.cuda_graph || each_tensor || options_.each_device_tensor ||
        !graph.ran_uncaptured()) {
      std::unique_lock<std::shared_mutex> gate(capture_gate(), std::defer_lock);
      if (!graph.ran_uncaptured()) gate.lock();
      enqueue(plan, ps, begin, end, each_tensor);
      graph.mark_ran_uncaptured();
      return;
    }
    if (!graph.ready())
      graph.reset(capture(resources_.stream(), [&] { enqueue(plan, ps, begin, end, {}); }));
    graph.launch(resources_.stream());
  }

  std::unique_lock<std::shared_mutex> gate_;  // first: unlocked last, after every member
  const EngineImpl& engine_;
  DeviceContextOptions options_;
  StreamResources resources_;
  std::shared_ptr<PinnedBuffer> host_arena_;  // shared with the views of input_staging
  DeviceBuffer device_arena_;
  uint64_t generation_ = 1;
  std::map<uint64_t, std::unique_ptr<PlanState>> states_;
  Event start_, uploaded_, computed_, downloaded_;
  // What the events of the last run hold that times_ does not have yet (read on demand).
  enum class PendingTimes { kNone, kWithTransfers, kComputeOnly };
  mutable PendingTimes pending_times_ = PendingTimes::kNone;
  mutable ExecutionContext::GpuTimes times_;
  std::vector<const void*> pageable_inputs_;  // per graph input: last pointer found pageable
};

}  // namespace
}  // namespace cuda

std::unique_ptr<DeviceContext> make_cuda_device_context(const EngineImpl& engine,
                                                        const DeviceContextOptions& options) {
  return std::make_unique<cuda::CudaDeviceContext>(engine, options);
}

}  // namespace qrt
