// cuDNN Conv, FusedConv and ConvTranspose against the reference backend: f32 and f16, NCHW and
// NHWC (expected NHWC results are the reference's NCHW results transposed), the default tactic
// and a tuned one.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>

#include "backends/cuda/cudnn_f16_conv.h"
#include "cuda/cuda_kernel_runner.h"
#include "cuda/cuda_test_util.h"
#include "op_test_util.h"

namespace qrt::test {
namespace {

using Attrs = std::map<std::string, ir::AttributeValue>;

// [N, C, spatial...] <-> [N, spatial..., C] for f32 tensors.
Tensor channels_last(const Tensor& t, bool to_last) {
  const std::vector<int64_t>& s = t.shape();
  std::vector<int64_t> out_shape = s;
  const int64_t n = s[0], c = to_last ? s[1] : s.back();
  const int64_t inner = t.numel() / (n * c);
  if (to_last) {
    out_shape.erase(out_shape.begin() + 1);
    out_shape.push_back(c);
  } else {
    out_shape.pop_back();
    out_shape.insert(out_shape.begin() + 1, c);
  }
  Tensor out(DataType::kFloat32, out_shape);
  const float* src = t.data_as<float>();
  float* dst = out.data_as<float>();
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t i = 0; i < inner; ++i) {
        const int64_t first = (b * c + ch) * inner + i, last = (b * inner + i) * c + ch;
        dst[to_last ? last : first] = src[to_last ? first : last];
      }
  return out;
}

// [O, I, spatial...] weights with bytes in [O, spatial..., I] order (the cuda pass's repack).
Tensor ohwi(const Tensor& w) {
  Tensor nhwc = channels_last(w, true);
  Tensor out(DataType::kFloat32, w.shape());
  std::memcpy(out.data(), nhwc.data(), w.nbytes());
  return out;
}

Tensor cast(const Tensor& t, DataType dtype) {
  return !t.defined() || dtype == DataType::kFloat32 ? t : to_f16(t);
}

struct ConvCase {
  std::string name;
  std::vector<int64_t> x, w;  // NCHW shapes (W as the op's own layout)
  Attrs attrs;
  bool bias = true;
};

std::vector<ConvCase> conv_cases() {
  using V = std::vector<int64_t>;
  return {
      {"3x3_odd", {1, 3, 17, 13}, {5, 3, 3, 3}, {{"pads", V{1, 1, 1, 1}}}},
      {"stride2_groups2",
       {2, 6, 15, 11},
       {10, 3, 3, 3},
       {{"pads", V{1, 1, 1, 1}}, {"strides", V{2, 2}}, {"group", int64_t{2}}}},
      {"depthwise",
       {3, 7, 9, 12},
       {7, 1, 3, 3},
       {{"pads", V{1, 1, 1, 1}}, {"group", int64_t{7}}},
       false},
      {"dilation2",
       {2, 5, 14, 14},
       {9, 5, 3, 3},
       {{"pads", V{2, 2, 2, 2}}, {"dilations", V{2, 2}}}},
      {"1x1_batch32", {32, 16, 8, 8}, {24, 16, 1, 1}, {}},
      {"5x5_stride2",
       {2, 8, 23, 23},
       {16, 8, 5, 5},
       {{"pads", V{2, 2, 2, 2}}, {"strides", V{2, 2}}}},
      {"1d", {2, 4, 19}, {6, 4, 5}, {{"pads", V{2, 2}}, {"strides", V{2}}}},
  };
}

struct Variant {
  DataType dtype;
  bool nhwc;
  bool tune;
  double tolerance() const { return dtype == DataType::kFloat16 ? 2e-3 : 1e-5; }
  std::string describe() const {
    return std::string(dtype == DataType::kFloat16 ? "f16" : "f32") + (nhwc ? " NHWC" : " NCHW") +
           (tune ? " tuned" : " default");
  }
};

std::vector<Variant> variants() {
  std::vector<Variant> v;
  for (DataType dtype : {DataType::kFloat32, DataType::kFloat16})
    for (bool nhwc : {false, true})
      for (bool tune : {false, true}) v.push_back({dtype, nhwc, tune});
  return v;
}

// Runs `op` on the reference (NCHW) and on CUDA in the variant's layout, and compares.
// inputs: X, W, B (maybe undefined), R (maybe undefined), all f32 NCHW.
void check_op(const std::string& op, const std::vector<Tensor>& inputs, const Attrs& attrs,
              const Variant& v, const std::string& what) {
  std::vector<Tensor> ref_inputs;
  for (const Tensor& t : inputs) ref_inputs.push_back(cast(t, v.dtype));
  const Tensor expected = to_f32(run_op(op, ref_inputs, attrs).at(0));
  std::vector<Tensor> cuda_inputs = inputs;
  Attrs cuda_attrs = attrs;
  Tensor want = expected;
  if (v.nhwc) {
    cuda_inputs[0] = channels_last(inputs[0], true);
    cuda_inputs[1] = ohwi(inputs[1]);
    if (inputs.size() > 3 && inputs[3].defined()) cuda_inputs[3] = channels_last(inputs[3], true);
    cuda_attrs["channels_last"] = int64_t{1};
    cuda_attrs["weight_layout"] = std::string("OHWI");
    want = channels_last(expected, true);
  }
  for (Tensor& t : cuda_inputs) t = cast(t, v.dtype);
  const CudaRun run = run_cuda_kernel(op, cuda_inputs, cuda_attrs, {v.dtype, want.shape()}, v.tune);
  const double err = max_rel_error(to_f32(run.outputs.at(0)), want);
  EXPECT_LE(err, v.tolerance()) << what << " " << v.describe() << " tactic '" << run.tactic << "'";
  if (v.tune) {
    EXPECT_FALSE(run.tactic.empty()) << what << " " << v.describe();
  }
}

TEST(CudaConv, MatchesReference) {
  QRT_SKIP_WITHOUT_GPU();
  uint32_t seed = 100;
  for (const ConvCase& c : conv_cases())
    for (const Variant& v : variants()) {
      const Tensor x = random_tensor(c.x, ++seed);
      const Tensor w = random_tensor(c.w, ++seed, -0.5f, 0.5f);
      const Tensor b = c.bias ? random_tensor({c.w[0]}, ++seed) : Tensor();
      check_op("Conv", {x, w, b}, c.attrs, v, c.name);
    }
}

TEST(CudaConv, FusedConvMatchesReference) {
  QRT_SKIP_WITHOUT_GPU();
  using V = std::vector<int64_t>;
  const Attrs base = {{"pads", V{1, 1, 1, 1}}};
  const Tensor x = random_tensor({3, 12, 11, 9}, 1);
  const Tensor w = random_tensor({20, 12, 3, 3}, 2, -0.3f, 0.3f);
  const Tensor b = random_tensor({20}, 3);
  const Tensor r = random_tensor({3, 20, 11, 9}, 4);
  struct Fusion {
    std::string name;
    bool bias, residual;
    Attrs extra;
  };
  const std::vector<Fusion> fusions = {
      {"bias_residual_relu", true, true, {{"activation", std::string("relu")}}},
      {"relu_no_bias", false, false, {{"activation", std::string("relu")}}},
      {"residual_only", true, true, {}},
      {"clip",
       true,
       true,
       {{"activation", std::string("clip")}, {"clip_min", -0.5f}, {"clip_max", 0.75f}}},
  };
  for (const Fusion& f : fusions)
    for (const Variant& v : variants()) {
      Attrs attrs = base;
      attrs.insert(f.extra.begin(), f.extra.end());
      check_op("FusedConv", {x, w, f.bias ? b : Tensor(), f.residual ? r : Tensor()}, attrs, v,
               f.name);
    }
}

// The "graph" tactic (cuDNN's graph with bias, residual and ReLU / clip fused) on f16 NHWC:
// forced, it runs for channels that are multiples of 8 and matches the reference; elsewhere it
// may decline, and the node still runs (the heuristic order).
TEST(CudaConv, F16GraphTacticMatchesReference) {
  QRT_SKIP_WITHOUT_GPU();
  using V = std::vector<int64_t>;
  struct GraphCase {
    std::string name;
    std::string op;
    V x, w;
    Attrs attrs;
    bool bias, residual;
    bool must_run;  // cuDNN has a graph for it
  };
  const Attrs relu = {{"pads", V{1, 1, 1, 1}}, {"activation", std::string("relu")}};
  const Attrs relu6 = {{"pads", V{1, 1, 1, 1}},
                       {"activation", std::string("clip")},
                       {"clip_min", 0.f},
                       {"clip_max", 6.f}};
  const Attrs clip = {{"pads", V{1, 1, 1, 1}},
                      {"activation", std::string("clip")},
                      {"clip_min", -0.5f},
                      {"clip_max", 0.75f}};
  const std::vector<GraphCase> cases = {
      {"conv_3x3",
       "Conv",
       {2, 16, 10, 9},
       {24, 16, 3, 3},
       {{"pads", V{1, 1, 1, 1}}},
       true,
       false,
       true},
      {"conv_1x1_no_bias", "Conv", {32, 16, 8, 8}, {24, 16, 1, 1}, {}, false, false, true},
      {"bias_relu", "FusedConv", {2, 16, 10, 9}, {24, 16, 3, 3}, relu, true, false, true},
      {"bias_residual_relu", "FusedConv", {2, 16, 10, 9}, {24, 16, 3, 3}, relu, true, true, true},
      {"relu6_1x1_stride2",
       "FusedConv",
       {3, 32, 13, 11},
       {64, 32, 1, 1},
       {{"strides", V{2, 2}},
        {"activation", std::string("clip")},
        {"clip_min", 0.f},
        {"clip_max", 6.f}},
       true,
       false,
       true},
      {"relu6_3x3", "FusedConv", {2, 16, 10, 9}, {24, 16, 3, 3}, relu6, true, false, true},
      {"clip_residual_no_bias",
       "FusedConv",
       {2, 16, 10, 9},
       {24, 16, 3, 3},
       clip,
       false,
       true,
       true},
      {"odd_channels", "FusedConv", {2, 5, 9, 7}, {7, 5, 3, 3}, relu, true, false, false},
  };
  const Variant v{DataType::kFloat16, true, false};
  uint32_t seed = 500;
  for (const GraphCase& c : cases) {
    const Tensor x = random_tensor(c.x, ++seed);
    const Tensor w = random_tensor(c.w, ++seed, -0.3f, 0.3f);
    const Tensor b = c.bias ? random_tensor({c.w[0]}, ++seed) : Tensor();
    std::vector<Tensor> inputs{x, w, b};
    // The residual cases keep the spatial size (3x3, pad 1, stride 1).
    if (c.residual) inputs.push_back(random_tensor({c.x[0], c.w[0], c.x[2], c.x[3]}, ++seed));
    // NHWC inputs as the cuda backend's layout pass leaves them.
    std::vector<Tensor> ref_inputs;
    for (const Tensor& t : inputs) ref_inputs.push_back(cast(t, DataType::kFloat16));
    const Tensor expected = to_f32(run_op(c.op, ref_inputs, c.attrs).at(0));
    std::vector<Tensor> cuda_inputs = inputs;
    cuda_inputs[0] = channels_last(inputs[0], true);
    cuda_inputs[1] = ohwi(inputs[1]);
    if (c.residual) cuda_inputs[3] = channels_last(inputs[3], true);
    for (Tensor& t : cuda_inputs) t = cast(t, DataType::kFloat16);
    Attrs attrs = c.attrs;
    attrs["channels_last"] = int64_t{1};
    attrs["weight_layout"] = std::string("OHWI");
    const Tensor want = channels_last(expected, true);
    CudaKernelRunner runner(c.op, cuda_inputs, attrs, {{DataType::kFloat16, want.shape()}});
    runner.set_tactic("graph");
    const int64_t before = cuda::cudnn_f16_conv_runs();
    runner.run();
    const std::vector<Tensor> out = runner.download();
    const bool ran = cuda::cudnn_f16_conv_runs() > before;
    if (c.must_run) {
      EXPECT_TRUE(ran) << c.name << ": cuDNN's graph did not run";
    }
    EXPECT_LE(max_rel_error(to_f32(out.at(0)), want), v.tolerance())
        << c.name << (ran ? " (graph)" : " (fallback)");
  }
}

TEST(CudaConv, ConvTransposeMatchesReference) {
  QRT_SKIP_WITHOUT_GPU();
  using V = std::vector<int64_t>;
  struct Case {
    std::string name;
    std::vector<int64_t> x, w;
    Attrs attrs;
  };
  const std::vector<Case> cases = {
      {"k2_s2", {2, 8, 7, 9}, {8, 6, 2, 2}, {{"strides", V{2, 2}}}},
      {"k3_s2_pad_outpad",
       {1, 5, 6, 5},
       {5, 7, 3, 3},
       {{"strides", V{2, 2}}, {"pads", V{1, 1, 1, 1}}, {"output_padding", V{1, 1}}}},
      {"groups2_batch16",
       {16, 6, 5, 5},
       {6, 4, 3, 3},
       {{"group", int64_t{2}}, {"pads", V{1, 1, 1, 1}}}},
  };
  uint32_t seed = 500;
  for (const Case& c : cases)
    for (const Variant& v : variants()) {
      const int64_t group =
          c.attrs.count("group") ? std::get<int64_t>(c.attrs.at("group")) : int64_t{1};
      const int64_t out_channels = c.w[1] * group;
      check_op("ConvTranspose",
               {random_tensor(c.x, ++seed), random_tensor(c.w, ++seed, -0.5f, 0.5f),
                random_tensor({out_channels}, ++seed)},
               c.attrs, v, c.name);
    }
}

TEST(CudaConv, SchemaPathAndF32StaysFp32) {
  QRT_SKIP_WITHOUT_GPU();
  // Through the shared harness (schema inference): large values make TF32 visible.
  const Tensor x = random_tensor({4, 32, 20, 20}, 9, -100.f, 100.f);
  const Tensor w = random_tensor({32, 32, 3, 3}, 10);
  const Attrs attrs = {{"pads", std::vector<int64_t>{1, 1, 1, 1}}};
  const Tensor want = run_op("Conv", {x, w}, attrs).at(0);
  EXPECT_LE(max_rel_error(run_cuda_op("Conv", {x, w}, attrs).at(0), want), 1e-5);
}

TEST(CudaConv, AsymmetricPadsAreDeclined) {
  QRT_SKIP_WITHOUT_GPU();
  const Attrs attrs = {{"pads", std::vector<int64_t>{0, 0, 1, 1}}};
  try {
    run_cuda_op("Conv", {random_tensor({1, 3, 8, 8}, 1), random_tensor({4, 3, 3, 3}, 2)}, attrs);
    ADD_FAILURE() << "asymmetric pads were accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("equal begin and end pads"), std::string::npos)
        << e.what();
  }
}

TEST(CudaConv, BackendPassRepacksChannelsLastWeights) {
  QRT_SKIP_WITHOUT_GPU();
  const BackendPass* pass = nullptr;
  for (const BackendPass& p : backend_passes())
    if (p.backend == "cuda" && p.name == "conv_weights_ohwi") pass = &p;
  ASSERT_NE(pass, nullptr);
  ir::Graph g;
  ir::Value* x = g.add_value("x");
  g.inputs.push_back(x);
  const Tensor w = random_tensor({4, 3, 2, 5}, 3);
  ir::Value* wv = g.add_constant("w", w);
  ir::Value* y1 = g.add_value("y1");
  ir::Value* y2 = g.add_value("y2");
  ir::Node* nhwc = g.add_node("Conv", "nhwc", {x, wv}, {y1});
  nhwc->backend = "cuda";
  nhwc->attrs["channels_last"] = int64_t{1};
  ir::Node* nchw = g.add_node("Conv", "nchw", {x, wv}, {y2});
  nchw->backend = "cuda";
  g.outputs = {y1, y2};
  pass->run(g);
  EXPECT_EQ(nhwc->attr_string("weight_layout", ""), "OHWI");
  EXPECT_FALSE(nchw->has_attr("weight_layout"));
  EXPECT_EQ(nchw->input(1), wv);
  ASSERT_NE(nhwc->input(1), wv);
  const Tensor& packed = *nhwc->input(1)->constant;
  EXPECT_EQ(packed.shape(), w.shape());
  EXPECT_EQ(std::memcmp(packed.data(), ohwi(w).data(), w.nbytes()), 0);
}

// Throughput of a ResNet-50 stage-1 3x3 convolution (GPU_FACTS.md: cuDNN 0.145 ms, 410 TOPS).
TEST(CudaConvBench, ResNet3x3F16Nhwc) {
  QRT_SKIP_WITHOUT_GPU();
  const int64_t n = 256, c = 64, k = 64, hw = 56;
  const Tensor x = to_f16(random_tensor({n, hw, hw, c}, 1));
  const Tensor w = to_f16(ohwi(random_tensor({k, c, 3, 3}, 2, -0.1f, 0.1f)));
  const Tensor b = to_f16(random_tensor({k}, 3));
  const Tensor r = to_f16(random_tensor({n, hw, hw, k}, 4));
  const double flops = 2.0 * n * k * c * 9 * hw * hw;
  Attrs attrs = {{"pads", std::vector<int64_t>{1, 1, 1, 1}},
                 {"channels_last", int64_t{1}},
                 {"weight_layout", std::string("OHWI")}};
  const ir::TensorType y{DataType::kFloat16, {n, hw, hw, k}};
  CudaKernelRunner conv("Conv", {x, w}, attrs, {y});
  const double default_ms = conv.time_ms(20);
  const double default_graph_ms = conv.time_graph_ms(20);
  const std::string tactic = conv.tune();
  const double tuned_ms = conv.time_ms(20);
  const double tuned_graph_ms = conv.time_graph_ms(20);
  attrs["activation"] = std::string("relu");
  CudaKernelRunner fused("FusedConv", {x, w, b, r}, attrs, {y});
  const std::string fused_tactic = fused.tune();
  const double fused_graph_ms = fused.time_graph_ms(20);
  // The captured conv's results equal a direct run's.
  const Tensor captured = conv.download().at(0);
  conv.run();
  EXPECT_EQ(max_rel_error(conv.download().at(0), captured), 0.0);
  auto tflops = [&](double ms) { return flops / ms / 1e9; };
  std::printf(
      "[bench] Conv f16 NHWC N=256 C=K=64 56x56 3x3 (direct calls / CUDA graph): default "
      "%.4f / %.4f ms (%.0f / %.0f TFLOPS); tuned '%s' %.4f / %.4f ms (%.0f / %.0f "
      "TFLOPS)\n",
      default_ms, default_graph_ms, tflops(default_ms), tflops(default_graph_ms), tactic.c_str(),
      tuned_ms, tuned_graph_ms, tflops(tuned_ms), tflops(tuned_graph_ms));
  std::printf("[bench] FusedConv +bias+residual+relu, graph: tuned '%s' %.4f ms (%.0f TFLOPS)\n",
              fused_tactic.c_str(), fused_graph_ms, tflops(fused_graph_ms));
  EXPECT_GT(tflops(tuned_graph_ms), 100.0);
}

}  // namespace
}  // namespace qrt::test
