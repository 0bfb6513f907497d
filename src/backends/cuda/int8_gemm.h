// The CUDA int8 compute machinery behind ConvInt8, MatMulInt8 and ConvTransposeInt8 (NHWC):
// an implicit-GEMM kernel on the int8 tensor cores (mma.sync m16n8k32, cp.async pipeline), a
// cuBLASLt int8 GEMM into int32 for 1x1 convolutions, direct kernels for what the GEMM does not
// take (depthwise, channels that are not multiples of 16, transposed convolution), all ending in
// the one f32 epilogue of docs/quantization.md ("Exact numerics").
//
// Everything is expressed as one NHWC convolution problem: MatMulInt8 is a 1x1 convolution over
// M rows. These are plain host functions (no CUDA syntax) so that tests and benchmarks call them
// on device buffers without going through a graph.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "backends/cuda/cuda_resources.h"

// Shape helpers callable from kernels too.
#ifdef __CUDACC__
#define QRT_HOST_DEVICE __host__ __device__
#else
#define QRT_HOST_DEVICE
#endif

namespace qrt::cuda {

// Per output element (flat index i of the [pixels x channels] output, channel c):
//   v = float(acc) * (in_scale * scales[c]) + bias[c]   (bias 0 when absent)
//   v = v + float(r_i8[i]) * r_scale  or  v + r_f32[i]
//   v = activation(v);  y = saturate_i8(rint(v * inv_y_scale))  or  y = v
// All pointers are device pointers; inv_y_scale = 1 / y_scale computed on the host in f32.
struct Int8Epilogue {
  const float* scales = nullptr;
  const float* bias = nullptr;
  float in_scale = 0.f;
  const int8_t* residual_i8 = nullptr;
  const float* residual_f32 = nullptr;
  float r_scale = 0.f;
  int clamps = 0;  // relu: lo = 0, hi = +inf; clip: clip_min / clip_max
  float lo = 0.f, hi = 0.f;
  int8_t* y_i8 = nullptr;
  float* y_f32 = nullptr;
  float inv_y_scale = 0.f;

  // This epilogue moved to the outputs (and residual) from element `offset` on: a chunk of
  // images of a convolution run a part at a time.
  Int8Epilogue advanced(int64_t offset) const {
    Int8Epilogue part = *this;
    if (part.residual_i8) part.residual_i8 += offset;
    if (part.residual_f32) part.residual_f32 += offset;
    if (part.y_i8) part.y_i8 += offset;
    if (part.y_f32) part.y_f32 += offset;
    return part;
  }
};

// The epilogue of a ConvInt8 / MatMulInt8 / ConvTransposeInt8 node: scales at input 2, bias at
// 3, residual at 4, output 0, the operand scale attribute `in_scale_attr`.
Int8Epilogue int8_epilogue(const KernelArgs& args, const char* in_scale_attr);
// The form of a node's epilogue for tuning (time_int8_conv): which of residual_i8 /
// residual_f32 and y_i8 / y_f32 are set (to markers, not data), the activation's bounds.
Int8Epilogue int8_epilogue_form(const ir::Node& node, const NodeTypes& types);

// The CUDA int8 (transposed) convolutions take NHWC (channels_last = 1) 2-D nodes only; `what`
// names the op in *reason.
bool int8_conv_form_supported(const ir::Node& node, const NodeTypes& types, const char* what,
                              std::string* reason);

// A 2-D convolution in NHWC: X [n, h, w, c], Y [n, out_h, out_w, k].
struct Int8ConvShape {
  int64_t n = 1, h = 1, w = 1, c = 1;
  int64_t out_h = 1, out_w = 1, k = 1;
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0, dilation_h = 1, dilation_w = 1;
  int64_t group = 1;
  QRT_HOST_DEVICE int64_t group_in() const { return c / group; }
  QRT_HOST_DEVICE int64_t group_out() const { return k / group; }
  QRT_HOST_DEVICE int64_t pixels() const { return n * out_h * out_w; }                // GEMM M
  QRT_HOST_DEVICE int64_t depth() const { return kernel_h * kernel_w * group_in(); }  // GEMM K
  QRT_HOST_DEVICE bool pointwise() const {
    return kernel_h == 1 && kernel_w == 1 && stride_h == 1 && stride_w == 1 && pad_h == 0 &&
           pad_w == 0 && h == out_h && w == out_w;
  }
};

// Where weight element (output channel o, input channel i of its group, tap kh, kw) lies:
// data[o * out + i * in + kh * tap_h + kw * tap_w] (elements).
struct Int8Weights {
  const int8_t* data = nullptr;
  int64_t out = 0, in = 0, tap_h = 0, tap_w = 0;
  // ONNX Conv order [k, c/g, kh, kw].
  static Int8Weights oihw(const int8_t* data, const Int8ConvShape& s);
  // The packed order the GEMM reads: [k, kh, kw, c/g], each row one contiguous dot product.
  static Int8Weights ohwi(const int8_t* data, const Int8ConvShape& s);
  // MatMulInt8's B as given: [K, N] (input channel major).
  static Int8Weights io(const int8_t* data, const Int8ConvShape& s);
  bool is_ohwi(const Int8ConvShape& s) const;
};

// Tactics of ConvInt8 / MatMulInt8: "igemm64" / "igemm128" (our tensor-core kernel with a 64- or
// 128-channel tile; "igemm64f" / "igemm64fs": its 2-stage, 3-blocks-per-SM variant for depths up
// to 256), "cublaslt" (1x1 only), "direct" (any shape). Empty: the default for the
// shape (default_int8_conv_tactic). Also "igemm64s" / "igemm128s" (the same GEMM, its epilogue
// staged through shared memory for vector stores), "depthwise" (4 channels per thread), "dw16x2" /
// "dw16x4" (3x3 depthwise, 16 channels and 2 or 4 pixels per thread on dp4a: depthwise_int8.h) and
// "igemm_pad" (the GEMM for channels that are not a multiple of 16, zero-padded in the
// workspace), "cudnn" (a cuDNN graph with the epilogue as pointwise operations, cudnn_int8_conv.h;
// shapes cuDNN has no plan for run the default tactic), "cudnn_pad" (that graph on channels
// zero-padded to a multiple of 4 in the workspace, for an RGB first layer; igemm_pad without a
// plan), "im2col" (few input channels, group 1: an explicit patch matrix [pixels, kh*kw*c padded
// to 16] in the workspace, a chunk of images at a time, then the GEMM as a 1x1 convolution over
// it), "im2col_s" (that with the staged epilogue), "im2col_l2" (staged, chunks small enough to
// stay in L2), "small16" (few input or output channels, 16 output channels per thread:
// small_conv_int8.h), "s2d64" / "s2d64s" / "s2d128s" (a strided convolution over few channels
// as a stride-1 one over the input rearranged space-to-depth in the workspace, then the GEMM:
// space_to_depth_int8.h; "s2d64fs" on the 2-stage GEMM), "pw16" (1x1 over at most 64 input
// channels, a thread per pixel and 16 output channels on dp4a: pointwise_int8.h), "pwmma" (the
// same shapes on the int8 tensor cores, 32 pixels per warp, rows stored from shared memory:
// mma_conv_int8.h),
// "patchmma" (that kernel on any ungrouped convolution with a patch of at most 64 bytes, the
// patch gathered byte by byte: RGB and grey first layers).
std::string default_int8_conv_tactic(const Int8ConvShape& s);
// Whether `tactic` can run the shape; *reason says why not.
bool int8_conv_tactic_fits(const Int8ConvShape& s, const std::string& tactic,
                           std::string* reason = nullptr);
// The tactics worth timing for the shape, the default first.
std::vector<std::string> int8_conv_tactics(const Int8ConvShape& s);
// Every int8 (transposed) convolution tactic this build can time, as one line: a timing cache
// made by a build with other tactics is timed again rather than trusted.
std::string int8_tactic_catalog();

// Y = epilogue(conv(X, W)) on res.stream, using res.workspace (weights not in the GEMM's packed
// order are repacked there first).
void conv_int8_nhwc(const Int8ConvShape& s, const int8_t* x, const Int8Weights& w,
                    const Int8Epilogue& e, const std::string& tactic, const Resources& res);

// The implicit GEMM alone (the "igemm*" tactics' kernel) for other files' tactics: X NHWC with
// c a multiple of 16 (group_in() for grouped shapes), W packed OHWI, both 16-byte aligned;
// block_n 64 or 128 output channels per tile, `staged`: the epilogue through shared memory.
// `few_stages`: the 2-stage variant of igemm64f / igemm64fs (block_n 64, depth <= 256).
void implicit_gemm_int8(const Int8ConvShape& s, const int8_t* x, const int8_t* w_ohwi,
                        const Int8Epilogue& e, int block_n, bool staged, cudaStream_t stream,
                        bool few_stages = false);

// ConvTransposeInt8 in NHWC: X [n, h, w, c], W [c, k/g, kh, kw] (ONNX order), Y [n, out_h,
// out_w, k]; `s` holds the transposed convolution's strides, begin pads and dilations.
// Tactics: "" (a direct gather per output element) or "phases" / "phases_s" (stride = kernel,
// no pads, group 1, c a multiple of 16: a 1x1 tensor-core GEMM per output phase, all phases in
// one launch, the epilogue writing each phase's pixels in place; "_s": staged epilogue),
// "phases_f" / "phases_fs" (the same on the few-k-tiles GEMM of igemm64f / igemm64fs).
void conv_transpose_int8_nhwc(const Int8ConvShape& s, const int8_t* x, const int8_t* w,
                              const Int8Epilogue& e, const std::string& tactic,
                              const Resources& res);
bool conv_transpose_phases_fit(const Int8ConvShape& s, std::string* reason = nullptr);
// The tactics that fit the shape, the direct gather first.
std::vector<std::string> conv_transpose_int8_tactics(const Int8ConvShape& s);
// The fastest of them on the device (`form` as for time_int8_conv).
std::string tune_conv_transpose_int8(const Int8ConvShape& s, const Resources& res,
                                     const Int8Epilogue* form = nullptr);

// The same timing for a ConvTransposeInt8 tactic (conv_transpose_int8_tactics).
float time_conv_transpose_int8(const Int8ConvShape& s, const std::string& tactic,
                               const Resources& res, int runs = 10,
                               const Int8Epilogue* form = nullptr);

// Times `tactic` on the shape with scratch buffers (build time: allocates); milliseconds per run.
// `form` (optional) gives the node's epilogue form: the residual kind (residual_i8 / residual_f32
// non-null), the activation, the output type (y_i8 non-null: int8); its pointers are not read.
// Without it: no residual, no activation, int8 output.
float time_int8_conv(const Int8ConvShape& s, const std::string& tactic, const Resources& res,
                     int runs = 10, const Int8Epilogue* form = nullptr);

// The candidate of int8_conv_tactics(s) that runs fastest on the device (with `form` as above).
std::string tune_int8_conv(const Int8ConvShape& s, const Resources& res,
                           const Int8Epilogue* form = nullptr);

}  // namespace qrt::cuda
