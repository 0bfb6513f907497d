// cuDNN graph (backend API, cudnn_graph.h) for the int8 convolution with qrt's per-channel
// epilogue. Written against the raw backend descriptors (the cudnn-frontend headers are not
// installed), only with what cuDNN 9.14 has.
#include "backends/cuda/cudnn_int8_conv.h"

#include <cuda_runtime.h>
#include <cudnn.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <deque>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <utility>
#include <vector>

#include "backends/cuda/cuda_check.h"
#include "backends/cuda/cuda_device.h"

namespace qrt::cuda {
namespace {

// One backend descriptor, destroyed with its owner.
class Desc {
 public:
  explicit Desc(cudnnBackendDescriptorType_t type) {
    QRT_CUDNN_CHECK(cudnnBackendCreateDescriptor(type, &desc_));
  }
  ~Desc() {
    if (desc_) cudnnBackendDestroyDescriptor(desc_);
  }
  Desc(Desc&& other) noexcept : desc_(std::exchange(other.desc_, nullptr)) {}
  Desc(const Desc&) = delete;
  Desc& operator=(const Desc&) = delete;
  Desc& operator=(Desc&& other) noexcept {
    std::swap(desc_, other.desc_);
    return *this;
  }

  cudnnBackendDescriptor_t get() const { return desc_; }
  template <typename T>
  Desc& set(cudnnBackendAttributeName_t name, cudnnBackendAttributeType_t type, const T& value) {
    QRT_CUDNN_CHECK(cudnnBackendSetAttribute(desc_, name, type, 1, &value));
    return *this;
  }
  template <typename T>
  Desc& set(cudnnBackendAttributeName_t name, cudnnBackendAttributeType_t type,
            const std::vector<T>& values) {
    QRT_CUDNN_CHECK(cudnnBackendSetAttribute(desc_, name, type, static_cast<int64_t>(values.size()),
                                             values.data()));
    return *this;
  }
  Desc& set(cudnnBackendAttributeName_t name, const Desc& other) {
    return set(name, CUDNN_TYPE_BACKEND_DESCRIPTOR, other.get());
  }
  cudnnStatus_t try_finalize() { return cudnnBackendFinalize(desc_); }
  Desc& finalize() {
    QRT_CUDNN_CHECK(cudnnBackendFinalize(desc_));
    return *this;
  }
  int64_t get_int64(cudnnBackendAttributeName_t name) const {
    int64_t value = 0, count = 0;
    QRT_CUDNN_CHECK(cudnnBackendGetAttribute(desc_, name, CUDNN_TYPE_INT64, 1, &count, &value));
    return value;
  }

 private:
  cudnnBackendDescriptor_t desc_ = nullptr;
};

std::string status_text(cudnnStatus_t status) {
  std::string text = cudnnGetErrorString(status);
  char detail[512] = {};
  cudnnGetLastErrorString(detail, sizeof(detail));
  if (detail[0]) text += std::string(" (") + detail + ")";
  return text;
}

// The graph's tensors that carry data (virtual ones have ids from kVirtual up).
enum Uid : int64_t { kX = 1, kW, kM, kBias, kR, kRScale, kInvY, kY, kVirtual = 100 };

std::vector<int64_t> nhwc_strides(int64_t c, int64_t h, int64_t w) {
  return {h * w * c, 1, w * c, c};
}

// Built descriptors, kept alive together with the operation graph that refers to them.
struct OpGraph {
  std::deque<Desc> keep;
  std::vector<cudnnBackendDescriptor_t> ops;
  std::unique_ptr<Desc> graph;
  int64_t next_virtual = kVirtual;
  std::vector<int64_t> uids;  // the data tensors, in graph order

  Desc& tensor(int64_t uid, cudnnDataType_t type, std::vector<int64_t> dims,
               std::vector<int64_t> strides, int vector_count = 1) {
    Desc& t = keep.emplace_back(CUDNN_BACKEND_TENSOR_DESCRIPTOR);
    const bool is_virtual = uid >= kVirtual;
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

  // y = x (op) b, computed in f32; RELU_FWD clamps to [lo, hi].
  void pointwise(cudnnPointwiseMode_t mode, const Desc& x, const Desc* b, const Desc& y,
                 double lo = 0.0, double hi = 0.0) {
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
};

// What the graph depends on besides the shape.
struct Form {
  int residual = 0;  // 0 none, 1 int8 (times r_scale), 2 f32
  bool int8_out = true;
  bool clamps = false;
  float lo = 0.f, hi = 0.f;
};

Form form_of(const Int8Epilogue& e) {
  Form f;
  f.residual = e.residual_i8 ? 1 : e.residual_f32 ? 2 : 0;
  f.int8_out = e.y_i8 != nullptr;
  f.clamps = e.clamps != 0;
  f.lo = e.lo;
  f.hi = e.hi;
  return f;
}

std::unique_ptr<OpGraph> build_graph(const Int8ConvShape& s, const Form& f, int vector_count,
                                     cudnnHandle_t handle) {
  auto g = std::make_unique<OpGraph>();
  const bool vectorised = vector_count > 1;
  // NC/32HW32 strides for the vectorised probe: C counted in vectors.
  auto strides = [&](int64_t c, int64_t h, int64_t w) {
    return vectorised ? std::vector<int64_t>{c / vector_count * h * w, h * w, w, 1}
                      : nhwc_strides(c, h, w);
  };
  const Desc& x =
      g->tensor(kX, CUDNN_DATA_INT8, {s.n, s.c, s.h, s.w}, strides(s.c, s.h, s.w), vector_count);
  const Desc& w = g->tensor(kW, CUDNN_DATA_INT8, {s.k, s.c, s.kernel_h, s.kernel_w},
                            strides(s.c, s.kernel_h, s.kernel_w), vector_count);
  const std::vector<int64_t> out_dims{s.n, s.k, s.out_h, s.out_w};
  const std::vector<int64_t> out_strides = nhwc_strides(s.k, s.out_h, s.out_w);
  auto next_float = [&]() -> Desc& {
    return g->tensor(g->next_virtual++, CUDNN_DATA_FLOAT, out_dims, out_strides);
  };

  Desc& conv = g->keep.emplace_back(CUDNN_BACKEND_CONVOLUTION_DESCRIPTOR);
  const int64_t post_h = (s.out_h - 1) * s.stride_h + (s.kernel_h - 1) * s.dilation_h + 1 - s.h -
                         s.pad_h,
                post_w = (s.out_w - 1) * s.stride_w + (s.kernel_w - 1) * s.dilation_w + 1 - s.w -
                         s.pad_w;
  conv.set(CUDNN_ATTR_CONVOLUTION_COMP_TYPE, CUDNN_TYPE_DATA_TYPE, CUDNN_DATA_INT32)
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
  const Desc& acc = next_float();
  Desc& conv_op = g->keep.emplace_back(CUDNN_BACKEND_OPERATION_CONVOLUTION_FORWARD_DESCRIPTOR);
  conv_op.set(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_CONV_DESC, conv)
      .set(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_X, x)
      .set(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_W, w)
      .set(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_Y, acc)
      .set(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_ALPHA, CUDNN_TYPE_FLOAT, 1.f)
      .set(CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_BETA, CUDNN_TYPE_FLOAT, 0.f);
  g->ops.push_back(conv_op.finalize().get());

  const std::vector<int64_t> channel_dims{1, s.k, 1, 1}, channel_strides{s.k, 1, s.k, s.k};
  const std::vector<int64_t> scalar{1, 1, 1, 1};
  // Each step's output: virtual f32, except the last one, Y.
  const int steps = 2 + (f.residual ? 1 : 0) + (f.clamps ? 1 : 0) + (f.int8_out ? 1 : 0);
  int step = 0;
  auto step_out = [&]() -> const Desc& {
    if (++step < steps) return next_float();
    return g->tensor(kY, f.int8_out ? CUDNN_DATA_INT8 : CUDNN_DATA_FLOAT, out_dims, out_strides);
  };
  const Desc& m = g->tensor(kM, CUDNN_DATA_FLOAT, channel_dims, channel_strides);
  const Desc* v = &step_out();
  g->pointwise(CUDNN_POINTWISE_MUL, acc, &m, *v);
  const Desc& bias = g->tensor(kBias, CUDNN_DATA_FLOAT, channel_dims, channel_strides);
  const Desc* prev = v;
  v = &step_out();
  g->pointwise(CUDNN_POINTWISE_ADD, *prev, &bias, *v);
  if (f.residual) {
    const Desc& r =
        g->tensor(kR, f.residual == 1 ? CUDNN_DATA_INT8 : CUDNN_DATA_FLOAT, out_dims, out_strides);
    const Desc* addend = &r;
    if (f.residual == 1) {
      const Desc& r_scale = g->tensor(kRScale, CUDNN_DATA_FLOAT, scalar, scalar);
      addend = &next_float();
      g->pointwise(CUDNN_POINTWISE_MUL, r, &r_scale, *addend);
    }
    prev = v;
    v = &step_out();
    g->pointwise(CUDNN_POINTWISE_ADD, *prev, addend, *v);
  }
  if (f.clamps) {
    prev = v;
    v = &step_out();
    g->pointwise(CUDNN_POINTWISE_RELU_FWD, *prev, nullptr, *v, f.lo,
                 std::isinf(f.hi) ? static_cast<double>(std::numeric_limits<float>::max()) : f.hi);
  }
  if (f.int8_out) {
    const Desc& inv_y = g->tensor(kInvY, CUDNN_DATA_FLOAT, scalar, scalar);
    prev = v;
    v = &step_out();
    g->pointwise(CUDNN_POINTWISE_MUL, *prev, &inv_y, *v);
  }
  g->graph = std::make_unique<Desc>(CUDNN_BACKEND_OPERATIONGRAPH_DESCRIPTOR);
  g->graph->set(CUDNN_ATTR_OPERATIONGRAPH_HANDLE, CUDNN_TYPE_HANDLE, handle)
      .set(CUDNN_ATTR_OPERATIONGRAPH_OPS, CUDNN_TYPE_BACKEND_DESCRIPTOR, g->ops)
      .finalize();
  return g;
}

// A handle of our own for building plans (created once, never destroyed, so that cached plans
// never refer to a destroyed handle); plans run with the caller's handle.
cudnnHandle_t build_handle() {
  static cudnnHandle_t handle = [] {
    cudnnHandle_t h = nullptr;
    QRT_CUDNN_CHECK(cudnnCreate(&h));
    return h;
  }();
  return handle;
}

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

// The engine configurations heuristics `mode` proposes (empty, with a log line, on failure).
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

// A finalized plan for `config`, or null with the status in the log.
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

// The data pointers in the graph's uid order (the constants block's places: see
// place_constants).
std::vector<void*> data_pointers(const OpGraph& g, const int8_t* x, const int8_t* w,
                                 const Int8Epilogue& e) {
  std::vector<void*> p;
  for (int64_t uid : g.uids) {
    if (uid == kX)
      p.push_back(const_cast<int8_t*>(x));
    else if (uid == kW)
      p.push_back(const_cast<int8_t*>(w));
    else if (uid == kR)
      p.push_back(e.residual_i8 ? static_cast<void*>(const_cast<int8_t*>(e.residual_i8))
                                : static_cast<void*>(const_cast<float*>(e.residual_f32)));
    else if (uid == kY)
      p.push_back(e.y_i8 ? static_cast<void*>(e.y_i8) : static_cast<void*>(e.y_f32));
    else
      p.push_back(nullptr);
  }
  return p;
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

struct CachedPlan {
  std::unique_ptr<OpGraph> graph;
  std::unique_ptr<Desc> plan;  // null: cuDNN has none (reason says why)
  size_t workspace = 0;
  std::string reason;
};

std::vector<int64_t> key_of(const Int8ConvShape& s, const Form& f) {
  int32_t lo = 0, hi = 0;
  std::memcpy(&lo, &f.lo, 4);
  std::memcpy(&hi, &f.hi, 4);
  return {s.n,
          s.h,
          s.w,
          s.c,
          s.out_h,
          s.out_w,
          s.k,
          s.kernel_h,
          s.kernel_w,
          s.stride_h,
          s.stride_w,
          s.pad_h,
          s.pad_w,
          s.dilation_h,
          s.dilation_w,
          s.group,
          f.residual,
          f.int8_out,
          f.clamps,
          f.clamps ? lo : 0,
          f.clamps ? hi : 0};
}

std::mutex& cache_mutex() {
  static std::mutex mutex;
  return mutex;
}
std::map<std::vector<int64_t>, CachedPlan>& cache() {
  static std::map<std::vector<int64_t>, CachedPlan> plans;
  return plans;
}

// Places the constants block's pointers into a data-pointer list.
void place_constants(const OpGraph& g, int64_t k, const void* constants, std::vector<void*>& p) {
  const CudnnInt8ConstantsLayout layout = cudnn_int8_constants_layout(k);
  auto* base = static_cast<uint8_t*>(const_cast<void*>(constants));
  for (size_t i = 0; i < g.uids.size(); ++i) {
    if (g.uids[i] == kM) p[i] = base + layout.m;
    if (g.uids[i] == kBias) p[i] = base + layout.bias;
    if (g.uids[i] == kInvY) p[i] = base + layout.inv_y;
    if (g.uids[i] == kRScale) p[i] = base + layout.r_scale;
  }
}

constexpr size_t kMaxWorkspace = size_t{32} << 20;

// Heuristics A, then FALLBACK; the candidates that finalize within kMaxWorkspace are timed on
// scratch buffers (build time) and the fastest is kept.
void build_plan(const Int8ConvShape& s, const Form& f, CachedPlan& out) {
  std::ostringstream log;
  try {
    out.graph = build_graph(s, f, 1, build_handle());
  } catch (const Error& e) {
    out.reason = std::string("the graph does not build: ") + e.what();
    return;
  }
  std::vector<Desc> configs = heuristic_configs(*out.graph->graph, CUDNN_HEUR_MODE_A, log);
  if (configs.empty())
    configs = heuristic_configs(*out.graph->graph, CUDNN_HEUR_MODE_FALLBACK, log);
  std::vector<std::unique_ptr<Desc>> plans;
  for (const Desc& config : configs) {
    if (plans.size() >= 3) break;
    std::unique_ptr<Desc> plan = make_plan(config, log);
    if (plan && static_cast<size_t>(plan->get_int64(CUDNN_ATTR_EXECUTION_PLAN_WORKSPACE_SIZE)) <=
                    kMaxWorkspace)
      plans.push_back(std::move(plan));
  }
  if (plans.empty()) {
    out.reason = "cuDNN has no plan for the graph: " + log.str();
    return;
  }
  // Scratch operands for timing.
  const size_t x_bytes = static_cast<size_t>(s.n * s.h * s.w * s.c);
  const size_t w_bytes = static_cast<size_t>(s.k * s.depth());
  const size_t y_elems = static_cast<size_t>(s.pixels() * s.k);
  DeviceBuffer x(x_bytes, "cudnn tuning input"), w(w_bytes, "cudnn tuning weights");
  DeviceBuffer y(y_elems * 4, "cudnn tuning output"), r(y_elems * 4, "cudnn tuning residual");
  const CudnnInt8ConstantsLayout layout = cudnn_int8_constants_layout(s.k);
  DeviceBuffer constants(layout.bytes, "cudnn constants"), ws(kMaxWorkspace, "cudnn workspace");
  QRT_CUDA_CHECK(cudaMemset(x.get(), 1, x_bytes));
  QRT_CUDA_CHECK(cudaMemset(w.get(), 1, w_bytes));
  QRT_CUDA_CHECK(cudaMemset(r.get(), 0, y_elems * 4));
  QRT_CUDA_CHECK(cudaMemset(constants.get(), 0, layout.bytes));
  Int8Epilogue e;
  if (f.residual == 1) e.residual_i8 = static_cast<const int8_t*>(r.get());
  if (f.residual == 2) e.residual_f32 = static_cast<const float*>(r.get());
  if (f.int8_out)
    e.y_i8 = static_cast<int8_t*>(y.get());
  else
    e.y_f32 = static_cast<float*>(y.get());
  std::vector<void*> ptrs = data_pointers(*out.graph, static_cast<const int8_t*>(x.get()),
                                          static_cast<const int8_t*>(w.get()), e);
  place_constants(*out.graph, s.k, constants.get(), ptrs);
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
      execute(build_handle(), *plans[i], *out.graph, ptrs, ws.get());  // warm-up
      QRT_CUDA_CHECK(cudaEventRecord(start, stream));
      for (int run = 0; run < 5; ++run)
        execute(build_handle(), *plans[i], *out.graph, ptrs, ws.get());
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
    out.reason = "no cuDNN plan ran: " + log.str();
    return;
  }
  out.plan = std::move(plans[best]);
  out.workspace =
      static_cast<size_t>(out.plan->get_int64(CUDNN_ATTR_EXECUTION_PLAN_WORKSPACE_SIZE));
  out.reason = log.str();
}

}  // namespace

CudnnInt8ConstantsLayout cudnn_int8_constants_layout(int64_t k) {
  const size_t vec = (static_cast<size_t>(k) * sizeof(float) + 255) / 256 * 256;
  CudnnInt8ConstantsLayout l;
  l.m = 0;
  l.bias = vec;
  l.inv_y = 2 * vec;
  l.r_scale = 2 * vec + 256;
  l.bytes = 2 * vec + 512;
  return l;
}

bool cudnn_int8_conv_ready(const Int8ConvShape& s, const Int8Epilogue& e, bool build,
                           std::string* reason) {
  const Form f = form_of(e);
  if (!f.int8_out) {
    // Measured (docs/cuda_int8.md): cuDNN's f32 epilogue contracts float(acc) * m + bias into
    // an FMA, so f32 outputs are not those of the reference; int8 outputs matched.
    if (reason) *reason = "f32 output: cuDNN's epilogue is not bit-exact (FMA)";
    return false;
  }
  const std::vector<int64_t> key = key_of(s, f);
  std::lock_guard<std::mutex> lock(cache_mutex());
  auto it = cache().find(key);
  if (it == cache().end()) {
    if (!build) {
      if (reason) *reason = "no cuDNN plan built for the shape yet";
      return false;
    }
    it = cache().try_emplace(key).first;
    build_plan(s, f, it->second);
  }
  if (reason) *reason = it->second.reason;
  return it->second.plan != nullptr;
}

namespace {
std::atomic<int64_t> capture_fallbacks{0};
}  // namespace

void cudnn_int8_conv_forget_plans() {
  std::lock_guard<std::mutex> lock(cache_mutex());
  cache().clear();
}
int64_t cudnn_int8_conv_capture_fallbacks() { return capture_fallbacks.load(); }
void count_cudnn_int8_capture_fallback() { ++capture_fallbacks; }

size_t cudnn_int8_conv_workspace(const Int8ConvShape& s, const Int8Epilogue& e) {
  std::lock_guard<std::mutex> lock(cache_mutex());
  const auto it = cache().find(key_of(s, form_of(e)));
  return it == cache().end() ? 0 : it->second.workspace;
}

void cudnn_int8_conv_run(const Int8ConvShape& s, const int8_t* x, const int8_t* w_ohwi,
                         const Int8Epilogue& e, const void* constants, void* workspace,
                         size_t workspace_bytes, const Resources& res) {
  const CachedPlan* cached = nullptr;
  {
    std::lock_guard<std::mutex> lock(cache_mutex());
    const auto it = cache().find(key_of(s, form_of(e)));
    if (it != cache().end() && it->second.plan) cached = &it->second;  // entries never move
  }
  if (!cached) throw Error("int8 convolution: no cuDNN plan for the shape");
  if (cached->workspace > workspace_bytes)
    throw Error("int8 convolution: cuDNN's plan needs " + std::to_string(cached->workspace) +
                " bytes of workspace, " + std::to_string(workspace_bytes) + " are left");
  std::vector<void*> ptrs = data_pointers(*cached->graph, x, w_ohwi, e);
  place_constants(*cached->graph, s.k, constants, ptrs);
  execute(res.cudnn, *cached->plan, *cached->graph, std::move(ptrs), workspace);
}

std::string cudnn_int8_conv_probe(const Int8ConvShape& s, const Int8Epilogue& e, int vector_count) {
  std::ostringstream log;
  std::unique_ptr<OpGraph> g;
  try {
    g = build_graph(s, form_of(e), vector_count, build_handle());
  } catch (const Error& err) {
    return std::string("graph: ") + err.what() + "\n";
  }
  log << "cuDNN " << cudnnGetVersion() << " graph: " << g->ops.size() << " ops, "
      << g->graph->get_int64(CUDNN_ATTR_OPERATIONGRAPH_ENGINE_GLOBAL_COUNT) << " engines\n";
  for (cudnnBackendHeurMode_t mode : {CUDNN_HEUR_MODE_A, CUDNN_HEUR_MODE_FALLBACK})
    for (const Desc& config : heuristic_configs(*g->graph, mode, log)) make_plan(config, log);
  const int64_t engines = g->graph->get_int64(CUDNN_ATTR_OPERATIONGRAPH_ENGINE_GLOBAL_COUNT);
  for (int64_t id = 0; id < engines; ++id) {
    Desc engine(CUDNN_BACKEND_ENGINE_DESCRIPTOR);
    engine.set(CUDNN_ATTR_ENGINE_OPERATION_GRAPH, *g->graph)
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

}  // namespace qrt::cuda
