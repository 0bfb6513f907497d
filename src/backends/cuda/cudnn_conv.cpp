#include "backends/cuda/cudnn_conv.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <vector>

#include "backends/cuda/cuda_check.h"
#include "backends/cuda/cuda_device.h"
#include "backends/cuda/cuda_resources.h"
#include "backends/cuda/cuda_timing.h"
#include "backends/cuda/cudnn_f16_conv.h"
#include "backends/cuda/epilogue_kernels.h"
#include "ops/spatial_geometry.h"

namespace qrt::cuda {
namespace {

// One convolution in cuDNN's forward sense: `in` -> `out` through filter [out_c, in_c/group,
// kh, kw]. Conv and FusedConv: in = X, out = Y. ConvTranspose runs cuDNN's backward-data pass of
// that forward convolution: in = Y, out = X.
struct Problem {
  ConvOp op = ConvOp::kConv;
  DataType dtype = DataType::kFloat32;
  bool nhwc = false;
  bool ohwi = false;  // filter bytes in [out_c, kh, kw, in_c/group] order
  int n = 0, in_c = 0, in_h = 1, in_w = 1, out_c = 0, out_h = 1, out_w = 1;
  int kh = 1, kw = 1, pad_h = 0, pad_w = 0, stride_h = 1, stride_w = 1, dil_h = 1, dil_w = 1;
  int group = 1;
  bool relu = false;  // FusedConv with activation "relu"
};

bool fits_int(int64_t v) { return v >= 0 && v <= INT_MAX; }

// The problem of a node with the given X, W and Y shapes; false with *why when the legacy API
// cannot express it. Geometry errors (bad attributes) throw as in shape inference.
bool make_problem(ConvOp op, const ir::Node& node, DataType dtype, const std::vector<int64_t>& x,
                  const std::vector<int64_t>& w, const std::vector<int64_t>& y, bool for_tuning,
                  Problem* p, std::string* why) {
  p->op = op;
  p->dtype = dtype;
  p->relu = op == ConvOp::kFusedConv && node.attr_string("activation", "") == "relu";
  p->nhwc = node.attr_int("channels_last", 0) != 0;
  const std::string layout = node.attr_string("weight_layout", "OIHW");
  if (layout != "OIHW" && layout != "OHWI") {
    *why = "unknown weight_layout '" + layout + "'";
    return false;
  }
  // Tuning runs before or after the build-time repack: time the layout the run will see.
  p->ohwi = layout == "OHWI" || (for_tuning && p->nhwc);
  const size_t rank = x.size();
  if ((rank != 3 && rank != 4) || w.size() != rank || y.size() != rank) {
    *why = "cuDNN convolutions here are 1-D or 2-D (X of rank 3 or 4), X has rank " +
           std::to_string(rank);
    return false;
  }
  auto spatial = [&](const std::vector<int64_t>& s) {
    return p->nhwc ? std::vector<int64_t>(s.begin() + 1, s.end() - 1)
                   : std::vector<int64_t>(s.begin() + 2, s.end());
  };
  auto channels = [&](const std::vector<int64_t>& s) { return p->nhwc ? s.back() : s[1]; };
  const std::vector<int64_t> x_spatial = spatial(x), y_spatial = spatial(y);
  std::vector<int64_t> kernel =
      ops::kernel_from_weights(node, std::span<const int64_t>(w.begin() + 2, w.end()));
  const bool transposed = op == ConvOp::kConvTranspose;
  const ops::SpatialGeometry g = transposed
                                     ? ops::conv_transpose_geometry(node, x_spatial, kernel)
                                     : ops::sliding_window_geometry(node, x_spatial, kernel, false);
  if (g.output != y_spatial) {
    *why = "the output's spatial dims do not follow from the attributes";
    return false;
  }
  for (size_t i = 0; i < g.rank(); ++i)
    if (g.pads_begin[i] != g.pads_end[i] || g.pads_begin[i] < 0) {
      *why = "cuDNN needs equal begin and end pads, got " + std::to_string(g.pads_begin[i]) +
             " and " + std::to_string(g.pads_end[i]) + " on spatial axis " + std::to_string(i);
      return false;
    }
  const std::vector<int64_t>& fwd_in = transposed ? g.output : g.input;
  const std::vector<int64_t>& fwd_out = transposed ? g.input : g.output;
  const size_t s = g.rank();  // the last spatial axis is W; a 1-D conv has H = 1
  std::vector<int64_t> dims = {x[0],
                               transposed ? channels(y) : channels(x),
                               s == 2 ? fwd_in[0] : 1,
                               fwd_in[s - 1],
                               transposed ? channels(x) : channels(y),
                               s == 2 ? fwd_out[0] : 1,
                               fwd_out[s - 1],
                               s == 2 ? g.kernel[0] : 1,
                               g.kernel[s - 1],
                               s == 2 ? g.pads_begin[0] : 0,
                               g.pads_begin[s - 1],
                               s == 2 ? g.strides[0] : 1,
                               g.strides[s - 1],
                               s == 2 ? g.dilations[0] : 1,
                               g.dilations[s - 1],
                               node.attr_int("group", 1)};
  for (int64_t d : dims)
    if (!fits_int(d)) {
      *why = "a dimension does not fit cuDNN's int";
      return false;
    }
  int* fields[] = {&p->n,        &p->in_c,  &p->in_h,  &p->in_w,  &p->out_c, &p->out_h,
                   &p->out_w,    &p->kh,    &p->kw,    &p->pad_h, &p->pad_w, &p->stride_h,
                   &p->stride_w, &p->dil_h, &p->dil_w, &p->group};
  for (size_t i = 0; i < dims.size(); ++i) *fields[i] = static_cast<int>(dims[i]);
  if (shape_numel(x) > INT_MAX || shape_numel(y) > INT_MAX) {
    *why = "tensors of more than 2^31 elements";
    return false;
  }
  if (transposed) {
    // cuDNN derives the backward-data sizes from the forward ones: output_padding must not
    // change them.
    for (size_t i = 0; i < s; ++i) {
      const int64_t window = (g.kernel[i] - 1) * g.dilations[i] + 1;
      if ((g.output[i] + 2 * g.pads_begin[i] - window) / g.strides[i] + 1 != g.input[i]) {
        *why = "output_padding larger than what the stride absorbs";
        return false;
      }
    }
  }
  return true;
}

cudnnDataType_t cudnn_type(DataType t) {
  return t == DataType::kFloat16 ? CUDNN_DATA_HALF : CUDNN_DATA_FLOAT;
}

struct Descriptors {
  cudnnTensorDescriptor_t in = nullptr, out = nullptr, bias = nullptr;
  cudnnFilterDescriptor_t filter = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;
  cudnnActivationDescriptor_t relu = nullptr;

  explicit Descriptors(const Problem& p) {
    try {
      const cudnnTensorFormat_t format = p.nhwc ? CUDNN_TENSOR_NHWC : CUDNN_TENSOR_NCHW;
      const cudnnDataType_t type = cudnn_type(p.dtype);
      QRT_CUDNN_CHECK(cudnnCreateTensorDescriptor(&in));
      QRT_CUDNN_CHECK(cudnnSetTensor4dDescriptor(in, format, type, p.n, p.in_c, p.in_h, p.in_w));
      QRT_CUDNN_CHECK(cudnnCreateTensorDescriptor(&out));
      QRT_CUDNN_CHECK(
          cudnnSetTensor4dDescriptor(out, format, type, p.n, p.out_c, p.out_h, p.out_w));
      QRT_CUDNN_CHECK(cudnnCreateTensorDescriptor(&bias));
      QRT_CUDNN_CHECK(cudnnSetTensor4dDescriptor(bias, format, type, 1, p.out_c, 1, 1));
      QRT_CUDNN_CHECK(cudnnCreateFilterDescriptor(&filter));
      QRT_CUDNN_CHECK(cudnnSetFilter4dDescriptor(filter, type,
                                                 p.ohwi ? CUDNN_TENSOR_NHWC : CUDNN_TENSOR_NCHW,
                                                 p.out_c, p.in_c / p.group, p.kh, p.kw));
      QRT_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&conv));
      QRT_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(conv, p.pad_h, p.pad_w, p.stride_h,
                                                      p.stride_w, p.dil_h, p.dil_w,
                                                      CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
      QRT_CUDNN_CHECK(cudnnSetConvolutionGroupCount(conv, p.group));
      QRT_CUDNN_CHECK(cudnnCreateActivationDescriptor(&relu));
      QRT_CUDNN_CHECK(
          cudnnSetActivationDescriptor(relu, CUDNN_ACTIVATION_RELU, CUDNN_PROPAGATE_NAN, 0.0));
    } catch (...) {
      destroy();
      throw;
    }
  }
  ~Descriptors() { destroy(); }
  Descriptors(const Descriptors&) = delete;
  Descriptors& operator=(const Descriptors&) = delete;

 private:
  void destroy() {
    if (relu) cudnnDestroyActivationDescriptor(relu);
    if (conv) cudnnDestroyConvolutionDescriptor(conv);
    if (filter) cudnnDestroyFilterDescriptor(filter);
    if (bias) cudnnDestroyTensorDescriptor(bias);
    if (out) cudnnDestroyTensorDescriptor(out);
    if (in) cudnnDestroyTensorDescriptor(in);
  }
};

// FP32 stays FP32 (FMA only) unless TF32 is allowed; f16 uses tensor cores.
bool strict_fp32(const Problem& p, const Resources& res) {
  return p.dtype == DataType::kFloat32 && !res.allow_tf32;
}
cudnnMathType_t default_math(const Problem& p, const Resources& res) {
  if (p.dtype == DataType::kFloat16) return CUDNN_TENSOR_OP_MATH;
  return res.allow_tf32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH;
}

// FFT and Winograd algorithms trade accuracy for speed: not for FP32 that promises FP32 results.
bool approximate_algo(ConvOp op, int algo) {
  if (op == ConvOp::kConvTranspose)
    return algo == CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT ||
           algo == CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT_TILING ||
           algo == CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD ||
           algo == CUDNN_CONVOLUTION_BWD_DATA_ALGO_WINOGRAD_NONFUSED;
  return algo == CUDNN_CONVOLUTION_FWD_ALGO_FFT || algo == CUDNN_CONVOLUTION_FWD_ALGO_FFT_TILING ||
         algo == CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD ||
         algo == CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED;
}

struct Candidate {
  int algo = 0;
  cudnnMathType_t math = CUDNN_DEFAULT_MATH;
  // A ReLU FusedConv through cudnnConvolutionBiasActivationForward; otherwise the plain
  // convolution and our epilogue kernel.
  bool fused = true;
};

std::string tactic_of(const Candidate& c) {
  return "algo=" + std::to_string(c.algo) + ",math=" + std::to_string(static_cast<int>(c.math)) +
         ",fused=" + std::to_string(c.fused ? 1 : 0);
}

bool parse_tactic(const std::string& tactic, Candidate* c) {
  int algo = 0, math = 0, fused = 1;
  if (std::sscanf(tactic.c_str(), "algo=%d,math=%d,fused=%d", &algo, &math, &fused) < 2)
    return false;
  c->algo = algo;
  c->math = static_cast<cudnnMathType_t>(math);
  c->fused = fused != 0;
  return true;
}

// Bytes kept at the end of the workspace for a zero bias (the fused cuDNN call needs one).
size_t bias_reserve(const Problem& p) {
  return (static_cast<size_t>(p.out_c) * dtype_size(p.dtype) + 255) / 256 * 256;
}

// What cuDNN's heuristics offer, best first, that fits the workspace.
std::vector<Candidate> query_heuristics(const Problem& p, const Descriptors& d,
                                        const Resources& res) {
  QRT_CUDNN_CHECK(cudnnSetConvolutionMathType(d.conv, default_math(p, res)));
  const size_t limit = res.workspace_bytes - std::min(res.workspace_bytes, bias_reserve(p));
  std::vector<Candidate> out;
  auto add = [&](int algo, cudnnStatus_t status, size_t memory, cudnnMathType_t math) {
    if (status != CUDNN_STATUS_SUCCESS || memory > limit) return;
    if (strict_fp32(p, res) && approximate_algo(p.op, algo)) return;
    const Candidate c{algo, strict_fp32(p, res) ? CUDNN_FMA_MATH : math, true};
    for (const Candidate& o : out)
      if (o.algo == c.algo && o.math == c.math) return;
    out.push_back(c);
  };
  int returned = 0;
  if (p.op == ConvOp::kConvTranspose) {
    cudnnConvolutionBwdDataAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
    QRT_CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithm_v7(
        res.cudnn, d.filter, d.out, d.conv, d.in, CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &returned,
        perf));
    for (int i = 0; i < returned; ++i)
      add(perf[i].algo, perf[i].status, perf[i].memory, perf[i].mathType);
  } else {
    cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
    QRT_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(res.cudnn, d.in, d.filter, d.conv, d.out,
                                                           CUDNN_CONVOLUTION_FWD_ALGO_COUNT,
                                                           &returned, perf));
    for (int i = 0; i < returned; ++i)
      add(perf[i].algo, perf[i].status, perf[i].memory, perf[i].mathType);
  }
  // A ReLU FusedConv may also run unfused (cuDNN's fused call declines some setups).
  if (p.op == ConvOp::kFusedConv && p.relu) {
    const size_t fused_count = out.size();
    for (size_t i = 0; i < fused_count; ++i) out.push_back({out[i].algo, out[i].math, false});
  }
  return out;
}

// query_heuristics, remembered per problem: cuDNN 9's legacy heuristics query costs far more
// host time than a small convolution takes on the GPU.
std::vector<Candidate> heuristic_candidates(const Problem& p, const Descriptors& d,
                                            const Resources& res) {
  const int fields[] = {static_cast<int>(p.op),
                        static_cast<int>(p.dtype),
                        p.nhwc,
                        p.ohwi,
                        p.n,
                        p.in_c,
                        p.in_h,
                        p.in_w,
                        p.out_c,
                        p.out_h,
                        p.out_w,
                        p.kh,
                        p.kw,
                        p.pad_h,
                        p.pad_w,
                        p.stride_h,
                        p.stride_w,
                        p.dil_h,
                        p.dil_w,
                        p.group,
                        p.relu,
                        res.allow_tf32};
  std::string key(reinterpret_cast<const char*>(fields), sizeof(fields));
  key += std::to_string(res.workspace_bytes);
  static std::mutex mutex;
  static std::map<std::string, std::vector<Candidate>> cache;
  {
    const std::lock_guard<std::mutex> lock(mutex);
    const auto it = cache.find(key);
    if (it != cache.end()) return it->second;
  }
  std::vector<Candidate> found = query_heuristics(p, d, res);
  const std::lock_guard<std::mutex> lock(mutex);
  return cache.emplace(key, std::move(found)).first->second;
}

struct Buffers {
  const void* x = nullptr;
  const void* w = nullptr;
  const void* b = nullptr;
  const void* r = nullptr;
  void* y = nullptr;
  int64_t y_count = 0;
};

ChannelEpilogue epilogue_of(const ir::Node& node, const Problem& p, const Buffers& buf) {
  ChannelEpilogue e;
  e.bias = buf.b;
  e.residual = buf.r;
  const std::string activation = node.attr_string("activation", "");
  e.relu = activation == "relu";
  e.clip = activation == "clip";
  e.clip_min = node.attr_float("clip_min", -INFINITY);
  e.clip_max = node.attr_float("clip_max", INFINITY);
  const bool transposed = p.op == ConvOp::kConvTranspose;
  e.channels = transposed ? p.in_c : p.out_c;
  e.inner = p.nhwc ? 1 : (transposed ? int64_t{p.in_h} * p.in_w : int64_t{p.out_h} * p.out_w);
  return e;
}

// A status that only says this algorithm cannot run this problem.
bool algo_declined(cudnnStatus_t s) {
  return (s >= CUDNN_STATUS_BAD_PARAM && s < CUDNN_STATUS_INTERNAL_ERROR);
}

// Enqueues the whole op with one algorithm; returns cuDNN's status of the convolution call
// (every other call is checked).
cudnnStatus_t execute(const ir::Node& node, const Problem& p, const Descriptors& d,
                      const Resources& res, const Buffers& buf, const Candidate& c) {
  QRT_CUDNN_CHECK(cudnnSetConvolutionMathType(d.conv, c.math));
  ChannelEpilogue e = epilogue_of(node, p, buf);
  const float one = 1.f, zero = 0.f;
  size_t ws_bytes = res.workspace_bytes;
  if (p.op == ConvOp::kConvTranspose) {
    const auto algo = static_cast<cudnnConvolutionBwdDataAlgo_t>(c.algo);
    const cudnnStatus_t s =
        cudnnConvolutionBackwardData(res.cudnn, &one, d.filter, buf.w, d.out, buf.x, d.conv, algo,
                                     res.workspace, ws_bytes, &zero, d.in, buf.y);
    if (s == CUDNN_STATUS_SUCCESS)
      launch_channel_epilogue(p.dtype, buf.y, buf.y_count, e, res.stream);
    return s;
  }
  const auto algo = static_cast<cudnnConvolutionFwdAlgo_t>(c.algo);
  if (e.relu && c.fused) {
    // Bias, residual and ReLU in cuDNN's fused call (z = y with alpha2 = 0 when no residual).
    const void* bias = buf.b;
    if (!bias) {
      ws_bytes -= std::min(ws_bytes, bias_reserve(p));
      void* zeros = static_cast<char*>(res.workspace) + ws_bytes;
      QRT_CUDA_CHECK(cudaMemsetAsync(zeros, 0, bias_reserve(p), res.stream));
      bias = zeros;
    }
    const float alpha2 = buf.r ? 1.f : 0.f;
    return cudnnConvolutionBiasActivationForward(
        res.cudnn, &one, d.in, buf.x, d.filter, buf.w, d.conv, algo, res.workspace, ws_bytes,
        &alpha2, d.out, buf.r ? buf.r : buf.y, d.bias, bias, d.relu, d.out, buf.y);
  }
  const cudnnStatus_t s =
      cudnnConvolutionForward(res.cudnn, &one, d.in, buf.x, d.filter, buf.w, d.conv, algo,
                              res.workspace, ws_bytes, &zero, d.out, buf.y);
  if (s == CUDNN_STATUS_SUCCESS)
    launch_channel_epilogue(p.dtype, buf.y, buf.y_count, e, res.stream);
  return s;
}

// Runs with the first candidate cuDNN accepts; false (with the last status) if none does.
bool execute_first(const ir::Node& node, const Problem& p, const Descriptors& d,
                   const Resources& res, const Buffers& buf,
                   const std::vector<Candidate>& candidates, cudnnStatus_t* last) {
  for (const Candidate& c : candidates) {
    *last = execute(node, p, d, res, buf, c);
    if (*last == CUDNN_STATUS_SUCCESS) return true;
    if (!algo_declined(*last)) throw_cudnn_error(*last, "cuDNN convolution", __FILE__, __LINE__);
  }
  return false;
}

// The "graph" tactic (cudnn_f16_conv.h): f16 NHWC forward convolutions, ungrouped, whose
// activation cuDNN's graph can express. *shape and *form describe the problem when it fits.
constexpr const char* kGraphTactic = "graph";

bool graph_eligible(const ir::Node& node, const Problem& p) {
  const std::string activation = node.attr_string("activation", "");
  return p.dtype == DataType::kFloat16 && p.nhwc && p.ohwi && p.op != ConvOp::kConvTranspose &&
         p.group == 1 && (activation.empty() || activation == "relu" || activation == "clip");
}

bool graph_form(const ir::Node& node, const Problem& p, const Buffers& buf, Int8ConvShape* shape,
                F16ConvForm* form) {
  if (!graph_eligible(node, p)) return false;
  const std::string activation = node.attr_string("activation", "");
  Int8ConvShape& s = *shape;
  s.n = p.n;
  s.h = p.in_h;
  s.w = p.in_w;
  s.c = p.in_c;
  s.k = p.out_c;
  s.out_h = p.out_h;
  s.out_w = p.out_w;
  s.kernel_h = p.kh;
  s.kernel_w = p.kw;
  s.stride_h = p.stride_h;
  s.stride_w = p.stride_w;
  s.pad_h = p.pad_h;
  s.pad_w = p.pad_w;
  s.dilation_h = p.dil_h;
  s.dilation_w = p.dil_w;
  s.group = 1;
  form->bias = buf.b != nullptr;
  form->residual = buf.r != nullptr;
  form->clamps = !activation.empty();
  form->lo = activation == "relu" ? 0.f : node.attr_float("clip_min", -INFINITY);
  form->hi = activation == "relu" ? INFINITY : node.attr_float("clip_max", INFINITY);
  return true;
}

// Runs the graph tactic; false when it cannot run now (no plan: the caller falls back).
bool run_graph(const ir::Node& node, const Problem& p, const Resources& res, const Buffers& buf,
               bool may_build) {
  Int8ConvShape shape;
  F16ConvForm form;
  if (!graph_form(node, p, buf, &shape, &form)) return false;
  if (!cudnn_f16_conv_ready(shape, form, may_build)) return false;
  return cudnn_f16_conv_run(shape, form, buf.x, buf.w, buf.b, buf.r, buf.y, res);
}

const std::vector<int64_t>& shape_or_empty(const NodeTypes& types, size_t i) {
  static const std::vector<int64_t> empty;
  return i < types.inputs.size() ? types.inputs[i].shape : empty;
}

}  // namespace

bool cudnn_conv_supported(ConvOp op, const ir::Node& node, const NodeTypes& types,
                          std::string* reason) {
  if (types.inputs.size() < 2 || types.outputs.empty()) {
    *reason = "needs X and W";
    return false;
  }
  const DataType dtype = types.inputs[0].dtype;
  for (const ir::TensorType& t : types.inputs)
    if (t.dtype != DataType::kUndefined && t.dtype != dtype) {
      *reason = "inputs of different element types";
      return false;
    }
  if (node.attr_int("channels_last", 0) != 0 && node.attr_string("weight_layout", "") != "OHWI" &&
      !(node.input(1) && node.input(1)->is_constant())) {
    *reason = "channels_last needs constant weights (repacked to OHWI at build time)";
    return false;
  }
  Problem p;
  try {
    return make_problem(op, node, dtype, types.inputs[0].shape, types.inputs[1].shape,
                        types.outputs[0].shape, false, &p, reason);
  } catch (const Error& e) {
    *reason = e.what();
    return false;
  }
}

void cudnn_conv_run(ConvOp op, const KernelArgs& args) {
  const Resources& res = resources(args);
  const ir::Node& node = args.node;
  Problem p;
  std::string why;
  if (!make_problem(op, node, args.in(0).dtype(), args.in(0).shape(), args.in(1).shape(),
                    args.out(0).shape(), false, &p, &why))
    throw Error(node.describe() + ": " + why);
  Descriptors d(p);
  Buffers buf{args.in(0).data(),
              args.in(1).data(),
              args.has_in(2) ? args.in(2).data() : nullptr,
              args.has_in(3) ? args.in(3).data() : nullptr,
              args.out(0).data(),
              args.out(0).numel()};
  cudnnStatus_t last = CUDNN_STATUS_NOT_SUPPORTED;
  if (node.tactic == kGraphTactic) {
    // cuDNN's graph plans are built outside a stream capture (tuning, or the engine's first,
    // uncaptured run); without one the heuristic order below runs.
    cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
    QRT_CUDA_CHECK(cudaStreamIsCapturing(res.stream, &capture));
    if (run_graph(node, p, res, buf, capture == cudaStreamCaptureStatusNone)) return;
  } else if (!node.tactic.empty()) {
    Candidate tuned;
    if (!parse_tactic(node.tactic, &tuned))
      throw Error(node.describe() + ": unreadable cuDNN tactic '" + node.tactic + "'");
    if (strict_fp32(p, res)) tuned.math = CUDNN_FMA_MATH;
    if (execute_first(node, p, d, res, buf, {tuned}, &last)) return;
  }
  // No tactic, or one the run-time setup declines: cuDNN's heuristic order.
  if (!execute_first(node, p, d, res, buf, heuristic_candidates(p, d, res), &last))
    throw Error(node.describe() + ": no cuDNN algorithm runs this convolution (" +
                cudnnGetErrorString(last) + ")");
}

std::string cudnn_conv_tune(ConvOp op, const ir::Node& node, const NodeTypes& types,
                            const void* resources) {
  const Resources& res = *static_cast<const Resources*>(resources);
  const DataType dtype = types.inputs.at(0).dtype;
  Problem p;
  std::string why;
  if (!make_problem(op, node, dtype, shape_or_empty(types, 0), shape_or_empty(types, 1),
                    types.outputs.at(0).shape, true, &p, &why))
    return "";
  Descriptors d(p);
  const std::vector<Candidate> candidates = heuristic_candidates(p, d, res);
  const bool graph_candidate = graph_eligible(node, p);
  if (candidates.size() < 2 && !graph_candidate)
    return candidates.empty() ? "" : tactic_of(candidates[0]);

  // Random operands of the node's shapes.
  std::vector<DeviceBuffer> owned;
  auto random_buffer = [&](size_t i) -> const void* {
    if (i >= types.inputs.size() || types.inputs[i].dtype == DataType::kUndefined) return nullptr;
    const int64_t count = shape_numel(types.inputs[i].shape);
    owned.emplace_back(std::max<size_t>(1, count * dtype_size(dtype)), "tuning operand");
    launch_fill_random(dtype, owned.back().get(), count, static_cast<uint32_t>(i + 1), res.stream);
    return owned.back().get();
  };
  Buffers buf;
  buf.x = random_buffer(0);
  buf.w = random_buffer(1);
  buf.b = random_buffer(2);
  buf.r = random_buffer(3);
  buf.y_count = shape_numel(types.outputs[0].shape);
  owned.emplace_back(std::max<size_t>(1, buf.y_count * dtype_size(dtype)), "tuning output");
  buf.y = owned.back().get();

  double best_ms = 0;
  std::string best;
  for (const Candidate& c : candidates) {
    if (execute(node, p, d, res, buf, c) != CUDNN_STATUS_SUCCESS) continue;  // warm-up
    const double ms = time_enqueued_ms(res.stream, 5, [&] { execute(node, p, d, res, buf, c); });
    if (best.empty() || ms < best_ms) {
      best_ms = ms;
      best = tactic_of(c);
    }
  }
  if (graph_candidate && run_graph(node, p, res, buf, true)) {  // builds the plan; warm-up
    const double ms = time_enqueued_ms(res.stream, 5, [&] { run_graph(node, p, res, buf, false); });
    if (best.empty() || ms < best_ms) {
      best_ms = ms;
      best = kGraphTactic;
    }
  }
  QRT_CUDA_CHECK(cudaStreamSynchronize(res.stream));
  return best;
}

int register_cudnn_conv(const char* op_type, ConvOp op) {
  for (DataType dtype : {DataType::kFloat32, DataType::kFloat16})
    KernelRegistry::instance().add(KernelDef::make(
        op_type, "cuda", dtype, [op](const KernelArgs& args) { cudnn_conv_run(op, args); },
        [op](const ir::Node& node, const NodeTypes& types, std::string* reason) {
          return cudnn_conv_supported(op, node, types, reason);
        },
        [op](const ir::Node& node, const NodeTypes& types, const void* resources) {
          return cudnn_conv_tune(op, node, types, resources);
        }));
  return 0;
}

}  // namespace qrt::cuda
