// The cpu (oneDNN) backend against the reference backend: each kernel on random shapes (odd
// sizes, channels not multiples of 8, batch 1 and more, strides, pads, dilations, groups,
// depthwise, NCHW and NHWC), f32 to a tight tolerance, int8 equal or one quantisation step
// apart; then whole models built with --backend cpu,reference.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>

#include "backends/kernel_registry.h"
#include "io/tensor_file.h"
#include "op_test_util.h"
#include "qrt/engine.h"
#include "runtime/engine_impl.h"

namespace qrt::test {
namespace {

using Attrs = std::map<std::string, ir::AttributeValue>;

Tensor random_i8(std::vector<int64_t> shape, uint32_t seed, int lo = -128, int hi = 127) {
  Tensor t(DataType::kInt8, std::move(shape));
  std::mt19937 gen(seed);
  std::uniform_int_distribution<int> dist(lo, hi);
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<int8_t>()[i] = static_cast<int8_t>(dist(gen));
  return t;
}

struct ConvCase {
  std::string name;
  std::vector<int64_t> x, w;  // x as stored (NHWC when channels_last)
  Attrs attrs;
};

std::vector<ConvCase> conv_cases() {
  return {
      {"3x3_pad1_batch1",
       {1, 5, 9, 11},
       {7, 5, 3, 3},
       {{"pads", std::vector<int64_t>{1, 1, 1, 1}}}},
      {"stride2_odd",
       {3, 13, 17, 15},
       {10, 13, 3, 3},
       {{"strides", std::vector<int64_t>{2, 2}}, {"pads", std::vector<int64_t>{1, 0, 1, 2}}}},
      {"dilation2",
       {2, 6, 12, 12},
       {9, 6, 3, 3},
       {{"dilations", std::vector<int64_t>{2, 2}}, {"pads", std::vector<int64_t>{2, 2, 2, 2}}}},
      {"groups3",
       {2, 9, 10, 7},
       {12, 3, 3, 3},
       {{"group", int64_t{3}}, {"pads", std::vector<int64_t>{1, 1, 1, 1}}}},
      {"depthwise",
       {4, 19, 11, 11},
       {19, 1, 3, 3},
       {{"group", int64_t{19}},
        {"pads", std::vector<int64_t>{1, 1, 1, 1}},
        {"strides", std::vector<int64_t>{2, 2}}}},
      {"pointwise", {5, 21, 7, 7}, {33, 21, 1, 1}, {}},
      {"7x7_stride2_nhwc",
       {2, 23, 23, 3},
       {16, 3, 7, 7},
       {{"strides", std::vector<int64_t>{2, 2}},
        {"pads", std::vector<int64_t>{3, 3, 3, 3}},
        {"channels_last", int64_t{1}}}},
      {"groups_nhwc",
       {3, 9, 9, 8},
       {12, 4, 3, 3},
       {{"group", int64_t{2}}, {"channels_last", int64_t{1}}}},
  };
}

TEST(CpuBackend, ConvMatchesReferenceF32) {
  uint32_t seed = 1;
  for (const ConvCase& c : conv_cases()) {
    SCOPED_TRACE(c.name);
    const Tensor x = random_tensor(c.x, seed++), w = random_tensor(c.w, seed++);
    const Tensor b = random_tensor({c.w[0]}, seed++);
    const Tensor expected = run_op("Conv", {x, w, b}, c.attrs)[0];
    EXPECT_LT(max_rel_diff(run_cpu("Conv", {x, w, b}, c.attrs), expected), 1e-4f);
    const Tensor no_bias = run_op("Conv", {x, w}, c.attrs)[0];
    EXPECT_LT(max_rel_diff(run_cpu("Conv", {x, w}, c.attrs), no_bias), 1e-4f);
  }
}

TEST(CpuBackend, FusedConvPostOpsMatchReference) {
  uint32_t seed = 100;
  for (const ConvCase& c : conv_cases()) {
    for (const std::string activation : {"", "relu", "clip"}) {
      SCOPED_TRACE(c.name + " activation=" + activation);
      Attrs attrs = c.attrs;
      attrs["activation"] = activation;
      if (activation == "clip") {
        attrs["clip_min"] = -0.5f;
        attrs["clip_max"] = 0.75f;
      }
      const Tensor x = random_tensor(c.x, seed++), w = random_tensor(c.w, seed++);
      const Tensor b = random_tensor({c.w[0]}, seed++);
      const Tensor plain = run_op("Conv", {x, w, b}, c.attrs)[0];
      const Tensor r = random_tensor(plain.shape(), seed++);
      const Tensor expected = run_op("FusedConv", {x, w, b, r}, attrs)[0];
      EXPECT_LT(max_rel_diff(run_cpu("FusedConv", {x, w, b, r}, attrs), expected), 1e-4f);
      const Tensor expected_no_r = run_op("FusedConv", {x, w, b}, attrs)[0];
      EXPECT_LT(max_rel_diff(run_cpu("FusedConv", {x, w, b}, attrs), expected_no_r), 1e-4f);
    }
  }
}

TEST(CpuBackend, PoolingMatchesReference) {
  const std::vector<std::pair<std::string, Attrs>> cases = {
      {"MaxPool",
       {{"kernel_shape", std::vector<int64_t>{3, 3}},
        {"strides", std::vector<int64_t>{2, 2}},
        {"pads", std::vector<int64_t>{1, 1, 1, 1}}}},
      {"MaxPool",
       {{"kernel_shape", std::vector<int64_t>{2, 2}},
        {"ceil_mode", int64_t{1}},
        {"strides", std::vector<int64_t>{2, 2}},
        {"channels_last", int64_t{1}}}},
      {"MaxPool",
       {{"kernel_shape", std::vector<int64_t>{3, 3}}, {"dilations", std::vector<int64_t>{2, 2}}}},
      {"AveragePool",
       {{"kernel_shape", std::vector<int64_t>{3, 3}}, {"pads", std::vector<int64_t>{1, 1, 1, 1}}}},
      {"AveragePool",
       {{"kernel_shape", std::vector<int64_t>{3, 2}},
        {"pads", std::vector<int64_t>{1, 1, 1, 1}},
        {"count_include_pad", int64_t{1}},
        {"strides", std::vector<int64_t>{2, 1}}}},
      {"GlobalAveragePool", {}},
      {"GlobalAveragePool", {{"channels_last", int64_t{1}}}},
  };
  uint32_t seed = 300;
  for (const auto& [op, attrs] : cases) {
    for (const std::vector<int64_t>& shape :
         {std::vector<int64_t>{1, 7, 13, 11}, std::vector<int64_t>{3, 17, 8, 9}}) {
      SCOPED_TRACE(op + " case " + std::to_string(seed));
      const Tensor x = random_tensor(shape, seed++);
      EXPECT_LT(max_rel_diff(run_cpu(op, {x}, attrs), run_op(op, {x}, attrs)[0]), 1e-5f);
    }
  }
}

TEST(CpuBackend, MaxPoolInt8IsExact) {
  const Attrs attrs = {{"kernel_shape", std::vector<int64_t>{3, 3}},
                       {"strides", std::vector<int64_t>{2, 2}},
                       {"pads", std::vector<int64_t>{1, 1, 1, 1}},
                       {"channels_last", int64_t{1}}};
  const Tensor x = random_i8({2, 15, 15, 11}, 7);
  const Tensor got = run_cpu("MaxPool", {x}, attrs), want = run_op("MaxPool", {x}, attrs)[0];
  ASSERT_EQ(got.shape(), want.shape());
  EXPECT_EQ(std::memcmp(got.data(), want.data(), got.nbytes()), 0);
}

TEST(CpuBackend, GemmAndMatMulMatchReference) {
  const Tensor a = random_tensor({5, 37}, 1), bt = random_tensor({19, 37}, 2);
  const Tensor c = random_tensor({19}, 3);
  const Attrs trans = {{"transB", int64_t{1}}};
  EXPECT_LT(max_rel_diff(run_cpu("Gemm", {a, bt, c}, trans), run_op("Gemm", {a, bt, c}, trans)[0]),
            1e-4f);
  const Tensor b = random_tensor({37, 19}, 4);
  EXPECT_LT(max_rel_diff(run_cpu("Gemm", {a, b}, {}), run_op("Gemm", {a, b}, {})[0]), 1e-4f);
  const Tensor a3 = random_tensor({2, 3, 37}, 5);
  EXPECT_LT(max_rel_diff(run_cpu("MatMul", {a3, b}, {}), run_op("MatMul", {a3, b}, {})[0]), 1e-4f);
  // What oneDNN's matmul here does not do is declined, for the reference to take.
  EXPECT_FALSE(cpu_supports("Gemm", {a, bt, c}, {{"transB", int64_t{1}}, {"alpha", 2.f}}));
  EXPECT_FALSE(cpu_supports("Gemm", {random_tensor({37, 5}, 6), b}, {{"transA", int64_t{1}}}));
}

// The largest difference between two int8 results, in quantisation steps.
int max_step_diff(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.shape(), b.shape());
  int m = 0;
  for (int64_t i = 0; i < a.numel(); ++i)
    m = std::max(m, std::abs(int{a.data_as<int8_t>()[i]} - int{b.data_as<int8_t>()[i]}));
  return m;
}

// ConvInt8 with every epilogue: i8 and f32 outputs, i8 / f32 residuals, relu / clip, and a
// channel whose weight scale is 0.
TEST(CpuBackend, ConvInt8MatchesReference) {
  uint32_t seed = 500;
  int64_t compared = 0, off_by_one = 0;
  for (const ConvCase& c : conv_cases()) {
    for (const bool int8_out : {true, false}) {
      for (const std::string activation : {"", "relu", "clip"}) {
        for (const int residual : {0, 1, 2}) {      // none, i8, f32
          if (residual == 2 && int8_out) continue;  // declined: the reference backend runs it
          SCOPED_TRACE(c.name + (int8_out ? " i8" : " f32") + " act=" + activation +
                       (residual ? (residual == 1 ? " +R i8" : " +R f32") : ""));
          const Tensor x = random_i8(c.x, seed++), w = random_i8(c.w, seed++);
          Tensor scales = random_tensor({c.w[0]}, seed++, 0.001f, 0.01f);
          scales.data_as<float>()[0] = 0.f;
          const Tensor bias = random_tensor({c.w[0]}, seed++, -2.f, 2.f);
          Attrs attrs = c.attrs;
          attrs["x_scale"] = 0.05f;
          attrs["y_scale"] = int8_out ? 0.04f : 0.f;
          attrs["activation"] = activation;
          if (activation == "clip") {
            attrs["clip_min"] = -1.5f;
            attrs["clip_max"] = 2.f;
          }
          std::vector<Tensor> inputs{x, w, scales, bias};
          if (residual) {
            const Tensor shape_probe = run_op("ConvInt8", inputs, attrs)[0];
            attrs["r_scale"] = 0.03f;
            inputs.push_back(residual == 1 ? random_i8(shape_probe.shape(), seed++)
                                           : random_tensor(shape_probe.shape(), seed++));
          }
          const Tensor want = run_op("ConvInt8", inputs, attrs)[0];
          const Tensor got = run_cpu("ConvInt8", inputs, attrs);
          if (int8_out) {
            EXPECT_LE(max_step_diff(got, want), 1);
            for (int64_t i = 0; i < got.numel(); ++i)
              off_by_one += got.data_as<int8_t>()[i] != want.data_as<int8_t>()[i];
            compared += got.numel();
          } else {
            EXPECT_LT(max_rel_diff(got, want), 1e-4f);
          }
        }
      }
    }
  }
  // One-step differences come from the folded bias' rounding only: rare.
  EXPECT_LT(static_cast<double>(off_by_one), 1e-3 * static_cast<double>(compared));
}

// QuantizeLinear on the cpu backend is the reference's arithmetic: bit-identical outputs, ties
// (x / scale = k + 0.5) rounded to even and saturation included, per tensor and per axis.
TEST(CpuBackend, QuantizeLinearIsTheReferences) {
  Tensor x = random_tensor({2, 3, 5, 7}, 5, -40.f, 40.f);
  const std::vector<float> ties = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 1000.f, -1000.f};
  for (size_t i = 0; i < ties.size(); ++i) x.data_as<float>()[i] = ties[i];
  Tensor scalar_scale(DataType::kFloat32, {});
  scalar_scale.data_as<float>()[0] = 1.f;
  Tensor channel_scales = make_f32({3}, {0.25f, 0.3f, 1.f});
  for (const DataType y : {DataType::kInt8, DataType::kUInt8}) {
    Tensor scalar_zero(y, {});
    Tensor channel_zeros(y, {3});
    const auto zero_of = [&](Tensor& t, size_t i, int v) {
      if (y == DataType::kInt8)
        t.data_as<int8_t>()[i] = static_cast<int8_t>(v);
      else
        t.data_as<uint8_t>()[i] = static_cast<uint8_t>(v + 128);
    };
    zero_of(scalar_zero, 0, 3);
    for (size_t c = 0; c < 3; ++c) zero_of(channel_zeros, c, static_cast<int>(c) - 1);
    for (const bool per_axis : {false, true}) {
      SCOPED_TRACE(std::string(dtype_name(y)) + (per_axis ? " per axis" : " per tensor"));
      const std::vector<Tensor> in = {x, per_axis ? channel_scales : scalar_scale,
                                      per_axis ? channel_zeros : scalar_zero};
      const Attrs attrs = {{"axis", int64_t{1}}};
      EXPECT_TRUE(bit_identical(run_cpu("QuantizeLinear", in, attrs),
                                run_op("QuantizeLinear", in, attrs)[0]));
    }
  }
}

TEST(CpuBackend, MatMulInt8MatchesReference) {
  const Tensor a = random_i8({3, 5, 45}, 1), b = random_i8({45, 29}, 2);
  const Tensor scales = random_tensor({29}, 3, 0.001f, 0.01f);
  const Tensor bias = random_tensor({29}, 4, -1.f, 1.f);
  for (const bool int8_out : {true, false}) {
    Attrs attrs = {{"a_scale", 0.02f},
                   {"y_scale", int8_out ? 0.03f : 0.f},
                   {"activation", std::string("relu")}};
    const Tensor want = run_op("MatMulInt8", {a, b, scales, bias}, attrs)[0];
    const Tensor got = run_cpu("MatMulInt8", {a, b, scales, bias}, attrs);
    if (int8_out)
      EXPECT_LE(max_step_diff(got, want), 1);
    else
      EXPECT_LT(max_rel_diff(got, want), 1e-4f);
  }
}

// bf16: the cpu kernels (bf16 in and out, f32 accumulation and post-ops, one rounding) against
// the reference's bf16 kernels (computed in f32, rounded after each op). Both round to bf16, so
// they agree to within two bf16 steps of the output's largest value.
TEST(CpuBackend, Bf16ConvAndFusedConvMatchReferenceBf16) {
  uint32_t seed = 500;
  for (const ConvCase& c : conv_cases()) {
    const Tensor x = to_bf16(random_tensor(c.x, seed++)), w = to_bf16(random_tensor(c.w, seed++));
    const Tensor b = to_bf16(random_tensor({c.w[0]}, seed++));
    {
      SCOPED_TRACE(c.name + " Conv");
      expect_bf16_close(run_cpu("Conv", {x, w, b}, c.attrs), run_op("Conv", {x, w, b}, c.attrs)[0]);
      expect_bf16_close(run_cpu("Conv", {x, w}, c.attrs), run_op("Conv", {x, w}, c.attrs)[0]);
    }
    const Tensor r = to_bf16(random_tensor(run_op("Conv", {x, w}, c.attrs)[0].shape(), seed++));
    for (const std::string activation : {"relu", "clip"}) {
      SCOPED_TRACE(c.name + " FusedConv activation=" + activation);
      Attrs attrs = c.attrs;
      attrs["activation"] = activation;
      attrs["clip_min"] = -0.5f;
      attrs["clip_max"] = 0.75f;
      expect_bf16_close(run_cpu("FusedConv", {x, w, b, r}, attrs),
                        run_op("FusedConv", {x, w, b, r}, attrs)[0]);
    }
  }
}

TEST(CpuBackend, Bf16PoolingGemmAndMatMulMatchReferenceBf16) {
  const std::vector<std::pair<std::string, Attrs>> pools = {
      {"MaxPool",
       {{"kernel_shape", std::vector<int64_t>{3, 3}},
        {"strides", std::vector<int64_t>{2, 2}},
        {"pads", std::vector<int64_t>{1, 1, 1, 1}},
        {"channels_last", int64_t{1}}}},
      {"AveragePool",
       {{"kernel_shape", std::vector<int64_t>{3, 2}},
        {"pads", std::vector<int64_t>{1, 1, 1, 1}},
        {"strides", std::vector<int64_t>{2, 1}}}},
      {"GlobalAveragePool", {{"channels_last", int64_t{1}}}},
  };
  uint32_t seed = 600;
  for (const auto& [op, attrs] : pools) {
    SCOPED_TRACE(op);
    const Tensor x = to_bf16(random_tensor({3, 17, 13, 11}, seed++));
    expect_bf16_close(run_cpu(op, {x}, attrs), run_op(op, {x}, attrs)[0]);
  }
  const Tensor x = to_bf16(random_tensor({2, 9, 7, 5}, seed++));
  const Attrs max = pools[0].second;
  const Tensor exact = run_cpu("MaxPool", {x}, max);  // a maximum needs no rounding
  EXPECT_EQ(std::memcmp(exact.data(), run_op("MaxPool", {x}, max)[0].data(), exact.nbytes()), 0);

  const Tensor a = to_bf16(random_tensor({5, 37}, 1)), bt = to_bf16(random_tensor({19, 37}, 2));
  const Tensor c = to_bf16(random_tensor({19}, 3));
  const Attrs trans = {{"transB", int64_t{1}}};
  expect_bf16_close(run_cpu("Gemm", {a, bt, c}, trans), run_op("Gemm", {a, bt, c}, trans)[0]);
  const Tensor b = to_bf16(random_tensor({37, 19}, 4));
  const Tensor a3 = to_bf16(random_tensor({2, 3, 37}, 5));
  expect_bf16_close(run_cpu("MatMul", {a3, b}, {}), run_op("MatMul", {a3, b}, {})[0]);
}

TEST(CpuBackend, Bf16CastsMatchReference) {
  Tensor x = random_tensor({3, 5, 7}, 9, -100.f, 100.f);
  // Ties, infinities and the largest float (beyond bf16's range), but no f32 subnormals:
  // vcvtneps2bf16 flushes those to zero.
  const std::vector<float> special = {1.f + 0x1p-8f,
                                      1.f + 3 * 0x1p-8f,
                                      -0.f,
                                      std::numeric_limits<float>::infinity(),
                                      -std::numeric_limits<float>::infinity(),
                                      std::numeric_limits<float>::max()};
  std::copy(special.begin(), special.end(), x.data_as<float>());
  const Attrs to_bf16_attrs = {{"to", int64_t{16}}}, to_f32_attrs = {{"to", int64_t{1}}};
  const Tensor narrow = run_cpu("Cast", {x}, to_bf16_attrs);
  const Tensor want = run_op("Cast", {x}, to_bf16_attrs)[0];
  ASSERT_EQ(narrow.dtype(), DataType::kBFloat16);
  EXPECT_EQ(std::memcmp(narrow.data(), want.data(), want.nbytes()), 0);
  const Tensor wide = run_cpu("Cast", {narrow}, to_f32_attrs);
  ASSERT_EQ(wide.dtype(), DataType::kFloat32);
  EXPECT_EQ(
      std::memcmp(wide.data(), run_op("Cast", {narrow}, to_f32_attrs)[0].data(), wide.nbytes()), 0);
  // Other casts stay on the reference backend.
  EXPECT_FALSE(cpu_supports("Cast", {x}, {{"to", int64_t{10}}}));
}

const std::string kModels = std::string(QRT_SOURCE_DIR) + "/models/";

Tensor run_model(const std::string& model, const BuilderConfig& config) {
  auto engine = Builder().build_from_onnx(kModels + model, config);
  return engine->create_context()
      ->run({{"image", io::load_npy(kModels + "fashion_sample.npy")}})
      .at("logits");
}

size_t nodes_on(const std::string& model, const BuilderConfig& config, const std::string& backend) {
  auto engine = Builder().build_from_onnx(kModels + model, config);
  size_t n = 0;
  for (const ir::Node* node : engine->impl().nodes) n += node->backend == backend;
  return n;
}

BuilderConfig model_config(const std::string& precision, std::vector<std::string> backends) {
  BuilderConfig c;
  c.precision = precision;
  c.backends = std::move(backends);
  c.batch = BatchProfile{1, 8, 8};
  if (precision == "int8") {
    const Tensor x = io::load_npy(kModels + "fashion_sample.npy");
    c.calibration.num_batches = 1;
    c.calibration.batch = [x](int64_t) { return std::map<std::string, Tensor>{{"image", x}}; };
  }
  return c;
}

TEST(CpuBackend, ModelsEndToEndMatchReference) {
  for (const std::string model : {"fashion_cnn.onnx", "fashion_resnet.onnx"}) {
    SCOPED_TRACE(model);
    const Tensor fp32_ref = run_model(model, model_config("fp32", {"reference"}));
    const auto fp32_cpu_config = model_config("fp32", {"cpu", "reference"});
    EXPECT_GT(nodes_on(model, fp32_cpu_config, "cpu"), 0u);
    EXPECT_LT(max_rel_diff(run_model(model, fp32_cpu_config), fp32_ref), 1e-3f);

    const Tensor int8_ref = run_model(model, model_config("int8", {"reference"}));
    const auto int8_cpu_config = model_config("int8", {"cpu", "reference"});
    EXPECT_GT(nodes_on(model, int8_cpu_config, "cpu"), 0u);
    // A one-step difference in a hidden layer moves the logits by about one output step.
    const Tensor int8_cpu = run_model(model, int8_cpu_config);
    EXPECT_LT(max_abs_diff(int8_cpu, int8_ref), 0.05f * std::max(1.f, [&] {
                                                  float m = 0;
                                                  for (int64_t i = 0; i < int8_ref.numel(); ++i)
                                                    m = std::max(
                                                        m, std::fabs(int8_ref.data_as<float>()[i]));
                                                  return m;
                                                }()));
  }
}

// Transpose (a oneDNN reorder) and the shape-only ops (copies) move bytes: bit-identical to the
// reference on odd shapes, any permutation, f32, bf16 and int8.
TEST(CpuBackend, DataMovementIsExact) {
  const std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>> cases = {
      {{3, 5, 7, 2}, {0, 2, 3, 1}},  // NCHW -> NHWC
      {{3, 7, 2, 5}, {0, 3, 1, 2}},  // NHWC -> NCHW
      {{2, 3, 4, 5, 6}, {4, 0, 3, 1, 2}},
      {{9, 11}, {}},  // no perm: reversed
      {{13}, {0}},
  };
  uint32_t seed = 700;
  for (const auto& [shape, perm] : cases) {
    const Tensor f = random_tensor(shape, seed++);
    for (const Tensor& x : {f, to_bf16(f), random_i8(shape, seed++)}) {
      SCOPED_TRACE(std::string(dtype_name(x.dtype())) + " rank " + std::to_string(shape.size()));
      Attrs attrs;
      if (!perm.empty()) attrs["perm"] = perm;
      const Tensor got = run_cpu("Transpose", {x}, attrs);
      const Tensor want = run_op("Transpose", {x}, attrs)[0];
      ASSERT_EQ(got.shape(), want.shape());
      EXPECT_EQ(std::memcmp(got.data(), want.data(), want.nbytes()), 0);
    }
  }
  const Tensor x = to_bf16(random_tensor({2, 3, 1, 1}, seed++));
  const Tensor flat = run_cpu("Flatten", {x}, {});
  EXPECT_EQ(flat.shape(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(std::memcmp(flat.data(), x.data(), x.nbytes()), 0);
  // Element types oneDNN does not have stay on the reference backend.
  EXPECT_FALSE(cpu_supports("Transpose", {make_i64({2, 2}, {1, 2, 3, 4})}, {}));
}

// The bf16 models run on the cpu backend from the input Cast to the output Cast, close to FP32.
TEST(CpuBackend, Bf16ModelsRunOnCpuCloseToFp32) {
  for (const std::string model :
       {"fashion_cnn.onnx", "fashion_resnet.onnx", "fashion_mobilenetv2.onnx"}) {
    SCOPED_TRACE(model);
    const Tensor fp32 = run_model(model, model_config("fp32", {"reference"}));
    const auto config = model_config("bf16", {"cpu", "reference"});
    auto engine = Builder().build_from_onnx(kModels + model, config);
    size_t bf16_nodes = 0;
    for (const ir::Node* node : engine->impl().nodes) {
      EXPECT_EQ(node->backend, "cpu") << node->describe() << ": " << node->fallback_reason;
      bf16_nodes += node->kernel_dtype == DataType::kBFloat16;
    }
    EXPECT_GT(bf16_nodes, 3u);
    const Tensor bf16 = engine->create_context()
                            ->run({{"image", io::load_npy(kModels + "fashion_sample.npy")}})
                            .at("logits");
    float largest = 1.f;
    for (float v : fp32.to_float_vector()) largest = std::max(largest, std::fabs(v));
    EXPECT_LT(max_abs_diff(bf16, fp32), 0.05f * largest);
    EXPECT_LT(max_abs_diff(bf16, run_model(model, model_config("bf16", {"reference"}))),
              0.02f * largest);
  }
}

}  // namespace
}  // namespace qrt::test
