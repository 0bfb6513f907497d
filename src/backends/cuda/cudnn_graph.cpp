#include "backends/cuda/cudnn_graph.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "backends/cuda/cuda_device.h"

namespace qrt::cuda::cudnn_graph {

int64_t Desc::get_int64(cudnnBackendAttributeName_t name) const {
  int64_t value = 0, count = 0;
  QRT_CUDNN_CHECK(cudnnBackendGetAttribute(desc_, name, CUDNN_TYPE_INT64, 1, &count, &value));
  return value;
}

std::string status_text(cudnnStatus_t status) {
  std::string text = cudnnGetErrorString(status);
  char detail[512] = {};
  cudnnGetLastErrorString(detail, sizeof(detail));
  if (detail[0]) text += std::string(" (") + detail + ")";
  return text;
}

std::vector<int64_t> nhwc_strides(int64_t c, int64_t h, int64_t w) {
  return {h * w * c, 1, w * c, c};
}

Desc& OpGraph::tensor(int64_t uid, cudnnDataType_t type, std::vector<int64_t> dims,
                      std::vector<int64_t> strides, int vector_count) {
  Desc& t = keep.emplace_back(CUDNN_BACKEND_TENSOR_DESCRIPTOR);
  const bool is_virtual = uid >= kFirstVirtual;
  t.set(CUDNN_ATTR_TENSOR_DATA_TYPE, CUDNN_TYPE_DATA_TYPE, type)
      .set(CUDNN_ATTR_TENSOR_DIMENSIONS, CUDNN_TYPE_INT64, dims)
      .set(CUDNN_ATTR_TENSOR_STRIDES, CUDNN_TYPE_INT64, strides)
      .set(CUDNN_ATTR_TENSOR_UNIQUE_ID, CUDNN_TYPE_INT64, uid)
      .set(CUDNN_ATTR_TENSOR_BYTE_ALIGNMENT, CUDNN_TYPE_INT64, int64_t{16})
      .set(CUDNN_ATTR_TENSOR_IS_VIRTUAL, CUDNN_TYPE_BOOLEAN, is_virtual);
  if (vector_count > 1)
    t.set(CUDNN_ATTR_TENSOR_VECTOR_COUNT, CUDNN_TYPE_INT64, int64_t{vector_count})
        .set(CUDNN_ATTR_TENSOR_VECTORIZED_DIMENSION, CUDNN_TYPE_INT64, int64_t{1});
  t.finalize();
  if (!is_virtual) uids.push_back(uid);
  return t;
}

Desc& OpGraph::virtual_float(const std::vector<int64_t>& dims,
                             const std::vector<int64_t>& strides) {
  return tensor(next_virtual++, CUDNN_DATA_FLOAT, dims, strides);
}

void OpGraph::pointwise(cudnnPointwiseMode_t mode, const Desc& x, const Desc* b, const Desc& y,
                        double lo, double hi) {
  Desc& pw = keep.emplace_back(CUDNN_BACKEND_POINTWISE_DESCRIPTOR);
  pw.set(CUDNN_ATTR_POINTWISE_MODE, CUDNN_TYPE_POINTWISE_MODE, mode)
      .set(CUDNN_ATTR_POINTWISE_MATH_PREC, CUDNN_TYPE_DATA_TYPE, CUDNN_DATA_FLOAT);
  if (mode == CUDNN_POINTWISE_RELU_FWD) {
    // The clip bounds are doubles; builds that take them as floats only are served too.
    for (auto [name, value] : {std::pair{CUDNN_ATTR_POINTWISE_RELU_LOWER_CLIP, lo},
                               std::pair{CUDNN_ATTR_POINTWISE_RELU_UPPER_CLIP, hi}}) {
      if (cudnnBackendSetAttribute(pw.get(), name, CUDNN_TYPE_DOUBLE, 1, &value) ==
          CUDNN_STATUS_SUCCESS)
        continue;
      const float single = static_cast<float>(value);
      pw.set(name, CUDNN_TYPE_FLOAT, single);
    }
  }
  pw.finalize();
  Desc& op = keep.emplace_back(CUDNN_BACKEND_OPERATION_POINTWISE_DESCRIPTOR);
  op.set(CUDNN_ATTR_OPERATION_POINTWISE_PW_DESCRIPTOR, pw)
      .set(CUDNN_ATTR_OPERATION_POINTWISE_XDESC, x)
      .set(CUDNN_ATTR_OPERATION_POINTWISE_YDESC, y);
  if (b) op.set(CUDNN_ATTR_OPERATION_POINTWISE_BDESC, *b);
  ops.push_back(op.finalize().get());
}

void OpGraph::convolution(const Int8ConvShape& s, cudnnDataType_t compute, const Desc& x,
                          const Desc& w, const Desc& y) {
  Desc& conv = keep.emplace_back(CUDNN_BACKEND_CONVOLUTION_DESCRIPTOR);
  // The end padding that yields exactly the output size.
  const int64_t post_h = (s.out_h - 1) * s.stride_h + (s.kernel_h - 1) * s.dilation_h + 1 - s.h -
                         s.pad_h,
                post_w = (s.out_w - 1) * s.stride_w + (s.kernel_w - 1) * s.dilation_w + 1 - s.w -
                         s.pad_w;
  conv.set(CUDNN_ATTR_CONVOLUTION_COMP_TYPE, CUDNN_TYPE_DATA_TYPE, compute)
      .set(CUDNN_ATTR_CONVOLUTION_CONV_MODE, CUDNN_TYPE_CONVOLUTION_MODE, CUDNN_CROSS_CORRELATION)
      .set(CUDNN_ATTR_CONVOLUTION_SPATIAL_DIMS, CUDNN_TYPE_INT64, int64_t{2})
      .set(CUDNN_ATTR_CONVOLUTION_DILATIONS, CUDNN_TYPE_INT64,
           std::vector<int64_t>{s.dilation_h, s.dilation_w})
      .set(CUDNN_ATTR_CONVOLUTION_FILTER_STRIDES, CUDNN_TYPE_INT64,
           std::vector<int64_t>{s.stride_h, s.stride_w})
      .set(CUDNN_ATTR_CONVOLUTION_PRE_PADDINGS, CUDNN_TYPE_INT64,
           std::vector<int64_t>{s.pad_h, s.pad_w})
      .set(CUDNN_ATTR_CONVOLUTION_POST_PADDINGS, CUDNN_TYPE_INT64,
           std::vector<int64_t>{std::max<int64_t>(post_h, 0), std::max<int64_t>(post_w, 0)})
      .finalize();
  Desc& op = keep.emplace_back(CUDNN_BACKEND_OPERATION_CONVOLUTION_FORWARD_DESCRIPTOR);
  op.set(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_CONV_DESC, conv)
      .set(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_X, x)
      .set(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_W, w)
      .set(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_Y, y)
      .set(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_ALPHA, CUDNN_TYPE_FLOAT, 1.f)
      .set(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_BETA, CUDNN_TYPE_FLOAT, 0.f);
  ops.push_back(op.finalize().get());
}

void OpGraph::finish(cudnnHandle_t handle) {
  graph = std::make_unique<Desc>(CUDNN_BACKEND_OPERATIONGRAPH_DESCRIPTOR);
  graph->set(CUDNN_ATTR_OPERATIONGRAPH_HANDLE, CUDNN_TYPE_HANDLE, handle)
      .set(CUDNN_ATTR_OPERATIONGRAPH_OPS, CUDNN_TYPE_BACKEND_DESCRIPTOR, ops)
      .finalize();
}

cudnnHandle_t build_handle() {
  static cudnnHandle_t handle = [] {
    cudnnHandle_t h = nullptr;
    QRT_CUDNN_CHECK(cudnnCreate(&h));
    return h;
  }();
  return handle;
}

namespace {

std::string engine_text(const Desc& config) {
  Desc engine(CUDNN_BACKEND_ENGINE_DESCRIPTOR);
  cudnnBackendDescriptor_t raw = engine.get();
  int64_t count = 0;
  if (cudnnBackendGetAttribute(config.get(), CUDNN_ATTR_ENGINECFG_ENGINE,
                               CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &count,
                               &raw) != CUDNN_STATUS_SUCCESS)
    return "engine ?";
  std::ostringstream out;
  out << "engine " << engine.get_int64(CUDNN_ATTR_ENGINE_GLOBAL_INDEX);
  cudnnBackendBehaviorNote_t notes[CUDNN_BEHAVIOR_NOTE_TYPE_COUNT];
  int64_t n = 0;
  if (cudnnBackendGetAttribute(engine.get(), CUDNN_ATTR_ENGINE_BEHAVIOR_NOTE,
                               CUDNN_TYPE_BEHAVIOR_NOTE, CUDNN_BEHAVIOR_NOTE_TYPE_COUNT, &n,
                               notes) == CUDNN_STATUS_SUCCESS)
    for (int64_t i = 0; i < n; ++i) {
      static const char* names[] = {"runtime_compilation", "requires_filter_int8x32_reorder",
                                    "requires_bias_int8x32_reorder", "cuda_graph_native",
                                    "cublaslt_dependency"};
      const int note = static_cast<int>(notes[i]);
      out << " " << (note >= 0 && note < 5 ? names[note] : "note?");
    }
  return out.str();
}

}  // namespace

std::vector<Desc> heuristic_configs(const Desc& graph, cudnnBackendHeurMode_t mode,
                                    std::ostringstream& log) {
  std::vector<Desc> configs;
  Desc heur(CUDNN_BACKEND_ENGINEHEUR_DESCRIPTOR);
  heur.set(CUDNN_ATTR_ENGINEHEUR_OPERATION_GRAPH, graph)
      .set(CUDNN_ATTR_ENGINEHEUR_MODE, CUDNN_TYPE_HEUR_MODE, mode);
  const char* name = mode == CUDNN_HEUR_MODE_A ? "heuristics A" : "heuristics FALLBACK";
  if (const cudnnStatus_t st = heur.try_finalize(); st != CUDNN_STATUS_SUCCESS) {
    log << name << ": finalize " << status_text(st) << "\n";
    return configs;
  }
  int64_t count = 0;
  if (cudnnBackendGetAttribute(heur.get(), CUDNN_ATTR_ENGINEHEUR_RESULTS,
                               CUDNN_TYPE_BACKEND_DESCRIPTOR, 0, &count,
                               nullptr) != CUDNN_STATUS_SUCCESS)
    count = 0;
  std::vector<cudnnBackendDescriptor_t> raw;
  for (int64_t i = 0; i < count; ++i)
    raw.push_back(configs.emplace_back(CUDNN_BACKEND_ENGINECFG_DESCRIPTOR).get());
  int64_t got = 0;
  if (count > 0)
    QRT_CUDNN_CHECK(cudnnBackendGetAttribute(heur.get(), CUDNN_ATTR_ENGINEHEUR_RESULTS,
                                             CUDNN_TYPE_BACKEND_DESCRIPTOR, count, &got,
                                             raw.data()));
  configs.erase(configs.begin() + std::min(got, count), configs.end());
  log << name << ": " << configs.size() << " configs\n";
  return configs;
}

std::unique_ptr<Desc> make_plan(const Desc& config, std::ostringstream& log) {
  auto plan = std::make_unique<Desc>(CUDNN_BACKEND_EXECUTION_PLAN_DESCRIPTOR);
  plan->set(CUDNN_ATTR_EXECUTION_PLAN_HANDLE, CUDNN_TYPE_HANDLE, build_handle())
      .set(CUDNN_ATTR_EXECUTION_PLAN_ENGINE_CONFIG, config);
  const cudnnStatus_t st = plan->try_finalize();
  log << "  " << engine_text(config) << ": plan ";
  if (st != CUDNN_STATUS_SUCCESS) {
    log << status_text(st) << "\n";
    return nullptr;
  }
  log << "ok, workspace " << plan->get_int64(CUDNN_ATTR_EXECUTION_PLAN_WORKSPACE_SIZE) << "\n";
  return plan;
}

void execute(cudnnHandle_t handle, const Desc& plan, const OpGraph& g, std::vector<void*> ptrs,
             void* workspace) {
  Desc pack(CUDNN_BACKEND_VARIANT_PACK_DESCRIPTOR);
  pack.set(CUDNN_ATTR_VARIANT_PACK_UNIQUE_IDS, CUDNN_TYPE_INT64, g.uids)
      .set(CUDNN_ATTR_VARIANT_PACK_DATA_POINTERS, CUDNN_TYPE_VOID_PTR, ptrs)
      .set(CUDNN_ATTR_VARIANT_PACK_WORKSPACE, CUDNN_TYPE_VOID_PTR, workspace)
      .finalize();
  QRT_CUDNN_CHECK(cudnnBackendExecute(handle, plan.get(), pack.get()));
}

TimedPlan fastest_plan(const OpGraph& g, const std::vector<void*>& ptrs, size_t max_workspace,
                       std::ostringstream& log) {
  std::vector<Desc> configs = heuristic_configs(*g.graph, CUDNN_HEUR_MODE_A, log);
  if (configs.empty()) configs = heuristic_configs(*g.graph, CUDNN_HEUR_MODE_FALLBACK, log);
  std::vector<std::unique_ptr<Desc>> plans;
  for (const Desc& config : configs) {
    if (plans.size() >= 3) break;
    std::unique_ptr<Desc> plan = make_plan(config, log);
    if (plan && static_cast<size_t>(plan->get_int64(CUDNN_ATTR_EXECUTION_PLAN_WORKSPACE_SIZE)) <=
                    max_workspace)
      plans.push_back(std::move(plan));
  }
  TimedPlan out;
  if (plans.empty()) {
    log << "no plan fits\n";
    return out;
  }
  DeviceBuffer ws(std::max<size_t>(max_workspace, 1), "cudnn workspace");
  cudaStream_t stream = nullptr;
  QRT_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  QRT_CUDNN_CHECK(cudnnSetStream(build_handle(), stream));
  float best_ms = std::numeric_limits<float>::infinity();
  size_t best = plans.size();
  cudaEvent_t start, stop;
  QRT_CUDA_CHECK(cudaEventCreate(&start));
  QRT_CUDA_CHECK(cudaEventCreate(&stop));
  for (size_t i = 0; i < plans.size(); ++i) {
    try {
      execute(build_handle(), *plans[i], g, ptrs, ws.get());  // warm-up
      QRT_CUDA_CHECK(cudaEventRecord(start, stream));
      for (int run = 0; run < 5; ++run) execute(build_handle(), *plans[i], g, ptrs, ws.get());
      QRT_CUDA_CHECK(cudaEventRecord(stop, stream));
      QRT_CUDA_CHECK(cudaEventSynchronize(stop));
      float ms = 0.f;
      QRT_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
      log << "  candidate " << i << ": " << ms / 5 << " ms\n";
      if (ms < best_ms) {
        best_ms = ms;
        best = i;
      }
    } catch (const Error& err) {
      log << "  candidate " << i << " failed to run: " << err.what() << "\n";
    }
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  QRT_CUDA_CHECK(cudaStreamSynchronize(stream));
  QRT_CUDNN_CHECK(cudnnSetStream(build_handle(), nullptr));
  cudaStreamDestroy(stream);
  if (best == plans.size()) {
    log << "no plan ran\n";
    return out;
  }
  out.plan = std::move(plans[best]);
  out.workspace =
      static_cast<size_t>(out.plan->get_int64(CUDNN_ATTR_EXECUTION_PLAN_WORKSPACE_SIZE));
  return out;
}

const CachedPlan* PlanCache::get(const std::vector<int64_t>& key, bool may_build,
                                 const std::function<void(CachedPlan&)>& build) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = plans_.find(key);
  if (it == plans_.end()) {
    if (!may_build || !build) return nullptr;
    it = plans_.try_emplace(key).first;
    build(it->second);
  }
  return &it->second;
}

bool PlanCache::ready(const std::vector<int64_t>& key, bool may_build,
                      const std::function<void(CachedPlan&)>& build, std::string* reason) {
  const CachedPlan* cached = get(key, may_build, build);
  if (!cached) {
    if (reason) *reason = "no cuDNN plan built for the shape yet";
    return false;
  }
  if (reason) *reason = cached->reason;
  return cached->plan != nullptr;
}

void PlanCache::clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  plans_.clear();
}

std::vector<int64_t> shape_key(const Int8ConvShape& s) {
  return {s.n,     s.h,          s.w,          s.c,        s.out_h,    s.out_w,
          s.k,     s.kernel_h,   s.kernel_w,   s.stride_h, s.stride_w, s.pad_h,
          s.pad_w, s.dilation_h, s.dilation_w, s.group};
}

int64_t float_bits(float v) {
  int32_t bits = 0;
  std::memcpy(&bits, &v, sizeof bits);
  return bits;
}

std::string probe(const OpGraph& g) {
  std::ostringstream log;
  log << "cuDNN " << cudnnGetVersion() << " graph: " << g.ops.size() << " ops, "
      << g.graph->get_int64(CUDNN_ATTR_OPERATIONGRAPH_ENGINE_GLOBAL_COUNT) << " engines\n";
  for (cudnnBackendHeurMode_t mode : {CUDNN_HEUR_MODE_A, CUDNN_HEUR_MODE_FALLBACK})
    for (const Desc& config : heuristic_configs(*g.graph, mode, log)) make_plan(config, log);
  const int64_t engines = g.graph->get_int64(CUDNN_ATTR_OPERATIONGRAPH_ENGINE_GLOBAL_COUNT);
  for (int64_t id = 0; id < engines; ++id) {
    Desc engine(CUDNN_BACKEND_ENGINE_DESCRIPTOR);
    engine.set(CUDNN_ATTR_ENGINE_OPERATION_GRAPH, *g.graph)
        .set(CUDNN_ATTR_ENGINE_GLOBAL_INDEX, CUDNN_TYPE_INT64, id);
    if (const cudnnStatus_t st = engine.try_finalize(); st != CUDNN_STATUS_SUCCESS) {
      log << "  engine " << id << ": " << cudnnGetErrorString(st) << "\n";
      continue;
    }
    Desc config(CUDNN_BACKEND_ENGINECFG_DESCRIPTOR);
    config.set(CUDNN_ATTR_ENGINECFG_ENGINE, engine);
    if (const cudnnStatus_t st = config.try_finalize(); st != CUDNN_STATUS_SUCCESS) {
      log << "  engine " << id << ": config " << cudnnGetErrorString(st) << "\n";
      continue;
    }
    make_plan(config, log);
  }
  return log.str();
}

}  // namespace qrt::cuda::cudnn_graph
