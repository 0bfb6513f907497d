// cuDNN graph for the int8 convolution with qrt's per-channel epilogue (the graph machinery is
// cudnn_graph.h's).
#include "backends/cuda/cudnn_int8_conv.h"

#include <cuda_runtime.h>
#include <cudnn.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <deque>
#include <limits>
#include <memory>
#include <sstream>
#include <utility>
#include <vector>

#include "backends/cuda/cuda_check.h"
#include "backends/cuda/cuda_device.h"
#include "backends/cuda/cudnn_graph.h"

namespace qrt::cuda {
namespace {

using cudnn_graph::build_handle;
using cudnn_graph::Desc;
using cudnn_graph::OpGraph;

// The graph's tensors that carry data (virtual ones: cudnn_graph::kFirstVirtual up).
enum Uid : int64_t { kX = 1, kW, kM, kBias, kR, kRScale, kInvY, kY };

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
                      : cudnn_graph::nhwc_strides(c, h, w);
  };
  const Desc& x =
      g->tensor(kX, CUDNN_DATA_INT8, {s.n, s.c, s.h, s.w}, strides(s.c, s.h, s.w), vector_count);
  const Desc& w = g->tensor(kW, CUDNN_DATA_INT8, {s.k, s.c, s.kernel_h, s.kernel_w},
                            strides(s.c, s.kernel_h, s.kernel_w), vector_count);
  const std::vector<int64_t> out_dims{s.n, s.k, s.out_h, s.out_w};
  const std::vector<int64_t> out_strides = cudnn_graph::nhwc_strides(s.k, s.out_h, s.out_w);
  auto next_float = [&]() -> Desc& { return g->virtual_float(out_dims, out_strides); };

  const Desc& acc = next_float();
  g->convolution(s, CUDNN_DATA_INT32, x, w, acc);

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
  g->finish(handle);
  return g;
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

using cudnn_graph::CachedPlan;

std::vector<int64_t> key_of(const Int8ConvShape& s, const Form& f) {
  std::vector<int64_t> key = cudnn_graph::shape_key(s);
  key.insert(key.end(),
             {f.residual, f.int8_out, f.clamps, f.clamps ? cudnn_graph::float_bits(f.lo) : 0,
              f.clamps ? cudnn_graph::float_bits(f.hi) : 0});
  return key;
}

cudnn_graph::PlanCache& cache() {
  static cudnn_graph::PlanCache plans;
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
  // Scratch operands for timing.
  const size_t x_bytes = static_cast<size_t>(s.n * s.h * s.w * s.c);
  const size_t w_bytes = static_cast<size_t>(s.k * s.depth());
  const size_t y_elems = static_cast<size_t>(s.pixels() * s.k);
  DeviceBuffer x(x_bytes, "cudnn tuning input"), w(w_bytes, "cudnn tuning weights");
  DeviceBuffer y(y_elems * 4, "cudnn tuning output"), r(y_elems * 4, "cudnn tuning residual");
  const CudnnInt8ConstantsLayout layout = cudnn_int8_constants_layout(s.k);
  DeviceBuffer constants(layout.bytes, "cudnn constants");
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
  cudnn_graph::TimedPlan timed = cudnn_graph::fastest_plan(*out.graph, ptrs, kMaxWorkspace, log);
  if (!timed.plan) {
    out.reason = "cuDNN has no plan for the graph: " + log.str();
    return;
  }
  out.plan = std::move(timed.plan);
  out.workspace = timed.workspace;
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
  return cache().ready(
      key_of(s, f), build, [&](CachedPlan& out) { build_plan(s, f, out); }, reason);
}

namespace {
std::atomic<int64_t> capture_fallbacks{0};
}  // namespace

void cudnn_int8_conv_forget_plans() { cache().clear(); }
int64_t cudnn_int8_conv_capture_fallbacks() { return capture_fallbacks.load(); }
void count_cudnn_int8_capture_fallback() { ++capture_fallbacks; }

size_t cudnn_int8_conv_workspace(const Int8ConvShape& s, const Int8Epilogue& e) {
  const CachedPlan* cached = cache().get(key_of(s, form_of(e)), false);
  return cached ? cached->workspace : 0;
}

void cudnn_int8_conv_run(const Int8ConvShape& s, const int8_t* x, const int8_t* w_ohwi,
                         const Int8Epilogue& e, const void* constants, void* workspace,
                         size_t workspace_bytes, const Resources& res) {
  const CachedPlan* cached = cache().get(key_of(s, form_of(e)), false);
  if (!cached || !cached->plan) throw Error("int8 convolution: no cuDNN plan for the shape");
  if (cached->workspace > workspace_bytes)
    throw Error("int8 convolution: cuDNN's plan needs " + std::to_string(cached->workspace) +
                " bytes of workspace, " + std::to_string(workspace_bytes) + " are left");
  std::vector<void*> ptrs = data_pointers(*cached->graph, x, w_ohwi, e);
  place_constants(*cached->graph, s.k, constants, ptrs);
  cudnn_graph::execute(res.cudnn, *cached->plan, *cached->graph, std::move(ptrs), workspace);
}

std::string cudnn_int8_conv_probe(const Int8ConvShape& s, const Int8Epilogue& e, int vector_count) {
  try {
    return cudnn_graph::probe(*build_graph(s, form_of(e), vector_count, build_handle()));
  } catch (const Error& err) {
    return std::string("graph: ") + err.what() + "\n";
  }
}

}  // namespace qrt::cuda
