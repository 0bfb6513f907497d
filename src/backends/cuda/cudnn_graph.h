// Building and running cuDNN operation graphs through the raw backend descriptors of
// cudnn_graph.h (the cudnn-frontend headers are not installed), only with what cuDNN 9.14 has:
// shared by the int8 convolution with qrt's per-channel epilogue (cudnn_int8_conv.h) and the
// f16 convolution with bias, residual and clip fused (cudnn_f16_conv.h).
#pragma once

#include <cudnn.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "backends/cuda/cuda_check.h"
#include "backends/cuda/int8_gemm.h"

namespace qrt::cuda::cudnn_graph {

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
  int64_t get_int64(cudnnBackendAttributeName_t name) const;

 private:
  cudnnBackendDescriptor_t desc_ = nullptr;
};

// cuDNN's status text with its last error detail.
std::string status_text(cudnnStatus_t status);

// [n, c, h, w] strides of an NHWC tensor.
std::vector<int64_t> nhwc_strides(int64_t c, int64_t h, int64_t w);

// Tensors with ids from kFirstVirtual up are virtual (intermediate, never in memory).
inline constexpr int64_t kFirstVirtual = 100;

// Built descriptors, kept alive together with the operation graph that refers to them.
struct OpGraph {
  std::deque<Desc> keep;
  std::vector<cudnnBackendDescriptor_t> ops;
  std::unique_ptr<Desc> graph;
  int64_t next_virtual = kFirstVirtual;
  std::vector<int64_t> uids;  // the data tensors, in graph order

  Desc& tensor(int64_t uid, cudnnDataType_t type, std::vector<int64_t> dims,
               std::vector<int64_t> strides, int vector_count = 1);
  // A new virtual f32 tensor of the given dims and strides.
  Desc& virtual_float(const std::vector<int64_t>& dims, const std::vector<int64_t>& strides);
  // y = x (op) b, computed in f32; RELU_FWD clamps to [lo, hi].
  void pointwise(cudnnPointwiseMode_t mode, const Desc& x, const Desc* b, const Desc& y,
                 double lo = 0.0, double hi = 0.0);
  // y = conv(x, w) of the NHWC problem `s` (ungrouped) with `compute` accumulation.
  void convolution(const Int8ConvShape& s, cudnnDataType_t compute, const Desc& x, const Desc& w,
                   const Desc& y);
  // Finalizes the graph over the operations added so far.
  void finish(cudnnHandle_t handle);
};

// A handle of our own for building plans (created once, never destroyed, so that cached plans
// never refer to a destroyed handle); plans run with the caller's handle.
cudnnHandle_t build_handle();

// The engine configurations heuristics `mode` proposes (empty, with a log line, on failure).
std::vector<Desc> heuristic_configs(const Desc& graph, cudnnBackendHeurMode_t mode,
                                    std::ostringstream& log);
// A finalized plan for `config`, or null with the status in the log.
std::unique_ptr<Desc> make_plan(const Desc& config, std::ostringstream& log);
// Runs `plan` with the data pointers in the graph's uid order.
void execute(cudnnHandle_t handle, const Desc& plan, const OpGraph& g, std::vector<void*> ptrs,
             void* workspace);

// The fastest plan: heuristics A (then FALLBACK), the first three candidates that finalize with
// at most `max_workspace` bytes, each timed on `ptrs` (scratch operands) on a stream of its own.
// Null, with why in *log, when none runs.
struct TimedPlan {
  std::unique_ptr<Desc> plan;
  size_t workspace = 0;
};
TimedPlan fastest_plan(const OpGraph& g, const std::vector<void*>& ptrs, size_t max_workspace,
                       std::ostringstream& log);

// A graph with its chosen plan, or why there is none.
struct CachedPlan {
  std::unique_ptr<OpGraph> graph;
  std::unique_ptr<Desc> plan;  // null: cuDNN has none (reason says why)
  size_t workspace = 0;
  std::string reason;
};

// Plans by key, process-wide (one per convolution kind); entries never move once made.
class PlanCache {
 public:
  // The entry for `key`; when there is none, made by `build` if `may_build`, else null.
  // Building runs under the cache's lock.
  const CachedPlan* get(const std::vector<int64_t>& key, bool may_build,
                        const std::function<void(CachedPlan&)>& build = {});
  // Whether `key` has a plan (made as get() would); *reason says why not, or how it was chosen.
  bool ready(const std::vector<int64_t>& key, bool may_build,
             const std::function<void(CachedPlan&)>& build, std::string* reason);
  void clear();

 private:
  std::mutex mutex_;
  std::map<std::vector<int64_t>, CachedPlan> plans_;
};

// The start of a cache key: every field of the convolution problem.
std::vector<int64_t> shape_key(const Int8ConvShape& s);
// A float's bits, for keys (so that -0 and 0, or NaN payloads, stay apart).
int64_t float_bits(float v);

// Diagnostics: what heuristics A and FALLBACK return for the graph and what every engine says
// when finalized (engine id, behaviour notes, status, workspace), line by line.
std::string probe(const OpGraph& g);

}  // namespace qrt::cuda::cudnn_graph
