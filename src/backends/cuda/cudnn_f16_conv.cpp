#include "backends/cuda/cudnn_f16_conv.h"

#include <cuda_runtime.h>
#include <cudnn.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "backends/cuda/cuda_check.h"
#include "backends/cuda/cuda_device.h"
#include "backends/cuda/cudnn_graph.h"

namespace qrt::cuda {
namespace {

using cudnn_graph::Desc;
using cudnn_graph::OpGraph;

// The graph's tensors that carry data.
enum Uid : int64_t { kX = 1, kW, kBias, kR, kY };

std::unique_ptr<OpGraph> build_graph(const Int8ConvShape& s, const F16ConvForm& f) {
  auto g = std::make_unique<OpGraph>();
  const Desc& x = g->tensor(kX, CUDNN_DATA_HALF, {s.n, s.c, s.h, s.w},
                            cudnn_graph::nhwc_strides(s.c, s.h, s.w));
  const Desc& w = g->tensor(kW, CUDNN_DATA_HALF, {s.k, s.c, s.kernel_h, s.kernel_w},
                            cudnn_graph::nhwc_strides(s.c, s.kernel_h, s.kernel_w));
  const std::vector<int64_t> out_dims{s.n, s.k, s.out_h, s.out_w};
  const std::vector<int64_t> out_strides = cudnn_graph::nhwc_strides(s.k, s.out_h, s.out_w);
  // Each step's output: virtual f32, except the last one, Y.
  const int steps = 1 + (f.bias ? 1 : 0) + (f.residual ? 1 : 0) + (f.clamps ? 1 : 0);
  int step = 0;
  auto step_out = [&]() -> const Desc& {
    if (++step < steps) return g->virtual_float(out_dims, out_strides);
    return g->tensor(kY, CUDNN_DATA_HALF, out_dims, out_strides);
  };
  const Desc* v = &step_out();
  g->convolution(s, CUDNN_DATA_FLOAT, x, w, *v);
  if (f.bias) {
    const Desc& bias = g->tensor(kBias, CUDNN_DATA_HALF, {1, s.k, 1, 1}, {s.k, 1, s.k, s.k});
    const Desc* prev = v;
    v = &step_out();
    g->pointwise(CUDNN_POINTWISE_ADD, *prev, &bias, *v);
  }
  if (f.residual) {
    const Desc& r = g->tensor(kR, CUDNN_DATA_HALF, out_dims, out_strides);
    const Desc* prev = v;
    v = &step_out();
    g->pointwise(CUDNN_POINTWISE_ADD, *prev, &r, *v);
  }
  if (f.clamps) {
    const Desc* prev = v;
    v = &step_out();
    g->pointwise(CUDNN_POINTWISE_RELU_FWD, *prev, nullptr, *v, f.lo,
                 std::isinf(f.hi) ? static_cast<double>(std::numeric_limits<float>::max()) : f.hi);
  }
  g->finish(cudnn_graph::build_handle());
  return g;
}

// The data pointers in the graph's uid order.
std::vector<void*> data_pointers(const OpGraph& g, const void* x, const void* w, const void* bias,
                                 const void* residual, void* y) {
  std::vector<void*> p;
  for (int64_t uid : g.uids) {
    const void* ptr = uid == kX      ? x
                      : uid == kW    ? w
                      : uid == kBias ? bias
                      : uid == kR    ? residual
                                     : y;
    p.push_back(const_cast<void*>(ptr));
  }
  return p;
}

using cudnn_graph::CachedPlan;

std::vector<int64_t> key_of(const Int8ConvShape& s, const F16ConvForm& f) {
  std::vector<int64_t> key = cudnn_graph::shape_key(s);
  key.insert(key.end(), {f.bias, f.residual, f.clamps, f.clamps ? cudnn_graph::float_bits(f.lo) : 0,
                         f.clamps ? cudnn_graph::float_bits(f.hi) : 0});
  return key;
}

cudnn_graph::PlanCache& cache() {
  static cudnn_graph::PlanCache plans;
  return plans;
}

constexpr size_t kMaxWorkspace = size_t{32} << 20;
std::atomic<int64_t> runs{0};

void build_plan(const Int8ConvShape& s, const F16ConvForm& f, CachedPlan& out) {
  std::ostringstream log;
  try {
    out.graph = build_graph(s, f);
  } catch (const Error& e) {
    out.reason = std::string("the graph does not build: ") + e.what();
    return;
  }
  // Zeroed scratch operands for timing (2 bytes per element).
  const size_t y_bytes = static_cast<size_t>(s.pixels() * s.k) * 2;
  DeviceBuffer x(static_cast<size_t>(s.n * s.h * s.w * s.c) * 2, "cudnn tuning input");
  DeviceBuffer w(static_cast<size_t>(s.k * s.depth()) * 2, "cudnn tuning weights");
  DeviceBuffer bias(static_cast<size_t>(s.k) * 2, "cudnn tuning bias");
  DeviceBuffer y(y_bytes, "cudnn tuning output"), r(y_bytes, "cudnn tuning residual");
  for (DeviceBuffer* b : {&x, &w, &bias, &r}) QRT_CUDA_CHECK(cudaMemset(b->get(), 0, b->size()));
  const std::vector<void*> ptrs =
      data_pointers(*out.graph, x.get(), w.get(), bias.get(), r.get(), y.get());
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

bool cudnn_f16_conv_ready(const Int8ConvShape& s, const F16ConvForm& f, bool build,
                          std::string* reason) {
  if (s.group != 1) {
    if (reason) *reason = "grouped";
    return false;
  }
  return cache().ready(
      key_of(s, f), build, [&](CachedPlan& out) { build_plan(s, f, out); }, reason);
}

bool cudnn_f16_conv_run(const Int8ConvShape& s, const F16ConvForm& f, const void* x,
                        const void* w_ohwi, const void* bias, const void* residual, void* y,
                        const Resources& res) {
  const CachedPlan* cached = cache().get(key_of(s, f), false);
  if (!cached || !cached->plan || cached->workspace > res.workspace_bytes) return false;
  cudnn_graph::execute(res.cudnn, *cached->plan, *cached->graph,
                       data_pointers(*cached->graph, x, w_ohwi, bias, residual, y), res.workspace);
  ++runs;
  return true;
}

int64_t cudnn_f16_conv_runs() { return runs.load(); }

}  // namespace qrt::cuda
