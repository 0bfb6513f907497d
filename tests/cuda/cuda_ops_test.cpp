// The CUDA backend's non-GEMM kernels against the reference backend: f32 to ~1e-6 relative,
// f16 within f16 rounding of the reference's f16 result, int8 and data movement bit-exact.
#include <gtest/gtest.h>

#include <cmath>
#include <iterator>
#include <string>
#include <vector>

#include "cuda/cuda_test_util.h"
#include "ir/onnx_dtype.h"
#include "op_test_util.h"

namespace qrt::test {
namespace {

using Attrs = std::map<std::string, ir::AttributeValue>;
using Shape = std::vector<int64_t>;

constexpr double kF32Tol = 2e-6;
constexpr double kF16Tol = 1e-3;

// Shapes with odd sizes, channels not multiples of 8, batch 1 and a large batch.
const std::vector<Shape> kShapes = {{1, 3, 7, 5}, {2, 13, 9, 11}, {256, 5, 3, 7}};

Tensor random_i8(const Shape& shape, uint32_t seed) {
  const Tensor f = random_tensor(shape, seed, -128.f, 128.f);
  std::vector<int8_t> v;
  for (float x : f.to_float_vector()) v.push_back(static_cast<int8_t>(std::floor(x)));
  return Tensor::from_vector(DataType::kInt8, shape, v);
}

// The same tensor in f16 when `half`.
Tensor as(bool half, const Tensor& t) { return half ? to_f16(t) : t; }

void expect_same(const Tensor& got, const Tensor& ref, double tol, const std::string& what) {
  ASSERT_EQ(got.dtype(), ref.dtype()) << what;
  ASSERT_EQ(got.shape(), ref.shape()) << what;
  if (is_floating(ref.dtype()))
    EXPECT_LE(max_rel_error(got, ref), tol) << what;
  else
    EXPECT_EQ(count_int_diff(got, ref), 0) << what;
}

// Runs op on both backends and compares every output.
void expect_match(const std::string& op, const std::vector<Tensor>& inputs, const Attrs& attrs,
                  double tol, const std::string& what = "", size_t outputs = 1) {
  const std::vector<Tensor> ref = run_op(op, inputs, attrs, outputs);
  const std::vector<Tensor> got = run_cuda_op(op, inputs, attrs, outputs);
  ASSERT_EQ(got.size(), ref.size());
  for (size_t k = 0; k < ref.size(); ++k)
    expect_same(got[k], ref[k], tol, op + " " + what + " output " + std::to_string(k));
}

double tol_for(bool half) { return half ? kF16Tol : kF32Tol; }

TEST(CudaOps, UnaryActivationsAndMath) {
  QRT_SKIP_WITHOUT_GPU();
  const std::vector<std::pair<std::string, Attrs>> ops = {
      {"Relu", {}},      {"LeakyRelu", {{"alpha", 0.1f}}},
      {"Elu", {}},       {"HardSigmoid", {{"alpha", 0.3f}, {"beta", 0.4f}}},
      {"HardSwish", {}}, {"Sigmoid", {}},
      {"Softplus", {}},  {"Gelu", {}},
      {"Tanh", {}},      {"Erf", {}},
      {"Exp", {}},       {"Neg", {}},
      {"Abs", {}},       {"Floor", {}},
      {"Ceil", {}},      {"Round", {}},
      {"Softsign", {}},  {"Reciprocal", {}}};
  uint32_t seed = 1;
  for (const auto& [op, attrs] : ops)
    for (const Shape& shape : kShapes)
      for (bool half : {false, true})
        expect_match(op, {as(half, random_tensor(shape, seed++, -4.f, 4.f))}, attrs, tol_for(half),
                     half ? "f16" : "f32");
  for (const char* op : {"Sqrt", "Log"})
    for (bool half : {false, true})
      expect_match(op, {as(half, random_tensor({3, 17, 5}, seed++, 0.1f, 9.f))}, {}, tol_for(half));
}

TEST(CudaOps, ReluInt8AndClipBounds) {
  QRT_SKIP_WITHOUT_GPU();
  for (const Shape& shape : kShapes) expect_match("Relu", {random_i8(shape, 3)}, {}, 0, "i8");
  for (bool half : {false, true}) {
    const Tensor x = as(half, random_tensor({4, 6, 5, 5}, 7, -8.f, 8.f));
    expect_match("Clip", {x, as(half, make_f32({}, {0.f})), as(half, make_f32({}, {6.f}))}, {},
                 tol_for(half), "relu6");
    expect_match("Clip", {x, Tensor(), as(half, make_f32({}, {1.5f}))}, {}, tol_for(half),
                 "max only");
    expect_match("Clip", {x, as(half, make_f32({}, {-1.f})), Tensor()}, {}, tol_for(half),
                 "min only");
  }
}

// Pairs of broadcasting shapes: same, per-channel (NCHW and NHWC), scalar, both broadcast.
const std::vector<std::pair<Shape, Shape>> kBroadcasts = {{{2, 13, 9, 11}, {2, 13, 9, 11}},
                                                          {{3, 13, 9, 11}, {13, 1, 1}},
                                                          {{3, 9, 11, 13}, {13}},
                                                          {{256, 5, 7}, {}},
                                                          {{1}, {4, 3, 5}},
                                                          {{4, 1, 7}, {1, 5, 1}},
                                                          {{2, 3, 4, 5, 6}, {3, 1, 5, 1}},
                                                          {{1, 13, 1, 1}, {7, 13, 3, 2}}};

TEST(CudaOps, BroadcastingArithmetic) {
  QRT_SKIP_WITHOUT_GPU();
  uint32_t seed = 100;
  for (const char* op : {"Add", "Sub", "Mul", "Div", "Max", "Min", "Pow", "Sum", "Mean"})
    for (const auto& [sa, sb] : kBroadcasts)
      for (bool half : {false, true}) {
        const bool positive = std::string(op) == "Pow" || std::string(op) == "Div";
        const Tensor a = as(half, random_tensor(sa, seed++, positive ? 0.5f : -3.f, 3.f));
        const Tensor b = as(half, random_tensor(sb, seed++, positive ? 0.5f : -3.f, 3.f));
        expect_match(op, {a, b}, {}, tol_for(half), half ? "f16" : "f32");
      }
  // Pow with a scalar f32 exponent on f16 data; integer arithmetic.
  expect_match("Pow", {to_f16(random_tensor({5, 7, 9}, 3, 0.f, 2.f)), make_f32({}, {2.f})}, {},
               kF16Tol);
  const Tensor ia = make_i64({3, 4}, {1, -2, 3, 4, 5, 6, 7, 8, 9, 10, 11, -12});
  const Tensor ib = make_i64({4}, {3, 1, -1, 2});
  for (const char* op : {"Add", "Sub", "Mul"}) expect_match(op, {ia, ib}, {}, 0, "i64");
}

TEST(CudaOps, VariadicComparisonsAndWhere) {
  QRT_SKIP_WITHOUT_GPU();
  for (const char* op : {"Sum", "Mean", "Max", "Min"})
    for (bool half : {false, true}) {
      const Tensor a = as(half, random_tensor({6, 5, 4}, 1));
      const Tensor b = as(half, random_tensor({5, 1}, 2));
      const Tensor c = as(half, random_tensor({6, 1, 4}, 3));
      expect_match(op, {a}, {}, tol_for(half), "one input");
      expect_match(op, {a, b, c}, {}, tol_for(half), "three inputs");
      expect_match(op, {a, b, c, a}, {}, tol_for(half), "four inputs");
    }
  const Tensor x = random_tensor({4, 1, 6}, 6), y = random_tensor({5, 6}, 7);
  for (const char* op : {"Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual"})
    expect_match(op, {x, y}, {}, 0);
  expect_match("Equal", {x, x}, {}, 0, "self");
  const Tensor cond = run_op("Less", {x, y})[0];
  expect_match("Where", {cond, x, y}, {}, 0, "f32");
  expect_match("Where", {cond, to_f16(x), to_f16(y)}, {}, 0, "f16");
  expect_match("Where", {cond, random_i8({4, 5, 6}, 8), random_i8({6}, 9)}, {}, 0, "i8");
}

TEST(CudaOps, Cast) {
  QRT_SKIP_WITHOUT_GPU();
  Tensor x = random_tensor({3, 17, 5}, 11, -300.f, 300.f);
  x.data_as<float>()[0] = NAN;
  x.data_as<float>()[1] = 0.5f;
  x.data_as<float>()[2] = -2.5f;
  const std::vector<DataType> types = {DataType::kFloat32, DataType::kFloat16, DataType::kInt8,
                                       DataType::kUInt8,   DataType::kInt32,   DataType::kInt64,
                                       DataType::kBool};
  for (DataType to : types)
    expect_match("Cast", {x}, {{"to", int64_t{ir::dtype_to_onnx(to)}}}, 0,
                 std::string(dtype_name(to)));
  const Tensor i = make_i64({5}, {-3, 0, 7, 100000, -70000});
  for (DataType to : types)
    expect_match("Cast", {i}, {{"to", int64_t{ir::dtype_to_onnx(to)}}}, 0,
                 "i64 to " + std::string(dtype_name(to)));
  expect_match("Cast", {to_f16(x)}, {{"to", int64_t{1}}}, 0, "f16 to f32");
}

TEST(CudaOps, QuantizeAndDequantizeLinear) {
  QRT_SKIP_WITHOUT_GPU();
  Tensor x = random_tensor({3, 13, 5, 7}, 21, -40.f, 40.f);
  float* xp = x.data_as<float>();
  xp[0] = NAN, xp[1] = INFINITY, xp[2] = -1e30f, xp[3] = 2.5f * 0.25f, xp[4] = -3.5f * 0.25f;
  const Tensor zp = Tensor::from_vector(DataType::kInt8, {}, std::vector<int8_t>{0});
  const Tensor uzp = Tensor::from_vector(DataType::kUInt8, {}, std::vector<uint8_t>{128});
  for (bool half : {false, true}) {
    const Tensor xs = as(half, x);
    expect_match("QuantizeLinear", {xs, make_f32({}, {0.25f}), zp}, {}, 0, "per tensor i8");
    expect_match("QuantizeLinear", {xs, make_f32({}, {0.3f}), uzp}, {}, 0, "per tensor u8");
    const Tensor scales = random_tensor({13}, 22, 0.05f, 0.5f);
    const Tensor zps = Tensor::from_vector(DataType::kInt8, {13}, std::vector<int8_t>(13, 0));
    expect_match("QuantizeLinear", {xs, scales, zps}, {{"axis", int64_t{1}}}, 0, "per channel");
    const Tensor last = random_tensor({7}, 23, 0.05f, 0.5f);
    expect_match("QuantizeLinear",
                 {xs, last, Tensor::from_vector(DataType::kInt8, {7}, std::vector<int8_t>(7, 0))},
                 {{"axis", int64_t{-1}}}, 0, "last axis");
  }
  const Tensor q = random_i8({3, 13, 5, 7}, 24);
  expect_match("DequantizeLinear", {q, make_f32({}, {0.0173f})}, {}, 0, "per tensor");
  expect_match("DequantizeLinear", {q, make_f32({}, {0.0173f}), zp}, {}, 0, "with zero point");
  expect_match("DequantizeLinear", {q, random_tensor({13}, 25, 0.01f, 0.1f)},
               {{"axis", int64_t{1}}}, 0, "per channel");
  expect_match("DequantizeLinear", {q, to_f16(make_f32({}, {0.0173f}))}, {}, 0, "f16 scale");
  const Tensor q32 =
      Tensor::from_vector(DataType::kInt32, {4}, std::vector<int32_t>{-7, 0, 9, 123456});
  expect_match("DequantizeLinear", {q32, make_f32({}, {0.001f})}, {}, 0, "int32");
}

// qrt.QuantizeToNhwc (the INT8 engine's input): both kernels (C <= 4 per pixel, larger C
// through shared memory; vector loads where H*W is a multiple of 4, word stores where C is)
// bit for bit against the reference, ties, saturation, infinities and NaN included.
TEST(CudaOps, QuantizeToNhwc) {
  QRT_SKIP_WITHOUT_GPU();
  const float scale = 0.05f;
  const float special[] = {NAN,           INFINITY,       -INFINITY,       1e30f,
                           -1e30f,        0.5f * scale,   -0.5f * scale,   1.5f * scale,
                           -2.5f * scale, 126.5f * scale, -128.5f * scale, 127.5f * scale,
                           -0.f,          127.4f * scale};
  uint32_t seed = 40;
  for (int64_t c : {1, 2, 3, 4, 6, 16, 20, 37, 64})
    for (const Shape& hw : std::vector<Shape>{{7, 5}, {9, 11}, {8, 6}, {1, 1}, {33, 32}})
      for (int64_t n : {1, 5}) {
        Tensor x = random_tensor({n, c, hw[0], hw[1]}, seed++, -150.f * scale, 150.f * scale);
        for (int64_t i = 0; i < x.numel(); i += 3)
          x.data_as<float>()[i] = special[static_cast<size_t>(i / 3) % std::size(special)];
        const std::string what = "C=" + std::to_string(c) + " " + std::to_string(hw[0]) + "x" +
                                 std::to_string(hw[1]) + " N=" + std::to_string(n);
        for (int8_t zero_point : {int8_t{0}, int8_t{-3}}) {
          const Tensor zp =
              Tensor::from_vector(DataType::kInt8, {}, std::vector<int8_t>{zero_point});
          expect_match("QuantizeToNhwc", {x, make_f32({}, {scale}), zp}, {}, 0, what);
          // And the pair it replaces.
          const Tensor pair =
              run_op("Transpose", {run_op("QuantizeLinear", {x, make_f32({}, {scale}), zp})[0]},
                     {{"perm", std::vector<int64_t>{0, 2, 3, 1}}})[0];
          expect_same(run_cuda_op("QuantizeToNhwc", {x, make_f32({}, {scale}), zp})[0], pair, 0,
                      what + " against QuantizeLinear + Transpose");
        }
        expect_match("QuantizeToNhwc",
                     {x, to_f16(make_f32({}, {0.0173f})),
                      Tensor::from_vector(DataType::kInt8, {}, std::vector<int8_t>{5})},
                     {}, 0, what + " f16 scale");
      }
  // A tensor larger than one grid's worth of blocks (grid-stride loops) and batch 256 (ResNet's
  // first layer input, smaller).
  expect_match("QuantizeToNhwc",
               {random_tensor({256, 3, 32, 32}, 90, -10.f, 10.f), make_f32({}, {0.04f}),
                Tensor::from_vector(DataType::kInt8, {}, std::vector<int8_t>{0})},
               {}, 0, "batch 256");
}

TEST(CudaOps, AddInt8) {
  QRT_SKIP_WITHOUT_GPU();
  const std::vector<Attrs> variants = {
      {{"a_scale", 0.031f}, {"b_scale", 0.017f}, {"y_scale", 0.04f}},
      {{"a_scale", 0.031f},
       {"b_scale", 0.017f},
       {"y_scale", 0.02f},
       {"activation", std::string("relu")}},
      {{"a_scale", 0.031f},
       {"b_scale", 0.017f},
       {"y_scale", 0.01f},
       {"activation", std::string("clip")},
       {"clip_min", 0.f},
       {"clip_max", 1.5f}},
      {{"a_scale", 0.031f}, {"b_scale", 0.017f}},  // f32 output
  };
  for (const Attrs& attrs : variants)
    for (const auto& [sa, sb] : kBroadcasts)
      expect_match("AddInt8", {random_i8(sa, 31), random_i8(sb, 32)}, attrs, 0);
}

// NCHW reference for channels_last: y = transpose(ref(transpose(x))).
Tensor to_nhwc(const Tensor& t) {
  return run_op("Transpose", {t}, {{"perm", std::vector<int64_t>{0, 2, 3, 1}}})[0];
}

void expect_pool(const std::string& op, const Tensor& x, Attrs attrs, double tol,
                 const std::string& what, const std::vector<Tensor>& params = {}) {
  std::vector<Tensor> inputs = {x};
  inputs.insert(inputs.end(), params.begin(), params.end());
  expect_match(op, inputs, attrs, tol, what + " NCHW");
  const Tensor expected = to_nhwc(run_op(op, inputs, attrs)[0]);
  inputs[0] = to_nhwc(x);
  attrs["channels_last"] = int64_t{1};
  const std::vector<Tensor> got =
      run_cuda_op_typed(op, inputs, attrs, {{expected.dtype(), expected.shape()}});
  expect_same(got[0], expected, tol, op + " " + what + " NHWC");
}

TEST(CudaOps, Pooling) {
  QRT_SKIP_WITHOUT_GPU();
  const std::vector<Attrs> windows = {
      {{"kernel_shape", std::vector<int64_t>{3, 3}},
       {"strides", std::vector<int64_t>{2, 2}},
       {"pads", std::vector<int64_t>{1, 1, 1, 1}}},
      {{"kernel_shape", std::vector<int64_t>{2, 2}}, {"strides", std::vector<int64_t>{2, 2}}},
      {{"kernel_shape", std::vector<int64_t>{3, 2}},
       {"strides", std::vector<int64_t>{2, 1}},
       {"ceil_mode", int64_t{1}}},
      {{"kernel_shape", std::vector<int64_t>{3, 3}},
       {"strides", std::vector<int64_t>{2, 2}},
       {"pads", std::vector<int64_t>{1, 0, 1, 2}},
       {"ceil_mode", int64_t{1}},
       {"count_include_pad", int64_t{1}}}};
  const std::vector<Shape> shapes = {{1, 3, 7, 5}, {2, 13, 9, 11}, {64, 16, 8, 8}, {3, 32, 9, 7}};
  uint32_t seed = 40;
  for (const Attrs& w : windows)
    for (const Shape& shape : shapes) {
      for (bool half : {false, true}) {
        const Tensor x = as(half, random_tensor(shape, seed++));
        expect_pool("MaxPool", x, w, 0, half ? "f16" : "f32");
        expect_pool("AveragePool", x, w, tol_for(half), half ? "f16" : "f32");
      }
      expect_pool("MaxPool", random_i8(shape, seed++), w, 0, "i8");
    }
  // Dilated max pooling (the int8 2-D fast path and the generic kernel).
  const Attrs dilated = {{"kernel_shape", std::vector<int64_t>{3, 2}},
                         {"dilations", std::vector<int64_t>{2, 3}},
                         {"pads", std::vector<int64_t>{2, 1, 1, 3}}};
  for (const Shape& shape : shapes) {
    expect_pool("MaxPool", random_tensor(shape, seed++), dilated, 0, "f32 dilated");
    expect_pool("MaxPool", random_i8(shape, seed++), dilated, 0, "i8 dilated");
  }
  for (const Shape& shape : shapes) {
    for (bool half : {false, true}) {
      const Tensor x = as(half, random_tensor(shape, seed++));
      expect_pool("GlobalAveragePool", x, {}, tol_for(half), half ? "f16" : "f32");
      expect_pool("GlobalMaxPool", x, {}, 0, half ? "f16" : "f32");
    }
  }
}

TEST(CudaOps, BatchNormalization) {
  QRT_SKIP_WITHOUT_GPU();
  for (const Shape& shape : kShapes)
    for (bool half : {false, true}) {
      const int64_t c = shape[1];
      const std::vector<Tensor> params = {
          as(half, random_tensor({c}, 51, 0.5f, 2.f)), as(half, random_tensor({c}, 52)),
          as(half, random_tensor({c}, 53)), as(half, random_tensor({c}, 54, 0.1f, 3.f))};
      expect_pool("BatchNormalization", as(half, random_tensor(shape, 55, -3.f, 3.f)),
                  {{"epsilon", 1e-3f}}, tol_for(half), half ? "f16" : "f32", params);
    }
}

TEST(CudaOps, SoftmaxAndLogSoftmax) {
  QRT_SKIP_WITHOUT_GPU();
  for (const char* op : {"Softmax", "LogSoftmax"})
    for (bool half : {false, true}) {
      const double tol = tol_for(half);
      const Tensor x = as(half, random_tensor({7, 13, 5, 9}, 61, -6.f, 6.f));
      for (int64_t axis : {-1, 1, 0, 2}) expect_match(op, {x}, {{"axis", axis}}, tol, "axis");
      expect_match(op, {x}, {{"axis", int64_t{1}}, {"qrt_coerce_2d", int64_t{1}}}, tol, "2d");
      expect_match(op, {as(half, random_tensor({256, 1000}, 62, -9.f, 9.f))}, {}, tol, "1000");
    }
}

TEST(CudaOps, Reductions) {
  QRT_SKIP_WITHOUT_GPU();
  const Tensor x = random_tensor({5, 13, 9, 11}, 71, -2.f, 2.f);
  const std::vector<std::pair<std::vector<int64_t>, int64_t>> cases = {
      {{2, 3}, 1}, {{1}, 0}, {{-1}, 1}, {{0, 2}, 0}, {{1, 2, 3}, 1}, {{0}, 1}};
  for (const char* op :
       {"ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceSumSquare", "ReduceL2"})
    for (const auto& [axes, keep] : cases)
      for (bool half : {false, true}) {
        const Tensor axes_t = make_i64({static_cast<int64_t>(axes.size())}, axes);
        expect_match(op, {as(half, x), axes_t}, {{"keepdims", keep}}, tol_for(half));
      }
  expect_match("ReduceMean", {x}, {}, kF32Tol, "all axes");
}

TEST(CudaOps, DataMovement) {
  QRT_SKIP_WITHOUT_GPU();
  for (bool half : {false, true}) {
    const Tensor x = as(half, random_tensor({3, 13, 7, 5}, 81));
    const Tensor xi8 = random_i8({3, 13, 7, 5}, 82);
    for (const Tensor& t : {x, xi8}) {
      for (const auto& perm : std::vector<std::vector<int64_t>>{
               {0, 2, 3, 1}, {0, 3, 1, 2}, {1, 0, 2, 3}, {3, 2, 1, 0}, {0, 1, 3, 2}})
        expect_match("Transpose", {t}, {{"perm", perm}}, 0, "transpose");
      expect_match("Reshape", {t, make_i64({2}, {3, -1})}, {}, 0);
      expect_match("Flatten", {t}, {{"axis", int64_t{2}}}, 0);
      expect_match("Identity", {t}, {}, 0);
      expect_match("Unsqueeze", {t, make_i64({1}, {0})}, {}, 0);
      expect_match("Slice",
                   {t, make_i64({2}, {1, -1}), make_i64({2}, {12, 0}), make_i64({2}, {1, 3}),
                    make_i64({2}, {2, -2})},
                   {}, 0, "slice steps");
      expect_match("Slice", {t, make_i64({1}, {2}), make_i64({1}, {6}), make_i64({1}, {2})}, {}, 0,
                   "slice");
      expect_match("Concat", {t, t, t}, {{"axis", int64_t{1}}}, 0, "concat");
      expect_match("Concat", {t, t}, {{"axis", int64_t{-1}}}, 0, "concat last");
      expect_match("Split", {t, make_i64({3}, {4, 1, 8})}, {{"axis", int64_t{1}}}, 0, "split", 3);
      expect_match("Split", {t}, {{"axis", int64_t{0}}}, 0, "split equal", 3);
      for (const char* mode : {"constant", "reflect", "edge"})
        expect_match("Pad", {t, make_i64({8}, {0, 1, 2, 1, 0, 2, 1, 2})},
                     {{"mode", std::string(mode)}}, 0, mode);
      expect_match("Gather", {t, make_i64({4}, {2, -1, 0, 2})}, {{"axis", int64_t{1}}}, 0);
      expect_match("Gather", {t, make_i64({2, 2}, {1, 0, 2, 2})}, {{"axis", int64_t{0}}}, 0);
      expect_match("Expand", {t, make_i64({5}, {2, 1, 1, 1, 1})}, {}, 0);
    }
    // DenseNet-sized concat: many inputs of different widths, channels not multiples of 8.
    std::vector<Tensor> parts;
    for (int k = 0; k < 40; ++k)
      parts.push_back(as(half, random_tensor({2, 1 + k % 7, 3, 5}, 83 + k)));
    expect_match("Concat", parts, {{"axis", int64_t{1}}}, 0, "40 parts");
    // A U-Net skip concatenation in NHWC: channel rows of 16-byte units, int8 and float.
    for (const Tensor& a :
         {as(half, random_tensor({2, 5, 6, 64}, 130)), random_i8({2, 5, 6, 64}, 131)}) {
      const Tensor b = a.dtype() == DataType::kInt8 ? random_i8({2, 5, 6, 32}, 132)
                                                    : as(half, random_tensor({2, 5, 6, 32}, 133));
      expect_match("Concat", {a, b}, {{"axis", int64_t{-1}}}, 0, "nhwc skip concat");
      expect_match("Split", {a, make_i64({2}, {16, 48})}, {{"axis", int64_t{3}}}, 0, "nhwc split",
                   2);
    }
    expect_match("Pad",
                 {x, make_i64({8}, {0, 0, 1, 1, 0, 0, 1, 1}), as(half, make_f32({}, {2.5f}))}, {},
                 0, "value");
  }
  expect_match("Shape", {random_tensor({3, 4, 5}, 1)}, {}, 0);
  expect_match("ConstantOfShape", {make_i64({3}, {2, 3, 4})}, {{"value", make_f32({1}, {1.5f})}},
               0);
}

TEST(CudaOps, Resize) {
  QRT_SKIP_WITHOUT_GPU();
  const Tensor x = random_tensor({2, 5, 7, 9}, 91);
  const Tensor none;
  const Tensor up = make_f32({4}, {1.f, 1.f, 2.f, 2.f});
  const Tensor odd = make_f32({4}, {1.f, 1.f, 1.7f, 0.6f});
  const Tensor sizes = make_i64({4}, {2, 5, 15, 4});
  const std::vector<Attrs> nearest = {
      {{"mode", std::string("nearest")},
       {"coordinate_transformation_mode", std::string("asymmetric")},
       {"nearest_mode", std::string("floor")}},
      {{"mode", std::string("nearest")}},
      {{"mode", std::string("nearest")},
       {"coordinate_transformation_mode", std::string("align_corners")},
       {"nearest_mode", std::string("round_prefer_ceil")}},
      {{"mode", std::string("nearest")},
       {"coordinate_transformation_mode", std::string("tf_half_pixel_for_nn")},
       {"nearest_mode", std::string("ceil")}}};
  std::vector<Attrs> linear;
  for (const char* mode :
       {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric", "half_pixel_symmetric"})
    linear.push_back(
        {{"mode", std::string("linear")}, {"coordinate_transformation_mode", std::string(mode)}});
  for (bool half : {false, true}) {
    for (const Attrs& attrs : nearest) {
      expect_match("Resize", {as(half, x), none, up}, attrs, 0, "nearest up");
      expect_match("Resize", {as(half, x), none, odd}, attrs, 0, "nearest odd");
      expect_match("Resize", {as(half, x), none, none, sizes}, attrs, 0, "nearest sizes");
    }
    for (const Attrs& attrs : linear) {
      expect_match("Resize", {as(half, x), none, up}, attrs, tol_for(half), "linear up");
      expect_match("Resize", {as(half, x), none, odd}, attrs, tol_for(half), "linear odd");
      expect_match("Resize", {as(half, x), none, none, sizes}, attrs, tol_for(half),
                   "linear sizes");
    }
  }
  expect_match("Resize", {random_i8({2, 5, 7, 9}, 92), none, up}, nearest[0], 0, "i8");
}

}  // namespace
}  // namespace qrt::test
