// The "cudnn" tactic of the CUDA int8 convolution (cudnn_int8_conv.h): what cuDNN's engines say
// about the graph on this GPU, how far its outputs are from the exact epilogue (the default
// tactic, igemm or direct, which CudaInt8.* checks bit for bit against the reference kernels),
// and its speed on ResNet-50 layers beside our own kernels (CudaInt8CudnnBench.*).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iostream>
#include <limits>
#include <random>
#include <sstream>
#include <vector>

#include "backends/cuda/cuda_check.h"
#include "backends/cuda/cuda_stream_resources.h"
#include "backends/cuda/cudnn_int8_conv.h"
#include "backends/cuda/int8_gemm.h"
#include "cuda/cuda_test_util.h"

namespace qrt {
namespace {

struct Case {
  int64_t n, c, k, h, w, kernel, stride, pad;
  int residual;  // 0 none, 1 int8, 2 f32
  bool int8_out;
  const char* activation;  // "", "relu", "clip"
};

cuda::Int8ConvShape shape_of(const Case& t) {
  cuda::Int8ConvShape s;
  s.n = t.n;
  s.h = t.h;
  s.w = t.w;
  s.c = t.c;
  s.k = t.k;
  s.kernel_h = s.kernel_w = t.kernel;
  s.stride_h = s.stride_w = t.stride;
  s.pad_h = s.pad_w = t.pad;
  s.out_h = (t.h + 2 * t.pad - t.kernel) / t.stride + 1;
  s.out_w = (t.w + 2 * t.pad - t.kernel) / t.stride + 1;
  return s;
}

std::string describe(const Case& t) {
  std::ostringstream out;
  out << "n" << t.n << " c" << t.c << " k" << t.k << " " << t.h << "x" << t.w << " " << t.kernel
      << "x" << t.kernel << " s" << t.stride << " p" << t.pad << " residual " << t.residual
      << (t.int8_out ? " int8" : " f32") << " out '" << t.activation << "'";
  return out.str();
}

template <typename T>
cuda::DeviceBuffer upload(const std::vector<T>& host) {
  cuda::DeviceBuffer buffer(std::max<size_t>(host.size() * sizeof(T), 1));
  QRT_CUDA_CHECK(
      cudaMemcpy(buffer.get(), host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice));
  return buffer;
}

std::vector<int8_t> random_i8(size_t n, std::mt19937& rng) {
  std::uniform_int_distribution<int> dist(-128, 127);
  std::vector<int8_t> v(n);
  for (auto& x : v) x = static_cast<int8_t>(dist(rng));
  return v;
}

std::vector<float> random_f32(size_t n, float lo, float hi, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

// Device operands of one case, the epilogue pointing at them (y unset).
struct Operands {
  cuda::DeviceBuffer x, w, scales, bias, residual;
  cuda::Int8Epilogue e;
};

Operands make_operands(const Case& t, const cuda::Int8ConvShape& s, uint32_t seed) {
  std::mt19937 rng(seed);
  const float in_scale = 0.02f;
  const float spread = in_scale * 0.0055f * 74.f * 74.f * std::sqrt(static_cast<float>(s.depth()));
  const size_t y_elems = static_cast<size_t>(s.pixels() * s.k);
  Operands o{upload(random_i8(static_cast<size_t>(s.n * s.h * s.w * s.c), rng)),
             upload(random_i8(static_cast<size_t>(s.k * s.depth()), rng)),
             upload(random_f32(static_cast<size_t>(s.k), 0.001f, 0.01f, rng)),
             upload(random_f32(static_cast<size_t>(s.k), -2.f, 2.f, rng)),
             t.residual == 1   ? upload(random_i8(y_elems, rng))
             : t.residual == 2 ? upload(random_f32(y_elems, -spread, spread, rng))
                               : cuda::DeviceBuffer(1),
             {}};
  cuda::Int8Epilogue& e = o.e;
  e.scales = static_cast<const float*>(o.scales.get());
  e.bias = static_cast<const float*>(o.bias.get());
  e.in_scale = in_scale;
  if (t.residual == 1) {
    e.residual_i8 = static_cast<const int8_t*>(o.residual.get());
    e.r_scale = spread / 100.f;
  } else if (t.residual == 2) {
    e.residual_f32 = static_cast<const float*>(o.residual.get());
  }
  const std::string activation = t.activation;
  e.clamps = !activation.empty();
  e.lo = activation == "relu"   ? 0.f
         : activation == "clip" ? -spread / 2.f
                                : -std::numeric_limits<float>::infinity();
  e.hi = activation == "clip" ? spread : std::numeric_limits<float>::infinity();
  if (t.int8_out) e.inv_y_scale = 1.f / (spread / 40.f);
  return o;
}

// Runs `tactic` into a fresh output and downloads it (int8: bytes; f32: floats as bytes).
std::vector<uint8_t> run(const cuda::Int8ConvShape& s, const Operands& o, bool int8_out,
                         const std::string& tactic, const cuda::Resources& res) {
  const size_t bytes = static_cast<size_t>(s.pixels() * s.k) * (int8_out ? 1 : 4);
  cuda::DeviceBuffer y(std::max<size_t>(bytes, 1));
  QRT_CUDA_CHECK(cudaMemsetAsync(y.get(), 0x7F, bytes, res.stream));  // poison
  cuda::Int8Epilogue e = o.e;
  if (int8_out)
    e.y_i8 = static_cast<int8_t*>(y.get());
  else
    e.y_f32 = static_cast<float*>(y.get());
  cuda::conv_int8_nhwc(s, static_cast<const int8_t*>(o.x.get()),
                       cuda::Int8Weights::ohwi(static_cast<const int8_t*>(o.w.get()), s), e, tactic,
                       res);
  QRT_CUDA_CHECK(cudaStreamSynchronize(res.stream));
  std::vector<uint8_t> host(bytes);
  QRT_CUDA_CHECK(cudaMemcpy(host.data(), y.get(), bytes, cudaMemcpyDeviceToHost));
  return host;
}

// The same epilogue with the output set, for cudnn_int8_conv_ready (only its form matters).
cuda::Int8Epilogue with_output(cuda::Int8Epilogue e, bool int8_out) {
  static int8_t y_i8 = 0;
  static float y_f32 = 0.f;
  if (int8_out)
    e.y_i8 = &y_i8;
  else
    e.y_f32 = &y_f32;
  return e;
}

TEST(CudaInt8Cudnn, Probe) {
  QRT_SKIP_WITHOUT_GPU();
  const Case cases[] = {
      {8, 64, 64, 56, 56, 3, 1, 1, 0, true, "relu"},  // ResNet-50 3x3
      {8, 256, 64, 56, 56, 1, 1, 0, 0, true, ""},     // ResNet-50 1x1
      {8, 64, 64, 56, 56, 3, 1, 1, 1, true, "relu"},  // with an int8 residual
      {2, 20, 36, 9, 9, 3, 1, 1, 0, false, ""},       // channels multiples of 4, f32 out
  };
  for (const Case& t : cases) {
    const cuda::Int8ConvShape s = shape_of(t);
    const Operands o = make_operands(t, s, 1);
    const cuda::Int8Epilogue e = with_output(o.e, t.int8_out);
    std::cout << "[ PROBE    ] " << describe(t) << " NHWC int8:\n"
              << cuda::cudnn_int8_conv_probe(s, e, 1);
    if (t.c % 32 == 0 && t.k % 32 == 0)
      std::cout << "[ PROBE    ] " << describe(t) << " int8x32 (NC/32HW32):\n"
                << cuda::cudnn_int8_conv_probe(s, e, 32);
  }
}

// Against the exact default tactic: counts differing elements and the largest difference (int8:
// in quantization steps, which must be at most one; f32: relative).
TEST(CudaInt8Cudnn, MatchesExactEpilogue) {
  QRT_SKIP_WITHOUT_GPU();
  cuda::StreamResources stream;
  const cuda::Resources& res = stream.get();
  const Case cases[] = {
      {2, 64, 64, 13, 11, 3, 1, 1, 0, true, ""},
      {3, 64, 64, 13, 11, 3, 1, 1, 0, true, "relu"},
      {3, 32, 48, 9, 9, 3, 2, 1, 1, true, "relu"},
      {2, 32, 48, 9, 9, 3, 1, 1, 2, true, "clip"},
      {1, 256, 64, 14, 14, 1, 1, 0, 0, true, ""},
      {2, 20, 36, 9, 9, 3, 1, 1, 0, true, ""},
      {2, 64, 64, 7, 7, 3, 1, 1, 0, false, ""},
      {2, 64, 64, 7, 7, 3, 1, 1, 1, false, "relu"},
      {1, 1024, 256, 7, 7, 1, 1, 0, 1, true, "relu"},
      {16, 64, 64, 56, 56, 3, 1, 1, 0, true, "relu"},
      {16, 256, 64, 56, 56, 1, 1, 0, 0, true, "relu"},
  };
  uint32_t seed = 10;
  int ran = 0;
  for (const Case& t : cases) {
    const cuda::Int8ConvShape s = shape_of(t);
    const Operands o = make_operands(t, s, seed++);
    std::string why;
    if (!cuda::cudnn_int8_conv_ready(s, with_output(o.e, t.int8_out), true, &why)) {
      std::cout << "[ CUDNN    ] " << describe(t) << ": no plan: " << why << "\n";
      continue;
    }
    ++ran;
    const std::vector<uint8_t> want = run(s, o, t.int8_out, cuda::default_int8_conv_tactic(s), res);
    const std::vector<uint8_t> got = run(s, o, t.int8_out, "cudnn", res);
    int64_t differ = 0, one_step = 0;
    double worst = 0.0;
    if (t.int8_out) {
      for (size_t i = 0; i < want.size(); ++i) {
        const int d = std::abs(static_cast<int8_t>(got[i]) - static_cast<int8_t>(want[i]));
        differ += d != 0;
        one_step += d == 1;
        worst = std::max(worst, static_cast<double>(d));
      }
    } else {
      std::vector<float> g(want.size() / 4), w(want.size() / 4);
      std::memcpy(g.data(), got.data(), got.size());
      std::memcpy(w.data(), want.data(), want.size());
      for (size_t i = 0; i < w.size(); ++i) {
        if (std::memcmp(&g[i], &w[i], 4) == 0) continue;
        ++differ;
        worst = std::max(worst, std::abs(static_cast<double>(g[i]) - w[i]) /
                                    std::max(1e-30, std::abs(static_cast<double>(w[i]))));
      }
    }
    std::cout << "[ CUDNN    ] " << describe(t) << ": " << differ << " of "
              << (t.int8_out ? want.size() : want.size() / 4) << " differ";
    if (t.int8_out) {
      std::cout << " (" << one_step << " by one step), max " << worst << " steps\n";
      EXPECT_LE(worst, 1.0) << describe(t);
    } else {
      std::cout << ", max relative " << worst << "\n";
    }
  }
  std::cout << "[ CUDNN    ] " << ran << " of " << std::size(cases) << " cases had a plan\n";
}

// The conversion to int8 at its edges: every output an exact tie (acc + 0.5 or acc - 0.5 with
// m = 1, y_scale = 1), saturation (channel 1, m = 1000) and NaN (channel 2's bias) -> 0.
TEST(CudaInt8Cudnn, TiesSaturationAndNaN) {
  QRT_SKIP_WITHOUT_GPU();
  cuda::StreamResources stream;
  const cuda::Resources& res = stream.get();
  const Case t{2, 16, 16, 6, 7, 3, 1, 1, 0, true, ""};
  const cuda::Int8ConvShape s = shape_of(t);
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> small(-1, 1);
  std::vector<int8_t> x(static_cast<size_t>(s.n * s.h * s.w * s.c)),
      w(static_cast<size_t>(s.k * s.depth()));
  for (auto& v : x) v = static_cast<int8_t>(small(rng));
  for (auto& v : w) v = static_cast<int8_t>(small(rng));
  std::vector<float> scales(static_cast<size_t>(s.k), 1.f), bias(static_cast<size_t>(s.k));
  for (size_t c = 0; c < bias.size(); ++c) bias[c] = c % 2 ? -0.5f : 0.5f;
  scales[1] = 1000.f;
  bias[2] = std::numeric_limits<float>::quiet_NaN();
  Operands o{upload(x), upload(w), upload(scales), upload(bias), cuda::DeviceBuffer(1), {}};
  o.e.scales = static_cast<const float*>(o.scales.get());
  o.e.bias = static_cast<const float*>(o.bias.get());
  o.e.in_scale = 1.f;
  o.e.inv_y_scale = 1.f;
  std::string why;
  ASSERT_TRUE(cuda::cudnn_int8_conv_ready(s, with_output(o.e, true), true, &why)) << why;
  const std::vector<uint8_t> want = run(s, o, true, cuda::default_int8_conv_tactic(s), res);
  const std::vector<uint8_t> got = run(s, o, true, "cudnn", res);
  int64_t ties = 0, saturated = 0, nan = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    if (got[i] == want[i]) continue;
    const size_t c = i % static_cast<size_t>(s.k);
    (c == 1 ? saturated : c == 2 ? nan : ties) += 1;
    if (ties + saturated + nan <= 5)
      std::cout << "[ EDGE     ] channel " << c << ": cudnn " << int{static_cast<int8_t>(got[i])}
                << " exact " << int{static_cast<int8_t>(want[i])} << "\n";
  }
  std::cout << "[ EDGE     ] differ: ties " << ties << ", saturated " << saturated << ", NaN "
            << nan << " of " << want.size() << "\n";
  EXPECT_EQ(saturated, 0);
  EXPECT_EQ(nan, 0);
}

// The tactic inside a CUDA graph (the runtime captures whole engines): captured, replayed, the
// same bytes as an uncaptured run; a shape without a cached plan falls back while capturing.
TEST(CudaInt8Cudnn, CapturedIntoACudaGraph) {
  QRT_SKIP_WITHOUT_GPU();
  cuda::StreamResources stream;
  const cuda::Resources& res = stream.get();
  const Case t{4, 64, 64, 14, 14, 3, 1, 1, 1, true, "relu"};
  const cuda::Int8ConvShape s = shape_of(t);
  const Operands o = make_operands(t, s, 77);
  const size_t bytes = static_cast<size_t>(s.pixels() * s.k);
  std::string why;
  ASSERT_TRUE(cuda::cudnn_int8_conv_ready(s, with_output(o.e, true), true, &why)) << why;
  const std::vector<uint8_t> want = run(s, o, true, cuda::default_int8_conv_tactic(s), res);
  for (const Case& shape : {t, Case{3, 64, 64, 14, 14, 3, 1, 1, 1, true, "relu"}}) {
    const cuda::Int8ConvShape cs = shape_of(shape);
    cuda::DeviceBuffer y(bytes);
    cuda::Int8Epilogue e = o.e;
    e.y_i8 = static_cast<int8_t*>(y.get());
    QRT_CUDA_CHECK(cudaMemsetAsync(y.get(), 0x7F, bytes, res.stream));
    QRT_CUDA_CHECK(cudaStreamSynchronize(res.stream));
    QRT_CUDA_CHECK(cudaStreamBeginCapture(res.stream, cudaStreamCaptureModeThreadLocal));
    cuda::conv_int8_nhwc(cs, static_cast<const int8_t*>(o.x.get()),
                         cuda::Int8Weights::ohwi(static_cast<const int8_t*>(o.w.get()), cs), e,
                         "cudnn", res);
    cudaGraph_t graph = nullptr;
    QRT_CUDA_CHECK(cudaStreamEndCapture(res.stream, &graph));
    cudaGraphExec_t exec = nullptr;
    QRT_CUDA_CHECK(cudaGraphInstantiate(&exec, graph, 0));
    for (int i = 0; i < 2; ++i) QRT_CUDA_CHECK(cudaGraphLaunch(exec, res.stream));
    QRT_CUDA_CHECK(cudaStreamSynchronize(res.stream));
    cudaGraphExecDestroy(exec);
    cudaGraphDestroy(graph);
    const size_t used = static_cast<size_t>(cs.pixels() * cs.k);
    std::vector<uint8_t> got(used);
    QRT_CUDA_CHECK(cudaMemcpy(got.data(), y.get(), used, cudaMemcpyDeviceToHost));
    EXPECT_TRUE(std::equal(got.begin(), got.end(), want.begin())) << describe(shape);
  }
}

// ResNet-50 layers at batch 256: TOPS of "cudnn" (int8 out, ReLU, the bottleneck's inner
// layers) and of our tactics, and what tuning picks.
TEST(CudaInt8CudnnBench, ResNet50Layers) {
  QRT_SKIP_WITHOUT_GPU();
  const Case layers[] = {
      {256, 64, 64, 56, 56, 3, 1, 1, 0, true, "relu"},
      {256, 256, 64, 56, 56, 1, 1, 0, 0, true, "relu"},
      {256, 256, 256, 14, 14, 3, 1, 1, 0, true, "relu"},
      {256, 1024, 256, 14, 14, 1, 1, 0, 0, true, "relu"},
      {256, 512, 512, 7, 7, 3, 1, 1, 0, true, "relu"},
      {256, 256, 1024, 14, 14, 1, 1, 0, 1, true, "relu"},  // expansion with the residual
      {256, 3, 64, 224, 224, 7, 2, 3, 0, true, "relu"},    // the RGB stem (igemm_pad, cudnn_pad)
  };
  cuda::StreamResources stream;
  const cuda::Resources& res = stream.get();
  for (const Case& t : layers) {
    const cuda::Int8ConvShape s = shape_of(t);
    cuda::Int8Epilogue form = with_output({}, true);
    static const int8_t marker = 0;
    if (t.residual == 1) form.residual_i8 = &marker;
    form.clamps = 1;
    form.lo = 0.f;
    form.hi = std::numeric_limits<float>::infinity();
    const double ops = 2.0 * static_cast<double>(s.pixels()) * static_cast<double>(s.k) *
                       static_cast<double>(s.depth());
    std::cout << "[ BENCH    ] " << describe(t) << ":";
    float best_ours = std::numeric_limits<float>::infinity();
    std::string best_name;
    for (const std::string& tactic : cuda::int8_conv_tactics(s)) {
      float ms = 0.f;
      try {
        ms = cuda::time_int8_conv(s, tactic, res, 20, &form);
      } catch (const Error& err) {
        std::cout << "  " << tactic << " declined (" << err.what() << ")";
        continue;
      }
      std::cout << "  " << tactic << " " << ms << " ms " << ops / (ms * 1e-3) / 1e12 << " TOPS";
      if (tactic != "cudnn" && ms < best_ours) {
        best_ours = ms;
        best_name = tactic;
      }
    }
    std::cout << "  -> best ours " << best_name << " " << ops / (best_ours * 1e-3) / 1e12
              << " TOPS; tuned: " << cuda::tune_int8_conv(s, res, &form) << "\n";
  }
}

}  // namespace
}  // namespace qrt
