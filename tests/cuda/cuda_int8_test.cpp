// The CUDA int8 compute ops (ConvInt8, MatMulInt8, ConvTransposeInt8; NHWC) against the
// reference kernels (NCHW), bit-exact, for every tactic that fits each shape, with and without
// the weight-repacking backend passes. CudaInt8Bench.* times ResNet-50 layers.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iostream>
#include <limits>
#include <random>
#include <span>

#include "backends/cuda/cuda_check.h"
#include "backends/cuda/cuda_stream_resources.h"
#include "backends/cuda/int8_gemm.h"
#include "backends/cuda/space_to_depth_int8.h"
#include "backends/kernel_registry.h"
#include "cuda/cuda_test_util.h"
#include "op_test_util.h"

namespace qrt {
namespace {

using Attrs = std::map<std::string, ir::AttributeValue>;

Tensor random_i8(std::vector<int64_t> shape, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> dist(-128, 127);
  Tensor t(DataType::kInt8, std::move(shape));
  int8_t* p = t.data_as<int8_t>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = static_cast<int8_t>(dist(rng));
  return t;
}

// [n, c, h, w] <-> [n, h, w, c] (any element size).
Tensor permute4(const Tensor& t, bool to_nhwc) {
  const auto& d = t.shape();
  const std::vector<int64_t> out_shape = to_nhwc ? std::vector<int64_t>{d[0], d[2], d[3], d[1]}
                                                 : std::vector<int64_t>{d[0], d[3], d[1], d[2]};
  Tensor out(t.dtype(), out_shape);
  const size_t es = dtype_size(t.dtype());
  const int64_t n = d[0];
  const int64_t c = to_nhwc ? d[1] : d[3], h = to_nhwc ? d[2] : d[1], w = to_nhwc ? d[3] : d[2];
  const auto* src = static_cast<const uint8_t*>(t.data());
  auto* dst = static_cast<uint8_t*>(out.data());
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ci = 0; ci < c; ++ci)
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x) {
          const int64_t nchw = ((b * c + ci) * h + y) * w + x,
                        nhwc = ((b * h + y) * w + x) * c + ci;
          std::memcpy(dst + (to_nhwc ? nhwc : nchw) * es, src + (to_nhwc ? nchw : nhwc) * es, es);
        }
  return out;
}

// Runs `op` on the CUDA backend on host tensors: a one-node graph (optionally through the cuda
// backend passes, which repack the weights), the kernel the registry selects for the given
// output type, the node's tactic. Bypasses schema inference, which may not know channels_last.
// `workspace_bytes`: the stream's workspace (small ones make the chunked tactics take several
// chunks of images).
Tensor run_cuda_nhwc(const std::string& op, const std::vector<Tensor>& inputs, const Attrs& attrs,
                     const ir::TensorType& out_type, const std::string& tactic, bool passes,
                     size_t workspace_bytes = cuda::kDefaultWorkspaceBytes) {
  ir::Graph graph;
  std::vector<ir::Value*> values;
  for (size_t i = 0; i < inputs.size(); ++i)
    values.push_back(inputs[i].defined() ? graph.add_constant("in" + std::to_string(i), inputs[i])
                                         : nullptr);
  ir::Value* y = graph.add_value("y");
  graph.outputs.push_back(y);
  ir::Node* node = graph.add_node(op, "test", values, {y});
  node->attrs = attrs;
  node->backend = "cuda";
  node->tactic = tactic;
  if (passes)
    for (const BackendPass& pass : backend_passes())
      if (pass.backend == "cuda") pass.run(graph);
  NodeTypes types;
  std::vector<const Tensor*> host;
  for (const ir::Value* v : node->inputs) {
    host.push_back(v ? &*v->constant : nullptr);
    types.inputs.push_back(v ? ir::TensorType{v->constant->dtype(), v->constant->shape()}
                             : ir::TensorType{});
  }
  types.outputs.push_back(out_type);
  std::string why;
  const KernelDef* kernel = KernelRegistry::instance().select(*node, "cuda", types, &why);
  if (!kernel) throw Error("no CUDA kernel for " + op + ": " + why);

  cuda::StreamResources res(nullptr, workspace_bytes);
  std::vector<cuda::DeviceBuffer> buffers;
  std::vector<Tensor> dev_in;
  for (const Tensor* t : host) {
    if (!t) {
      dev_in.emplace_back();
      continue;
    }
    buffers.emplace_back(std::max<size_t>(t->nbytes(), 1));
    QRT_CUDA_CHECK(
        cudaMemcpy(buffers.back().get(), t->data(), t->nbytes(), cudaMemcpyHostToDevice));
    dev_in.push_back(Tensor::borrow(t->dtype(), t->shape(), buffers.back().get()));
  }
  Tensor result(out_type.dtype, out_type.shape);
  cuda::DeviceBuffer out(std::max<size_t>(result.nbytes(), 1));
  QRT_CUDA_CHECK(cudaMemset(out.get(), 0xFF, result.nbytes()));  // poison
  std::vector<Tensor> dev_out{Tensor::borrow(out_type.dtype, out_type.shape, out.get())};
  kernel->run(KernelArgs{*node, dev_in, dev_out, &res.get()});
  res.synchronize();
  QRT_CUDA_CHECK(cudaMemcpy(result.data(), out.get(), result.nbytes(), cudaMemcpyDeviceToHost));
  return result;
}

// Bit-exact: int8 outputs equal element for element, f32 outputs too (NaN-free). The "cudnn"
// tactic's int8 outputs may be one quantization step off (its epilogue's arithmetic is cuDNN's:
// docs/cuda_int8.md); any such difference is reported.
void expect_same(const Tensor& got, const Tensor& want, const std::string& what,
                 const std::string& tactic = "") {
  ASSERT_EQ(got.shape(), want.shape()) << what;
  ASSERT_EQ(got.dtype(), want.dtype()) << what;
  ASSERT_EQ(got.nbytes(), want.nbytes());
  const bool cudnn = tactic == "cudnn" || tactic == "cudnn_pad";
  const float steps = cudnn && got.dtype() == DataType::kInt8 ? 1.f : 0.f;
  int64_t diffs = 0, within = 0, first = -1;
  const auto gv = got.to_float_vector(), wv = want.to_float_vector();
  for (size_t i = 0; i < gv.size(); ++i)
    if (std::memcmp(&gv[i], &wv[i], sizeof(float)) != 0) {
      if (std::abs(gv[i] - wv[i]) <= steps) {
        ++within;
        continue;
      }
      if (first < 0) first = static_cast<int64_t>(i);
      ++diffs;
    }
  if (within) std::cout << "[ STEP     ] " << what << ": " << within << " one step off\n";
  EXPECT_EQ(diffs, 0) << what << ": " << diffs << " of " << gv.size() << " differ, first at "
                      << first << " (" << (first >= 0 ? gv[first] : 0.f) << " vs "
                      << (first >= 0 ? wv[first] : 0.f) << ")";
}

// Every tactic, those not yet chosen by tuning (int8_gemm.h) too; "" is the default.
constexpr const char* kTactics[] = {"",          "direct",    "igemm64",   "igemm128", "cublaslt",
                                    "igemm64s",  "igemm128s", "depthwise", "dw16x2",   "dw16x4",
                                    "igemm_pad", "cudnn",     "cudnn_pad", "im2col",   "im2col_s",
                                    "im2col_l2", "small16",   "s2d64",     "s2d64s",   "s2d128s",
                                    "s2d64fs",   "igemm64f",  "igemm64fs", "pw16",     "pwmma"};

struct EpilogueCase {
  bool int8_out;
  int residual;  // 0 none, 1 i8, 2 f32
  const char* activation;
};
constexpr EpilogueCase kEpilogues[] = {{true, 0, ""},     {true, 1, "relu"},  {false, 2, "clip"},
                                       {true, 2, "clip"}, {false, 0, "relu"}, {false, 1, ""}};

// Scales that spread the outputs over the int8 range for dot products of `depth` products.
void add_epilogue(std::vector<Tensor>& inputs, Attrs& attrs, const EpilogueCase& e,
                  int64_t channels, int64_t depth, const std::vector<int64_t>& out_nchw,
                  uint32_t seed, const char* in_scale_attr) {
  const float in_scale = 0.02f;
  attrs[in_scale_attr] = in_scale;
  inputs.push_back(test::random_tensor({channels}, seed + 1, 0.001f, 0.01f));
  inputs.push_back(test::random_tensor({channels}, seed + 2, -2.f, 2.f));
  const float spread = in_scale * 0.0055f * 74.f * 74.f * std::sqrt(static_cast<float>(depth));
  if (e.residual == 1) {
    inputs.push_back(random_i8(out_nchw, seed + 3));
    attrs["r_scale"] = spread / 100.f;
  } else if (e.residual == 2) {
    inputs.push_back(test::random_tensor(out_nchw, seed + 3, -spread, spread));
  }
  if (e.int8_out) attrs["y_scale"] = spread / 40.f;
  if (std::string(e.activation) == "relu") attrs["activation"] = std::string("relu");
  if (std::string(e.activation) == "clip") {
    attrs["activation"] = std::string("clip");
    attrs["clip_min"] = -spread / 2.f;
    attrs["clip_max"] = spread;
  }
}

struct ConvCase {
  int64_t n, c, k, h, w, kh, kw, stride, pad, dilation, group;
  // Optional: another stride and begin pad along the width, other end (bottom, right) pads.
  int64_t stride_w = 0;                     // 0: `stride`
  int64_t pad_w = -1;                       // -1: `pad`
  int64_t pad_bottom = -1, pad_right = -1;  // -1: the begin pad of the axis
  int64_t sw() const { return stride_w > 0 ? stride_w : stride; }
  int64_t pw() const { return pad_w >= 0 ? pad_w : pad; }
  int64_t pb() const { return pad_bottom >= 0 ? pad_bottom : pad; }
  int64_t pr() const { return pad_right >= 0 ? pad_right : pw(); }
  bool symmetric() const { return sw() == stride && pw() == pad && pb() == pad && pr() == pad; }
};

cuda::Int8ConvShape shape_of(const ConvCase& t) {
  cuda::Int8ConvShape s;
  s.n = t.n;
  s.h = t.h;
  s.w = t.w;
  s.c = t.c;
  s.k = t.k;
  s.kernel_h = t.kh;
  s.kernel_w = t.kw;
  s.stride_h = t.stride;
  s.stride_w = t.sw();
  s.pad_h = t.pad;
  s.pad_w = t.pw();
  s.dilation_h = s.dilation_w = t.dilation;
  s.group = t.group;
  s.out_h = (t.h + t.pad + t.pb() - (t.kh - 1) * t.dilation - 1) / t.stride + 1;
  s.out_w = (t.w + t.pw() + t.pr() - (t.kw - 1) * t.dilation - 1) / t.sw() + 1;
  return s;
}

// Every tactic of `tactics` that fits (all of kTactics when empty), on a workspace of
// `workspace_bytes`.
void check_conv(const ConvCase& t, uint32_t seed, const std::vector<std::string>& tactics = {},
                size_t workspace_bytes = cuda::kDefaultWorkspaceBytes) {
  const cuda::Int8ConvShape s = shape_of(t);
  const EpilogueCase& e = kEpilogues[seed % std::size(kEpilogues)];
  std::vector<Tensor> inputs{random_i8({t.n, t.c, t.h, t.w}, seed),
                             random_i8({t.k, t.c / t.group, t.kh, t.kw}, seed + 7)};
  Attrs attrs{{"strides", std::vector<int64_t>{t.stride, t.sw()}},
              {"pads", std::vector<int64_t>{t.pad, t.pw(), t.pb(), t.pr()}},
              {"dilations", std::vector<int64_t>{t.dilation, t.dilation}},
              {"group", t.group}};
  add_epilogue(inputs, attrs, e, t.k, s.depth(), {t.n, t.k, s.out_h, s.out_w}, seed, "x_scale");
  const Tensor want = permute4(test::run_op("ConvInt8", inputs, attrs)[0], true);
  std::vector<Tensor> nhwc = inputs;
  nhwc[0] = permute4(inputs[0], true);
  if (nhwc.size() > 4) nhwc[4] = permute4(inputs[4], true);
  attrs["channels_last"] = int64_t{1};
  const ir::TensorType out{want.dtype(), want.shape()};
  const std::vector<std::string> all(std::begin(kTactics), std::end(kTactics));
  for (const std::string& tactic : tactics.empty() ? all : tactics) {
    if (!tactic.empty() && !cuda::int8_conv_tactic_fits(s, tactic)) continue;
    for (bool passes : {false, true}) {
      const std::string what =
          "conv n" + std::to_string(t.n) + " c" + std::to_string(t.c) + " k" + std::to_string(t.k) +
          " " + std::to_string(t.h) + "x" + std::to_string(t.w) + " kernel " +
          std::to_string(t.kh) + "x" + std::to_string(t.kw) + " s" + std::to_string(t.stride) +
          " p" + std::to_string(t.pad) + " d" + std::to_string(t.dilation) + " g" +
          std::to_string(t.group) +
          (t.symmetric() ? std::string()
                         : " stride_w " + std::to_string(t.sw()) + " pads " +
                               std::to_string(t.pad) + "," + std::to_string(t.pw()) + "," +
                               std::to_string(t.pb()) + "," + std::to_string(t.pr())) +
          " tactic '" + tactic + "'" + (passes ? " packed" : "") + " epilogue " +
          std::to_string(seed % std::size(kEpilogues));
      expect_same(run_cuda_nhwc("ConvInt8", nhwc, attrs, out, tactic, passes, workspace_bytes),
                  want, what + " workspace " + std::to_string(workspace_bytes), tactic);
    }
  }
}

TEST(CudaInt8, ConvMatchesReference) {
  QRT_SKIP_WITHOUT_GPU();
  const ConvCase cases[] = {
      {2, 3, 5, 9, 11, 3, 3, 1, 1, 1, 1},         // direct: 3 channels
      {3, 17, 33, 7, 7, 3, 3, 2, 1, 1, 1},        // direct: odd channels, stride 2
      {2, 32, 48, 13, 9, 3, 3, 1, 1, 1, 1},       // igemm, 48 channels
      {1, 64, 130, 10, 10, 3, 3, 2, 1, 1, 1},     // two channel tiles with a tail
      {64, 48, 33, 7, 7, 1, 1, 1, 0, 1, 1},       // 1x1, batch 64, odd K
      {65, 64, 64, 8, 8, 1, 1, 1, 0, 1, 1},       // 1x1: cuBLASLt too
      {2, 32, 32, 11, 11, 3, 3, 1, 2, 2, 1},      // dilation 2
      {2, 33, 33, 9, 9, 3, 3, 2, 1, 1, 33},       // depthwise, stride 2
      {2, 32, 32, 10, 10, 3, 3, 1, 1, 1, 32},     // depthwise
      {2, 16, 32, 6, 6, 3, 3, 1, 1, 1, 16},       // depthwise, multiplier 2
      {64, 96, 96, 7, 7, 3, 3, 2, 1, 1, 96},      // depthwise, batch 64, stride 2
      {1, 8, 8, 5, 6, 3, 3, 1, 2, 2, 8},          // depthwise, dilation 2
      {1, 48, 48, 9, 7, 3, 3, 1, 1, 1, 48},       // depthwise dp4a: odd width (a tail pixel)
      {3, 144, 144, 15, 13, 3, 3, 2, 1, 1, 144},  // depthwise dp4a, stride 2
      {2, 16, 16, 6, 5, 3, 3, 1, 2, 2, 16},       // depthwise dp4a, dilation 2
      {2, 32, 32, 5, 9, 3, 3, 1, 0, 1, 32},       // depthwise dp4a, no padding
      {2, 64, 64, 7, 7, 3, 3, 1, 1, 1, 2},        // grouped GEMM (32 per group)
      {1, 48, 48, 5, 5, 3, 3, 1, 1, 1, 3},        // grouped GEMM (16 per group)
      {2, 5, 6, 8, 8, 3, 3, 1, 1, 1, 1},          // direct: 5 channels
      {3, 3, 64, 23, 21, 7, 7, 2, 3, 1, 1},       // an RGB stem: 7x7 stride 2 (cudnn_pad)
      {1, 16, 24, 9, 13, 5, 5, 2, 2, 1, 1},       // 5x5 stride 2
      {4, 256, 64, 14, 14, 3, 3, 1, 1, 1, 1},     // deep: 36 k-tiles
      {1, 1024, 256, 7, 7, 1, 1, 1, 0, 1, 1},     // 1x1, 1024 deep
      {2, 64, 256, 15, 15, 1, 1, 2, 0, 1, 1},     // 1x1 stride 2 (a downsample)
      {2, 1, 64, 17, 13, 3, 3, 1, 1, 1, 1},       // a U-Net's grey first layer (small16)
      {3, 64, 2, 9, 7, 1, 1, 1, 0, 1, 1},         // a 2-class 1x1 classifier (small16)
      {1, 32, 16, 6, 6, 3, 3, 2, 1, 1, 1},        // 16 output channels, 3x3 stride 2 (small16)
      {2, 48, 20, 5, 5, 3, 3, 1, 1, 2, 1},        // 20 outputs: two channel blocks, dilation 2
      {3, 24, 144, 9, 7, 1, 1, 1, 0, 1, 1},       // MobileNetV2's expansion (pw16: 9 blocks)
      {2, 16, 96, 11, 13, 1, 1, 1, 0, 1, 1},      // MobileNetV2's first expansion (pw16)
      {1, 20, 37, 17, 15, 1, 1, 1, 0, 1, 1},      // pw16: 5 words, a 5-channel tail block
      {4, 4, 16, 9, 9, 1, 1, 1, 0, 1, 1},         // pw16: one word, one block
      {2, 64, 24, 7, 9, 1, 1, 1, 0, 1, 1},        // pw16: 16 words, a tail block of 8
      {1, 64, 208, 5, 7, 1, 1, 1, 0, 1, 1},       // pwmma: two channel blocks (192 + 16)
      {2, 32, 384, 3, 5, 1, 1, 1, 0, 1, 1},       // pwmma: two full channel blocks
      {1, 12, 40, 3, 3, 1, 1, 1, 0, 1, 1},        // pwmma: 9 pixels, a 72-byte tail run
      {3, 8, 8, 1, 1, 1, 1, 1, 0, 1, 1},          // pwmma: one n-tile, 3 pixels
  };
  uint32_t seed = 1;
  for (const ConvCase& t : cases) check_conv(t, seed++);
}

// "pwmma" and "patchmma" with every epilogue: MobileNetV2's first expansion, a 24-channel
// projection (rows of 24 bytes), one large enough that each block walks several pixel tiles
// (grid stride); patches: an RGB 3x3 stride-2 stem, a grey 3x3 first layer, a 63-deep dilated
// patch (4 k-steps) with asymmetric pads, a 1x1 over 3 channels.
TEST(CudaInt8, MmaConvMatchesReference) {
  QRT_SKIP_WITHOUT_GPU();
  const ConvCase cases[] = {
      {2, 16, 96, 23, 29, 1, 1, 1, 0, 1, 1},   {1, 64, 24, 31, 17, 1, 1, 1, 0, 1, 1},
      {4, 16, 32, 200, 200, 1, 1, 1, 0, 1, 1}, {2, 3, 32, 37, 41, 3, 3, 2, 1, 1, 1},
      {1, 1, 64, 45, 39, 3, 3, 1, 1, 1, 1},    {2, 7, 24, 15, 16, 3, 3, 1, 1, 2, 1, 2, 0, 2, 1},
      {3, 3, 16, 9, 11, 1, 1, 1, 0, 1, 1},
  };
  for (const ConvCase& t : cases)
    for (uint32_t seed = 60; seed < 60 + std::size(kEpilogues); ++seed)
      check_conv(t, seed, {"pwmma", "patchmma"});
}

// The explicit im2col tactics (and the others that fit) on first layers with few channels:
// grey and RGB inputs, 1x1 to 7x7, strides, pads, dilation, more than one channel tile, patch
// rows from 16 to 448 bytes, every epilogue.
TEST(CudaInt8, Im2colMatchesReference) {
  QRT_SKIP_WITHOUT_GPU();
  const ConvCase cases[] = {
      {1, 1, 64, 17, 19, 3, 3, 1, 1, 1, 1},  // the U-Net's grey first layer, depth 9 -> 16
      {5, 3, 32, 15, 16, 3, 3, 2, 1, 1, 1},  // MobileNetV2's stem, depth 27 -> 32
      {2, 3, 70, 13, 13, 7, 7, 2, 3, 1, 1},  // 7x7 stem, 70 channels: two tiles of 64
      {3, 7, 20, 9, 8, 3, 3, 1, 2, 2, 1},    // dilation 2, 7 channels
      {2, 20, 12, 6, 7, 3, 3, 1, 1, 1, 1},   // 20 channels: depth 180 -> 192
      {3, 5, 9, 4, 5, 1, 1, 1, 0, 1, 1},     // 1x1, 5 channels
      {1, 2, 130, 11, 9, 5, 5, 3, 2, 1, 1},  // stride 3, 130 channels (128 tile with a tail)
      {2, 9, 16, 12, 12, 7, 7, 1, 3, 1, 1},  // depth 441 -> 448
      {4, 3, 64, 32, 32, 7, 7, 2, 3, 1, 1},  // ResNet's stem, smaller image
      {1, 4, 8, 3, 3, 3, 3, 1, 0, 1, 1},     // one output pixel
  };
  const std::vector<std::string> tactics{"",       "direct",   "igemm_pad",
                                         "im2col", "im2col_s", "im2col_l2"};
  uint32_t seed = 300;
  for (const ConvCase& t : cases)
    for (int i = 0; i < 2; ++i) check_conv(t, seed++, tactics);
}

// The space-to-depth tactics (space_to_depth_int8.h) on first layers with few channels:
// ResNet's and MobileNetV2's stems at small odd sizes, grey and 4-channel inputs, strides 2 to 4,
// a rearranged pixel of 64 channels, more than one 128-channel tile, different strides and pads
// per axis, end pads other than the begin pads, a 1x1 image, batches 1 to 3, every epilogue.
TEST(CudaInt8, SpaceToDepthMatchesReference) {
  QRT_SKIP_WITHOUT_GPU();
  const ConvCase cases[] = {
      {1, 3, 64, 37, 29, 7, 7, 2, 3, 1, 1},     // ResNet's stem, odd sizes: 4x4 taps of 16 channels
      {3, 3, 64, 37, 29, 7, 7, 2, 3, 1, 1},     // the same, batch 3
      {3, 3, 32, 15, 17, 3, 3, 2, 1, 1, 1},     // MobileNetV2's stem: 2x2 taps
      {1, 3, 32, 16, 16, 3, 3, 2, 1, 1, 1},     // even sizes
      {2, 1, 64, 17, 19, 3, 3, 2, 1, 1, 1},     // grey: 4 real channels of 16
      {3, 4, 40, 13, 11, 5, 5, 2, 2, 1, 1},     // 4 channels, 5x5
      {1, 16, 24, 9, 13, 5, 5, 2, 2, 1, 1},     // 64 channels per block, 576 deep
      {2, 3, 130, 14, 10, 7, 7, 2, 3, 1, 1},    // 130 output channels: a 128 tile with a tail
      {2, 3, 20, 16, 17, 3, 3, 3, 1, 1, 1},     // stride 3: 27 channels -> 32
      {1, 4, 16, 15, 15, 4, 4, 4, 0, 1, 1},     // stride = kernel 4 (patches), no pads
      {2, 3, 24, 19, 14, 7, 7, 2, 3, 1, 1, 1},  // stride 2 x 1: blocks of 2 x 1 pixels
      {3, 3, 32, 16, 15, 3, 3, 2, 0, 1, 1, 0, -1, 1, 1},  // pads 0 begin, 1 end (TF's SAME)
      {1, 2, 48, 11, 12, 3, 5, 2, 2, 1, 1, 3, 1, 0, 3},   // 3x5, stride 2x3, pads 2,1 / 0,3
      {1, 3, 8, 3, 3, 3, 3, 2, 1, 1, 1},                  // 2x2 output pixels
      {2, 3, 64, 1, 1, 7, 7, 2, 3, 1, 1},                 // a 1x1 image
  };
  const std::vector<std::string> tactics{"im2col_s", "s2d64", "s2d64s", "s2d128s", "s2d64fs"};
  uint32_t seed = 500;
  for (const ConvCase& t : cases) {
    std::string why;
    ASSERT_TRUE(cuda::int8_conv_tactic_fits(shape_of(t), "s2d64", &why)) << why;
    for (int i = 0; i < 2; ++i) check_conv(t, seed++, tactics);
  }
}

// The int32 sums of a group-1 convolution without dilation over X NHWC and W in `w`'s order:
// [n, out_h, out_w, k].
std::vector<int32_t> strided_sums(const cuda::Int8ConvShape& s, const int8_t* x,
                                  const cuda::Int8Weights& w) {
  std::vector<int32_t> out(static_cast<size_t>(s.pixels() * s.k));
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t oh = 0; oh < s.out_h; ++oh)
      for (int64_t ow = 0; ow < s.out_w; ++ow)
        for (int64_t o = 0; o < s.k; ++o) {
          int32_t acc = 0;
          for (int64_t kh = 0; kh < s.kernel_h; ++kh) {
            const int64_t ih = oh * s.stride_h - s.pad_h + kh;
            if (ih < 0 || ih >= s.h) continue;
            for (int64_t kw = 0; kw < s.kernel_w; ++kw) {
              const int64_t iw = ow * s.stride_w - s.pad_w + kw;
              if (iw < 0 || iw >= s.w) continue;
              for (int64_t ci = 0; ci < s.c; ++ci)
                acc += int32_t{x[((n * s.h + ih) * s.w + iw) * s.c + ci]} *
                       int32_t{w.data[o * w.out + ci * w.in + kh * w.tap_h + kw * w.tap_w]};
            }
          }
          out[static_cast<size_t>(((n * s.out_h + oh) * s.out_w + ow) * s.k + o)] = acc;
        }
  return out;
}

// The same sums as the space-to-depth tactics compute them: X' from the kernel's own chunk
// function, W' from its own weight offsets, then the stride-1 convolution over X' with the
// implicit GEMM's bounds (taps outside X' read zeros).
std::vector<int32_t> space_to_depth_sums(const cuda::Int8ConvShape& s, const int8_t* x,
                                         const cuda::Int8Weights& w) {
  const cuda::SpaceToDepth g = cuda::space_to_depth_geometry(s);
  const cuda::Int8ConvShape& t = g.gemm;
  EXPECT_EQ(t.c % 16, 0);
  EXPECT_EQ(t.stride_h, 1);
  EXPECT_EQ(t.stride_w, 1);
  std::vector<int8_t> xs(static_cast<size_t>(t.n * t.h * t.w * t.c), 99);
  for (int64_t n = 0; n < t.n; ++n)
    for (int64_t i = 0; i < t.h; ++i)
      for (int64_t j = 0; j < t.w; ++j)
        for (int64_t q = 0; q < t.c / 16; ++q) {
          uint32_t words[4];
          cuda::space_to_depth_chunk(s, g, x + n * s.h * s.w * s.c, static_cast<int>(i),
                                     static_cast<int>(j), static_cast<int>(q), words);
          for (int b = 0; b < 16; ++b)  // the int4 store's byte order (little-endian)
            xs[static_cast<size_t>(((n * t.h + i) * t.w + j) * t.c + q * 16 + b)] =
                static_cast<int8_t>(words[b / 4] >> (8 * (b % 4)));
        }
  std::vector<int8_t> ws(static_cast<size_t>(t.k * t.depth()), 99);
  for (int64_t o = 0; o < t.k; ++o)
    for (int64_t th = 0; th < t.kernel_h; ++th)
      for (int64_t tw = 0; tw < t.kernel_w; ++tw)
        for (int64_t cc = 0; cc < t.c; ++cc) {
          const int64_t from = cuda::space_to_depth_weight_offset(s, g, w, o, th, tw, cc);
          ws[static_cast<size_t>(((o * t.kernel_h + th) * t.kernel_w + tw) * t.c + cc)] =
              from < 0 ? int8_t{0} : w.data[from];
        }
  // The stride-1 convolution over X' with W' in OHWI order: taps outside X' add nothing.
  return strided_sums(t, xs.data(), cuda::Int8Weights::ohwi(ws.data(), t));
}

// The space-to-depth index arithmetic on the host (no GPU needed): the rearranged convolution
// gives the strided one's sums for ResNet's and MobileNetV2's stems and for random shapes
// (strides 1 to 4 per axis, kernels 1 to 7, pads 0 to 4 per side, 1 to 16 channels), with the
// weights in ONNX order and in OHWI order.
TEST(CudaInt8, SpaceToDepthSumsOnTheHost) {
  std::vector<ConvCase> cases{
      {2, 3, 4, 37, 29, 7, 7, 2, 3, 1, 1},               // ResNet's stem
      {2, 3, 4, 15, 17, 3, 3, 2, 1, 1, 1},               // MobileNetV2's stem
      {1, 2, 3, 11, 12, 3, 5, 2, 2, 1, 1, 3, 1, 0, 3},   // per-axis strides and pads
      {1, 3, 3, 16, 15, 3, 3, 2, 0, 1, 1, 0, -1, 1, 1},  // TF's SAME pads
      {2, 3, 2, 1, 1, 7, 7, 2, 3, 1, 1},                 // a 1x1 image
  };
  std::mt19937 rng(7);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  while (cases.size() < 300) {
    ConvCase t{pick(1, 2),  pick(1, 16), pick(1, 3), pick(1, 13),
               pick(1, 13), pick(1, 7),  pick(1, 7), pick(1, 4),
               pick(0, 4),  1,           1};
    t.stride_w = pick(1, 4);
    t.pad_w = pick(0, 4);
    t.pad_bottom = pick(0, 4);
    t.pad_right = pick(0, 4);
    const cuda::Int8ConvShape s = shape_of(t);
    if (t.h + t.pad + t.pb() < t.kh || t.w + t.pw() + t.pr() < t.kw) continue;  // no output
    if (!cuda::space_to_depth_fits(s)) continue;
    cases.push_back(t);
  }
  uint32_t seed = 900;
  int64_t checked = 0;
  for (const ConvCase& t : cases) {
    const cuda::Int8ConvShape s = shape_of(t);
    std::string why;
    ASSERT_TRUE(cuda::space_to_depth_fits(s, &why)) << why;
    ASSERT_GT(s.pixels(), 0);
    const Tensor x = random_i8({t.n, t.h, t.w, t.c}, seed++);
    const Tensor w = random_i8({t.k, t.c, t.kh, t.kw}, seed++);
    const cuda::Int8Weights oihw = cuda::Int8Weights::oihw(w.data_as<int8_t>(), s);
    // The same weights in OHWI order, as the backend pass packs them.
    std::vector<int8_t> packed(static_cast<size_t>(w.numel()));
    for (int64_t o = 0; o < t.k; ++o)
      for (int64_t ci = 0; ci < t.c; ++ci)
        for (int64_t kh = 0; kh < t.kh; ++kh)
          for (int64_t kw = 0; kw < t.kw; ++kw)
            packed[static_cast<size_t>(((o * t.kh + kh) * t.kw + kw) * t.c + ci)] =
                w.data_as<int8_t>()[((o * t.c + ci) * t.kh + kh) * t.kw + kw];
    const cuda::Int8Weights ohwi = cuda::Int8Weights::ohwi(packed.data(), s);
    const std::string what = "n" + std::to_string(t.n) + " c" + std::to_string(t.c) + " " +
                             std::to_string(t.h) + "x" + std::to_string(t.w) + " kernel " +
                             std::to_string(t.kh) + "x" + std::to_string(t.kw) + " strides " +
                             std::to_string(t.stride) + "," + std::to_string(t.sw()) + " pads " +
                             std::to_string(t.pad) + "," + std::to_string(t.pw()) + "," +
                             std::to_string(t.pb()) + "," + std::to_string(t.pr());
    const std::vector<int32_t> want = strided_sums(s, x.data_as<int8_t>(), oihw);
    EXPECT_EQ(space_to_depth_sums(s, x.data_as<int8_t>(), oihw), want) << what << " (oihw)";
    EXPECT_EQ(space_to_depth_sums(s, x.data_as<int8_t>(), ohwi), want) << what << " (ohwi)";
    ++checked;
  }
  EXPECT_EQ(checked, 300);
}

// The rearranged problems of the two stems, and the fit rule (pure host logic: runs without a GPU
// too).
TEST(CudaInt8, SpaceToDepthGeometryAndFit) {
  const cuda::Int8ConvShape resnet = shape_of({256, 3, 64, 224, 224, 7, 7, 2, 3, 1, 1});
  const cuda::SpaceToDepth r = cuda::space_to_depth_geometry(resnet);
  // a in [floor(-3 / 2), floor(3 / 2)] = [-2, 1]: 4 taps, begin pad 2, over 112 x 112 blocks.
  EXPECT_EQ(r.block_channels, 12);
  EXPECT_EQ(r.gemm.c, 16);
  EXPECT_EQ(r.gemm.kernel_h, 4);
  EXPECT_EQ(r.gemm.kernel_w, 4);
  EXPECT_EQ(r.gemm.pad_h, 2);
  EXPECT_EQ(r.gemm.pad_w, 2);
  EXPECT_EQ(r.gemm.h, 112);
  EXPECT_EQ(r.gemm.w, 112);
  EXPECT_EQ(r.gemm.out_h, 112);
  EXPECT_EQ(r.gemm.depth(), 256);
  const cuda::Int8ConvShape mobilenet = shape_of({64, 3, 32, 224, 224, 3, 3, 2, 1, 1, 1});
  const cuda::SpaceToDepth m = cuda::space_to_depth_geometry(mobilenet);
  // a in [floor(-1 / 2), floor(1 / 2)] = [-1, 0]: 2 taps, begin pad 1.
  EXPECT_EQ(m.gemm.kernel_h, 2);
  EXPECT_EQ(m.gemm.kernel_w, 2);
  EXPECT_EQ(m.gemm.pad_h, 1);
  EXPECT_EQ(m.gemm.pad_w, 1);
  EXPECT_EQ(m.gemm.depth(), 64);

  for (const cuda::Int8ConvShape& s : {resnet, mobilenet}) {
    const std::vector<std::string> tactics = cuda::int8_conv_tactics(s);
    for (const char* t : {"s2d64", "s2d64s", "s2d128s", "s2d64fs"})
      EXPECT_NE(std::find(tactics.begin(), tactics.end(), t), tactics.end()) << t;
  }
  // 11x11 stride 2 over 4 channels: 6x6 taps of 16 = 576 deep, beyond the 2-stage GEMM's 256.
  const cuda::Int8ConvShape deep = shape_of({1, 4, 8, 64, 64, 11, 11, 2, 5, 1, 1});
  EXPECT_TRUE(cuda::int8_conv_tactic_fits(deep, "s2d64s"));
  std::string deep_why;
  EXPECT_FALSE(cuda::int8_conv_tactic_fits(deep, "s2d64fs", &deep_why));
  EXPECT_NE(deep_why.find("deeper than 256"), std::string::npos) << deep_why;
  const struct {
    ConvCase conv;
    const char* reason;
  } misfits[] = {
      {{1, 3, 64, 32, 32, 3, 3, 1, 1, 1, 1}, "stride 1"},
      {{1, 4, 8, 16, 16, 3, 3, 2, 1, 1, 2}, "grouped"},
      {{1, 3, 8, 16, 16, 3, 3, 2, 2, 2, 1}, "dilated"},
      {{1, 17, 8, 16, 16, 3, 3, 2, 1, 1, 1}, "not few channels"},
      {{1, 16, 8, 64, 64, 11, 11, 2, 5, 1, 1}, "deep"},  // 6x6 taps of 64 channels
  };
  for (const auto& m2 : misfits) {
    const cuda::Int8ConvShape s = shape_of(m2.conv);
    for (const char* t : {"s2d64", "s2d64s", "s2d128s", "s2d64fs"}) {
      std::string why;
      EXPECT_FALSE(cuda::int8_conv_tactic_fits(s, t, &why)) << m2.reason;
      EXPECT_NE(why.find(m2.reason), std::string::npos) << why;
    }
  }
}

// A workspace that holds two images' padded input, patch matrix or rearranged input: the
// chunked tactics take three chunks, the last one partial (5 images); one that holds none gives
// a clear error.
TEST(CudaInt8, ChunkedTacticsOnASmallWorkspace) {
  QRT_SKIP_WITHOUT_GPU();
  const ConvCase t{5, 3, 24, 20, 18, 7, 7, 2, 3, 1, 1};
  const cuda::Int8ConvShape s = shape_of(t);
  // im2col: weights 24 x 160 (3840 bytes, 256-aligned), a patch image 10 x 9 x 160 = 14400;
  // igemm_pad: weights 24 x 49 x 16 -> 18944, a padded image 20 x 18 x 16 = 5760.
  ASSERT_EQ(s.out_h * s.out_w, 90);
  const size_t workspace = 3840 + 2 * 14400 + 100;
  ASSERT_EQ((workspace - 18944) / 5760, 2u);
  for (uint32_t seed = 400; seed < 400 + std::size(kEpilogues); ++seed)
    check_conv(t, seed, {"igemm_pad", "im2col", "im2col_s", "im2col_l2"}, workspace);
  // s2d: weights 24 x 4 x 4 x 16 = 6144 bytes, a rearranged image 10 x 9 x 16 = 1440.
  const cuda::SpaceToDepth g = cuda::space_to_depth_geometry(s);
  ASSERT_EQ(g.gemm.k * g.gemm.depth(), 6144);
  ASSERT_EQ(g.gemm.h * g.gemm.w * g.gemm.c, 1440);
  for (uint32_t seed = 400; seed < 400 + std::size(kEpilogues); ++seed)
    check_conv(t, seed, {"s2d64", "s2d64s", "s2d128s", "s2d64fs"}, 6144 + 2 * 1440 + 100);

  std::vector<Tensor> inputs{random_i8({1, 18, 18, 3}, 1), random_i8({8, 3, 7, 7}, 2),
                             test::random_tensor({8}, 3, 0.001f, 0.01f)};
  const Attrs attrs{{"strides", std::vector<int64_t>{2, 2}},
                    {"pads", std::vector<int64_t>{3, 3, 3, 3}},
                    {"x_scale", 0.02f},
                    {"y_scale", 0.5f},
                    {"channels_last", int64_t{1}}};
  try {
    run_cuda_nhwc("ConvInt8", inputs, attrs, {DataType::kInt8, {1, 9, 9, 8}}, "im2col", false,
                  1024);
    ADD_FAILURE() << "a workspace of 1024 bytes took a 9x9x160 patch matrix";
  } catch (const Error& err) {
    EXPECT_NE(std::string(err.what()).find("workspace is too small"), std::string::npos)
        << err.what();
  }
  try {  // the rearranged weights alone (8 x 256 bytes) exceed it
    run_cuda_nhwc("ConvInt8", inputs, attrs, {DataType::kInt8, {1, 9, 9, 8}}, "s2d64", false, 1024);
    ADD_FAILURE() << "a workspace of 1024 bytes took the rearranged weights and input";
  } catch (const Error& err) {
    EXPECT_NE(std::string(err.what()).find("workspace is too small"), std::string::npos)
        << err.what();
  }
}

TEST(CudaInt8, ConvAllEpiloguesOnTheGemm) {
  QRT_SKIP_WITHOUT_GPU();
  for (uint32_t seed = 0; seed < std::size(kEpilogues); ++seed)
    check_conv({3, 32, 40, 6, 7, 3, 3, 1, 1, 1, 1}, 100 + seed);
}

TEST(CudaInt8, ConvBatch256) {
  QRT_SKIP_WITHOUT_GPU();
  check_conv({256, 16, 16, 5, 5, 3, 3, 1, 1, 1, 1}, 201);
}

void check_matmul(const std::vector<int64_t>& a_shape, int64_t n, uint32_t seed) {
  const int64_t k = a_shape.back();
  const EpilogueCase& e = kEpilogues[seed % std::size(kEpilogues)];
  std::vector<Tensor> inputs{random_i8(a_shape, seed), random_i8({k, n}, seed + 7)};
  std::vector<int64_t> out_shape = a_shape;
  out_shape.back() = n;
  Attrs attrs;
  add_epilogue(inputs, attrs, e, n, k, out_shape, seed, "a_scale");
  const Tensor want = test::run_op("MatMulInt8", inputs, attrs)[0];
  cuda::Int8ConvShape s;
  s.w = s.out_w = shape_numel(a_shape) / k;
  s.c = k;
  s.k = n;
  for (const char* tactic : kTactics) {
    if (*tactic && !cuda::int8_conv_tactic_fits(s, tactic)) continue;
    for (bool passes : {false, true})
      expect_same(
          run_cuda_nhwc("MatMulInt8", inputs, attrs, {want.dtype(), want.shape()}, tactic, passes),
          want,
          "matmul rows " + std::to_string(s.w) + " k" + std::to_string(k) + " n" +
              std::to_string(n) + " tactic '" + tactic + "'" + (passes ? " packed" : ""),
          tactic);
  }
}

TEST(CudaInt8, MatMulMatchesReference) {
  QRT_SKIP_WITHOUT_GPU();
  check_matmul({2, 37, 64}, 40, 1);
  check_matmul({5, 17}, 9, 2);
  check_matmul({300, 128}, 256, 3);
  check_matmul({3, 4, 33}, 17, 4);
  check_matmul({1, 768}, 1000, 5);
}

struct TransposeCase {
  int64_t n, c, k, h, w, kernel, stride, pad, output_padding, dilation, group;
};

TEST(CudaInt8, ConvTransposeMatchesReference) {
  QRT_SKIP_WITHOUT_GPU();
  const TransposeCase cases[] = {
      {2, 32, 16, 7, 9, 2, 2, 0, 0, 1, 1},     // the U-Net's upsampling
      {1, 5, 3, 6, 5, 3, 2, 1, 1, 1, 1},       // pads, output padding
      {2, 8, 12, 5, 5, 3, 1, 1, 0, 1, 2},      // grouped
      {1, 6, 4, 4, 6, 3, 2, 2, 1, 2, 1},       // dilation 2
      {64, 16, 8, 4, 4, 2, 2, 0, 0, 1, 1},     // batch 64
      {1, 32, 80, 3, 5, 2, 2, 0, 0, 1, 1},     // more than 64 output channels
      {3, 48, 24, 5, 4, 3, 3, 0, 0, 1, 1},     // 3x3, stride 3
      {2, 64, 32, 6, 5, 2, 2, 0, 0, 1, 1},     // phases, 16 channels per thread
      {3, 16, 48, 4, 7, 2, 2, 0, 0, 1, 1},     // phases, 16 channels per thread
      {2, 128, 64, 17, 13, 2, 2, 0, 0, 1, 1},  // phases: several row tiles, the U-Net's last
      {1, 64, 192, 9, 11, 2, 2, 0, 0, 1, 1},   // phases: two 128-channel tiles, one partial
  };
  uint32_t seed = 50;
  for (const TransposeCase& t : cases) {
    const EpilogueCase& e = kEpilogues[seed % std::size(kEpilogues)];
    std::vector<Tensor> inputs{random_i8({t.n, t.c, t.h, t.w}, seed),
                               random_i8({t.c, t.k / t.group, t.kernel, t.kernel}, seed + 7)};
    Attrs attrs{{"strides", std::vector<int64_t>{t.stride, t.stride}},
                {"pads", std::vector<int64_t>{t.pad, t.pad, t.pad, t.pad}},
                {"output_padding", std::vector<int64_t>{t.output_padding, t.output_padding}},
                {"dilations", std::vector<int64_t>{t.dilation, t.dilation}},
                {"group", t.group}};
    const int64_t oh =
        (t.h - 1) * t.stride - 2 * t.pad + (t.kernel - 1) * t.dilation + 1 + t.output_padding;
    const int64_t ow =
        (t.w - 1) * t.stride - 2 * t.pad + (t.kernel - 1) * t.dilation + 1 + t.output_padding;
    add_epilogue(inputs, attrs, e, t.k, t.c / t.group * t.kernel * t.kernel, {t.n, t.k, oh, ow},
                 seed, "x_scale");
    const Tensor want = permute4(test::run_op("ConvTransposeInt8", inputs, attrs)[0], true);
    inputs[0] = permute4(inputs[0], true);
    if (inputs.size() > 4) inputs[4] = permute4(inputs[4], true);
    attrs["channels_last"] = int64_t{1};
    cuda::Int8ConvShape s;
    s.n = t.n;
    s.h = t.h;
    s.w = t.w;
    s.c = t.c;
    s.k = t.k;
    s.out_h = oh;
    s.out_w = ow;
    s.kernel_h = s.kernel_w = t.kernel;
    s.stride_h = s.stride_w = t.stride;
    s.pad_h = s.pad_w = t.pad;
    s.dilation_h = s.dilation_w = t.dilation;
    s.group = t.group;
    const std::vector<std::string> tactics = cuda::conv_transpose_int8_tactics(s);
    EXPECT_EQ(std::count(tactics.begin(), tactics.end(), "phases"),
              cuda::conv_transpose_phases_fit(s) ? 1 : 0);
    for (const std::string& tactic : tactics) {
      expect_same(run_cuda_nhwc("ConvTransposeInt8", inputs, attrs, {want.dtype(), want.shape()},
                                tactic, true),
                  want,
                  "conv transpose case " + std::to_string(seed - 50) + " tactic '" + tactic + "'");
    }
    ++seed;
  }
}

TEST(CudaInt8, WeightPassRepacksOnlyCudaNodes) {
  // Pure graph rewrite: runs without a GPU too.
  ir::Graph graph;
  ir::Value* x = graph.add_value("x");
  graph.inputs.push_back(x);
  ir::Value* w = graph.add_constant("w", random_i8({4, 3, 2, 2}, 9));
  ir::Value* w2 = graph.add_constant("w2", random_i8({4, 3, 2, 2}, 9));
  ir::Value* y = graph.add_value("y");
  ir::Value* y2 = graph.add_value("y2");
  ir::Node* gpu = graph.add_node("ConvInt8", "gpu", {x, w}, {y});
  ir::Node* cpu = graph.add_node("ConvInt8", "cpu", {x, w2}, {y2});
  gpu->backend = "cuda";
  gpu->attrs["channels_last"] = int64_t{1};
  cpu->backend = "reference";
  graph.outputs = {y, y2};
  for (const BackendPass& pass : backend_passes())
    if (pass.backend == "cuda") pass.run(graph);
  EXPECT_EQ(gpu->attr_string("weight_layout", ""), "ohwi");
  EXPECT_FALSE(cpu->has_attr("weight_layout"));
  EXPECT_EQ(cpu->input(1), w2);
  const Tensor& packed = *gpu->input(1)->constant;
  const Tensor& orig = *w2->constant;  // the same data as w
  ASSERT_EQ(packed.shape(), orig.shape());
  // [o, ci, kh, kw] -> [o, kh, kw, ci]
  EXPECT_EQ(packed.data_as<int8_t>()[((1 * 2 + 1) * 2 + 0) * 3 + 2],
            orig.data_as<int8_t>()[((1 * 3 + 2) * 2 + 1) * 2 + 0]);
}

// The U-Net's first and last upsamplings (ConvTranspose 2x2 stride 2, 1024 -> 512 channels at
// 32x32 and 128 -> 64 at 256x256, batch 1 and 16): the direct gather against the phase GEMMs.
void bench_unet_upsampling(const cuda::Resources& res) {
  struct Up {
    int64_t c, k, h;
  };
  for (const Up up : {Up{1024, 512, 32}, Up{128, 64, 256}})
    for (int64_t batch : {1, 16}) {
      cuda::Int8ConvShape s;
      s.n = batch;
      s.h = s.w = up.h;
      s.c = up.c;
      s.k = up.k;
      s.out_h = s.out_w = 2 * up.h;
      s.kernel_h = s.kernel_w = s.stride_h = s.stride_w = 2;
      const double ops = 2.0 * static_cast<double>(s.n * s.h * s.w * s.c * s.k * 4);
      std::cout << "[ BENCH    ] ConvTranspose 2x2 s2 " << s.c << "->" << s.k << " " << s.h << "x"
                << s.w << " batch " << batch << ":";
      for (const std::string& tactic : cuda::conv_transpose_int8_tactics(s)) {
        const float ms = cuda::time_conv_transpose_int8(s, tactic, res, 10);
        std::cout << "  '" << tactic << "' " << ms << " ms " << ops / (ms * 1e-3) / 1e12 << " TOPS";
      }
      std::cout << "\n";
    }
}

// ResNet-50 layers at batch 256: TOPS of each tactic beside cuDNN's legacy int8 convolution
// (GPU_FACTS.md; cuDNN takes one scalar alpha, so no per-channel epilogue there).
TEST(CudaInt8Bench, ResNet50Layers) {
  QRT_SKIP_WITHOUT_GPU();
  struct Layer {
    const char* name;
    ConvCase conv;
    double cudnn_tops;
  };
  const Layer layers[] = {
      {"3x3 C=K=64 56x56", {256, 64, 64, 56, 56, 3, 3, 1, 1, 1, 1}, 624},
      {"1x1 C=256 K=64 56x56", {256, 256, 64, 56, 56, 1, 1, 1, 0, 1, 1}, 267},
      {"3x3 C=K=256 14x14", {256, 256, 256, 14, 14, 3, 3, 1, 1, 1, 1}, 868},
      {"1x1 C=1024 K=256 14x14", {256, 1024, 256, 14, 14, 1, 1, 1, 0, 1, 1}, 0},
      {"1x1 C=64 K=256 56x56", {256, 64, 256, 56, 56, 1, 1, 1, 0, 1, 1}, 0},
      {"3x3 C=K=512 7x7", {256, 512, 512, 7, 7, 3, 3, 1, 1, 1, 1}, 752},
      {"dw 3x3 C=96 56x56 (MobileNetV2)", {256, 96, 96, 56, 56, 3, 3, 1, 1, 1, 96}, 0},
      {"dw 3x3 C=32 112x112 batch 64 (MobileNetV2's first)",
       {64, 32, 32, 112, 112, 3, 3, 1, 1, 1, 32},
       0},
      {"dw 3x3 s2 C=96 112x112 batch 64 (MobileNetV2)",
       {64, 96, 96, 112, 112, 3, 3, 2, 1, 1, 96},
       0},
      {"7x7 s2 C=3 K=64 224x224 (first conv)", {256, 3, 64, 224, 224, 7, 7, 2, 3, 1, 1}, 0},
  };
  cuda::StreamResources res;
  bench_unet_upsampling(res.get());
  for (const Layer& l : layers) {
    const cuda::Int8ConvShape s = shape_of(l.conv);
    const double ops = 2.0 * static_cast<double>(s.pixels()) * static_cast<double>(s.k) *
                       static_cast<double>(s.depth());
    std::cout << "[ BENCH    ] " << l.name << " (cuDNN int8 " << l.cudnn_tops << " TOPS):";
    for (const std::string& t : cuda::int8_conv_tactics(s)) {
      const float ms = cuda::time_int8_conv(s, t, res.get(), 20);
      std::cout << "  " << t << " " << ms << " ms " << ops / (ms * 1e-3) / 1e12 << " TOPS";
    }
    std::cout << "  -> tuned: " << cuda::tune_int8_conv(s, res.get()) << "\n";
  }
}

struct BenchLayer {
  const char* name;
  ConvCase conv;
};

// Every tactic that fits each layer, int8 out with ReLU as in the models, and what tuning picks.
void bench_layers_with_relu(std::span<const BenchLayer> layers) {
  cuda::StreamResources res;
  static int8_t out_marker = 0;
  cuda::Int8Epilogue form;
  form.y_i8 = &out_marker;
  form.clamps = 1;
  form.lo = 0.f;
  form.hi = std::numeric_limits<float>::infinity();
  for (const BenchLayer& l : layers) {
    const cuda::Int8ConvShape s = shape_of(l.conv);
    const double ops = 2.0 * static_cast<double>(s.pixels()) * static_cast<double>(s.k) *
                       static_cast<double>(s.depth());
    std::cout << "[ BENCH    ] " << l.name << ":";
    for (const std::string& t : cuda::int8_conv_tactics(s)) {
      if (t == "direct") continue;  // tens of ms on the 7x7 stem
      float ms = 0.f;
      try {
        ms = cuda::time_int8_conv(s, t, res.get(), 20, &form);
      } catch (const Error& err) {
        std::cout << "  " << t << " declined (" << err.what() << ")";
        continue;
      }
      std::cout << "  " << t << " " << ms << " ms " << ops / (ms * 1e-3) / 1e12 << " TOPS";
    }
    std::cout << "  -> tuned: " << cuda::tune_int8_conv(s, res.get(), &form) << "\n";
  }
}

// The first layers of the benchmark models (few input channels): the explicit im2col and
// space-to-depth (s2d*, the strided stems) against the padded implicit GEMM and cuDNN's padded
// graph.
TEST(CudaInt8Bench, Stems) {
  QRT_SKIP_WITHOUT_GPU();
  const BenchLayer layers[] = {
      {"ResNet-50 7x7 s2 C=3 K=64 224x224 batch 256", {256, 3, 64, 224, 224, 7, 7, 2, 3, 1, 1}},
      {"MobileNetV2 3x3 s2 C=3 K=32 224x224 batch 64", {64, 3, 32, 224, 224, 3, 3, 2, 1, 1, 1}},
      {"U-Net 3x3 C=1 K=64 512x512 batch 16", {16, 1, 64, 512, 512, 3, 3, 1, 1, 1, 1}},
  };
  bench_layers_with_relu(layers);
}

// MobileNetV2's slowest pointwise layers at batch 64 (H100 profile: 0.11-0.12 ms each on cuDNN,
// 4-10x their memory time): few channels in or out at 112x112 and 56x56.
TEST(CudaInt8Bench, MobileNetV2Pointwise) {
  QRT_SKIP_WITHOUT_GPU();
  const BenchLayer layers[] = {
      {"1x1 C=16 K=96 112x112 batch 64", {64, 16, 96, 112, 112, 1, 1, 1, 0, 1, 1}},
      {"1x1 C=24 K=144 56x56 batch 64", {64, 24, 144, 56, 56, 1, 1, 1, 0, 1, 1}},
      {"1x1 C=32 K=16 112x112 batch 64", {64, 32, 16, 112, 112, 1, 1, 1, 0, 1, 1}},
      {"1x1 C=144 K=24 56x56 batch 64", {64, 144, 24, 56, 56, 1, 1, 1, 0, 1, 1}},
      {"1x1 C=96 K=24 56x56 batch 64", {64, 96, 24, 56, 56, 1, 1, 1, 0, 1, 1}},
  };
  bench_layers_with_relu(layers);
}

// MobileNetV2's slowest depthwise layers at batch 64 (H100 profile: 0.03-0.10 ms each).
TEST(CudaInt8Bench, MobileNetV2Depthwise) {
  QRT_SKIP_WITHOUT_GPU();
  const BenchLayer layers[] = {
      {"3x3 dw C=144 56x56 batch 64", {64, 144, 144, 56, 56, 3, 3, 1, 1, 1, 144}},
      {"3x3 dw C=32 112x112 batch 64", {64, 32, 32, 112, 112, 3, 3, 1, 1, 1, 32}},
      {"3x3 dw s2 C=96 112x112 batch 64", {64, 96, 96, 112, 112, 3, 3, 2, 1, 1, 96}},
      {"3x3 dw C=576 14x14 batch 64", {64, 576, 576, 14, 14, 3, 3, 1, 1, 1, 576}},
  };
  bench_layers_with_relu(layers);
}

}  // namespace
}  // namespace qrt
