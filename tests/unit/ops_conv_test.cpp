// Conv and ConvTranspose reference kernels against direct (naive) formulas.
#include <gtest/gtest.h>

#include <array>

#include "ops_test_helpers.h"

namespace qrt {
namespace {

using namespace test;

// y[n, m, o] = b[m] + sum_{c, k} x[n, g*C/G + c, o*s - p + k*d] * w[m, c, k] (g = group of m).
Tensor naive_conv(const Tensor& x, const Tensor& w, const Tensor* b, const Spatial& sp,
                  int64_t group) {
  const size_t r = x.rank() - 2;
  const Ints pb(sp.pads.begin(), sp.pads.begin() + r), pe(sp.pads.begin() + r, sp.pads.end());
  const auto in = to3(Ints(x.shape().begin() + 2, x.shape().end()), 1);
  const auto k = to3(sp.kernel, 1), s = to3(sp.strides, 1), d = to3(sp.dilations, 1);
  const auto p0 = to3(pb, 0), p1 = to3(pe, 0);
  std::array<int64_t, 3> out{};
  for (int i = 0; i < 3; ++i) out[i] = (in[i] + p0[i] + p1[i] - (k[i] - 1) * d[i] - 1) / s[i] + 1;
  const int64_t N = x.dim(0), C = x.dim(1), M = w.dim(0), Cg = C / group, Mg = M / group;
  Ints yshape{N, M};
  for (size_t i = 0; i < r; ++i) yshape.push_back(out[3 - r + i]);
  Tensor y(DataType::kFloat32, yshape);
  const float* X = x.data_as<float>();
  const float* W = w.data_as<float>();
  float* Y = y.data_as<float>();
  for (int64_t n = 0; n < N; ++n)
    for (int64_t m = 0; m < M; ++m)
      for (int64_t o0 = 0; o0 < out[0]; ++o0)
        for (int64_t o1 = 0; o1 < out[1]; ++o1)
          for (int64_t o2 = 0; o2 < out[2]; ++o2) {
            double acc = b ? b->data_as<float>()[m] : 0.0;
            for (int64_t c = 0; c < Cg; ++c)
              for (int64_t k0 = 0; k0 < k[0]; ++k0)
                for (int64_t k1 = 0; k1 < k[1]; ++k1)
                  for (int64_t k2 = 0; k2 < k[2]; ++k2) {
                    const int64_t i0 = o0 * s[0] - p0[0] + k0 * d[0];
                    const int64_t i1 = o1 * s[1] - p0[1] + k1 * d[1];
                    const int64_t i2 = o2 * s[2] - p0[2] + k2 * d[2];
                    if (i0 < 0 || i0 >= in[0] || i1 < 0 || i1 >= in[1] || i2 < 0 || i2 >= in[2])
                      continue;
                    const int64_t ci = (m / Mg) * Cg + c;
                    acc += double(X[(((n * C + ci) * in[0] + i0) * in[1] + i1) * in[2] + i2]) *
                           W[(((m * Cg + c) * k[0] + k0) * k[1] + k1) * k[2] + k2];
                  }
            Y[(((n * M + m) * out[0] + o0) * out[1] + o1) * out[2] + o2] = float(acc);
          }
  return y;
}

// y[n, g*M/G + m, i*s - p + k*d] += x[n, g*C/G + c, i] * w[g*C/G + c, m, k], plus b.
Tensor naive_conv_transpose(const Tensor& x, const Tensor& w, const Tensor* b, const Spatial& sp,
                            int64_t group, const Ints& out_spatial) {
  const size_t r = x.rank() - 2;
  const auto in = to3(Ints(x.shape().begin() + 2, x.shape().end()), 1);
  const auto k = to3(sp.kernel, 1), s = to3(sp.strides, 1), d = to3(sp.dilations, 1);
  const auto p0 = to3(Ints(sp.pads.begin(), sp.pads.begin() + r), 0);
  const auto out = to3(out_spatial, 1);
  const int64_t N = x.dim(0), C = x.dim(1), Cg = C / group, Mg = w.dim(1), M = Mg * group;
  Ints yshape{N, M};
  yshape.insert(yshape.end(), out_spatial.begin(), out_spatial.end());
  std::vector<double> acc(static_cast<size_t>(shape_numel(yshape)), 0.0);
  const float* X = x.data_as<float>();
  const float* W = w.data_as<float>();
  for (int64_t n = 0; n < N; ++n)
    for (int64_t ci = 0; ci < C; ++ci)
      for (int64_t m = 0; m < Mg; ++m)
        for (int64_t i0 = 0; i0 < in[0]; ++i0)
          for (int64_t i1 = 0; i1 < in[1]; ++i1)
            for (int64_t i2 = 0; i2 < in[2]; ++i2)
              for (int64_t k0 = 0; k0 < k[0]; ++k0)
                for (int64_t k1 = 0; k1 < k[1]; ++k1)
                  for (int64_t k2 = 0; k2 < k[2]; ++k2) {
                    const int64_t o0 = i0 * s[0] - p0[0] + k0 * d[0];
                    const int64_t o1 = i1 * s[1] - p0[1] + k1 * d[1];
                    const int64_t o2 = i2 * s[2] - p0[2] + k2 * d[2];
                    if (o0 < 0 || o0 >= out[0] || o1 < 0 || o1 >= out[1] || o2 < 0 || o2 >= out[2])
                      continue;
                    const int64_t mo = (ci / Cg) * Mg + m;
                    acc[(((n * M + mo) * out[0] + o0) * out[1] + o1) * out[2] + o2] +=
                        double(X[(((n * C + ci) * in[0] + i0) * in[1] + i1) * in[2] + i2]) *
                        W[(((ci * Mg + m) * k[0] + k0) * k[1] + k1) * k[2] + k2];
                  }
  Tensor y(DataType::kFloat32, yshape);
  const int64_t per_channel = out[0] * out[1] * out[2];
  for (size_t i = 0; i < acc.size(); ++i)
    y.data_as<float>()[i] =
        float(acc[i] + (b ? b->data_as<float>()[(int64_t(i) / per_channel) % M] : 0.0));
  return y;
}

Attrs conv_attrs(const Spatial& sp, int64_t group) {
  return {{"kernel_shape", sp.kernel},
          {"strides", sp.strides},
          {"dilations", sp.dilations},
          {"pads", sp.pads},
          {"group", group}};
}

struct ConvCase {
  Ints x_shape;
  int64_t out_channels;
  int64_t group;
  Spatial sp;
  bool bias;
};

TEST(ConvOp, MatchesNaiveFormula) {
  const std::vector<ConvCase> cases = {
      // 2-D: plain, strided + asymmetric pads, dilated, grouped, depthwise, depthwise x2.
      {{1, 3, 7, 9}, 4, 1, {{3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}}, true},
      {{2, 3, 11, 8}, 5, 1, {{3, 2}, {2, 3}, {1, 1}, {0, 1, 2, 1}}, false},
      {{1, 2, 10, 9}, 3, 1, {{3, 3}, {1, 2}, {2, 3}, {2, 1, 0, 3}}, true},
      {{1, 6, 6, 7}, 4, 2, {{3, 1}, {1, 1}, {1, 1}, {1, 0, 1, 0}}, true},
      {{2, 5, 9, 9}, 5, 5, {{3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}}, true},
      {{1, 4, 8, 5}, 8, 4, {{5, 3}, {1, 1}, {1, 2}, {2, 2, 2, 2}}, false},
      // 1x1 pointwise (no im2col) and a kernel as large as the input.
      {{2, 7, 5, 6}, 9, 1, {{1, 1}, {1, 1}, {1, 1}, {0, 0, 0, 0}}, true},
      {{1, 2, 4, 5}, 3, 1, {{4, 5}, {1, 1}, {1, 1}, {0, 0, 0, 0}}, true},
      // 1-D and 3-D.
      {{2, 3, 13}, 4, 1, {{3}, {2}, {2}, {1, 2}}, true},
      {{1, 4, 17}, 6, 2, {{5}, {3}, {1}, {0, 0}}, false},
      {{1, 2, 5, 6, 7}, 3, 1, {{3, 2, 3}, {2, 1, 1}, {1, 2, 1}, {1, 0, 1, 1, 1, 0}}, true},
  };
  uint32_t seed = 1;
  for (const ConvCase& c : cases) {
    SCOPED_TRACE(shape_to_string(c.x_shape) + " group " + std::to_string(c.group));
    const Tensor x = random_tensor(c.x_shape, seed++);
    Ints w_shape{c.out_channels, c.x_shape[1] / c.group};
    w_shape.insert(w_shape.end(), c.sp.kernel.begin(), c.sp.kernel.end());
    const Tensor w = random_tensor(w_shape, seed++);
    const Tensor b = random_tensor({c.out_channels}, seed++);
    const auto y = run_op("Conv", {x, w, c.bias ? b : Tensor()}, conv_attrs(c.sp, c.group));
    const Tensor expected = naive_conv(x, w, c.bias ? &b : nullptr, c.sp, c.group);
    EXPECT_LT(max_abs_diff(y[0], expected), 1e-4f);
  }
}

TEST(ConvOp, WideLayerUsesNarrowIm2colPanels) {
  // 1024 channels x 3x3 taps make K so deep that the GEMM builds the im2col matrix a few
  // columns at a time: panels that end inside output rows, the last one partial.
  const Spatial sp{{3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}};
  const Tensor x = random_tensor({1, 1024, 48, 24}, 41);
  const Tensor w = random_tensor({2, 1024, 3, 3}, 42);
  const Tensor b = random_tensor({2}, 43);
  const auto y = run_op("Conv", {x, w, b}, conv_attrs(sp, 1));
  EXPECT_LT(max_abs_diff(y[0], naive_conv(x, w, &b, sp, 1)), 1e-3f);
}

TEST(ConvOp, KnownValuesWithPadding) {
  // 5x5 input 0..24, 3x3 ones kernel, pads 1 (the example of the ONNX operator docs).
  std::vector<float> v(25);
  for (int i = 0; i < 25; ++i) v[i] = float(i);
  const auto y = run_op(
      "Conv", {make_f32({1, 1, 5, 5}, v), make_f32({1, 1, 3, 3}, std::vector<float>(9, 1.f))},
      {{"pads", Ints{1, 1, 1, 1}}});
  const Tensor expected =
      make_f32({1, 1, 5, 5}, {12,  21, 27, 33,  24,  33,  54,  63, 72,  51,  63,  99, 108,
                              117, 81, 93, 144, 153, 162, 111, 72, 111, 117, 123, 84});
  EXPECT_EQ(max_abs_diff(y[0], expected), 0.f);
}

TEST(ConvOp, AutoPad) {
  const Tensor x = random_tensor({1, 2, 7, 8}, 11);
  const Tensor w = random_tensor({3, 2, 4, 3}, 12);
  // in 7 / 8, stride 2: out 4 / 4; total pad 3 (=3*2+4-7) / 1 (=3*2+3-8).
  const Spatial upper{{4, 3}, {2, 2}, {1, 1}, {1, 0, 2, 1}};
  const Spatial lower{{4, 3}, {2, 2}, {1, 1}, {2, 1, 1, 0}};
  const Spatial valid{{4, 3}, {2, 2}, {1, 1}, {0, 0, 0, 0}};
  const Attrs base{{"strides", Ints{2, 2}}};
  for (const auto& [mode, sp] : {std::pair{"SAME_UPPER", upper}, std::pair{"SAME_LOWER", lower},
                                 std::pair{"VALID", valid}}) {
    SCOPED_TRACE(mode);
    Attrs attrs = base;
    attrs["auto_pad"] = std::string(mode);
    const auto y = run_op("Conv", {x, w}, attrs);
    const Tensor expected = naive_conv(x, w, nullptr, sp, 1);
    EXPECT_EQ(y[0].shape(), expected.shape());
    EXPECT_LT(max_abs_diff(y[0], expected), 1e-5f);
  }
}

TEST(ConvOp, Float64) {
  Tensor x(DataType::kFloat64, {1, 1, 3, 3});
  Tensor w(DataType::kFloat64, {1, 1, 2, 2});
  for (int i = 0; i < 9; ++i) x.data_as<double>()[i] = i;
  for (int i = 0; i < 4; ++i) w.data_as<double>()[i] = 1;
  const auto y = run_op("Conv", {x, w});
  ASSERT_EQ(y[0].shape(), (Ints{1, 1, 2, 2}));
  const double* p = y[0].data_as<double>();
  EXPECT_EQ(p[0], 0 + 1 + 3 + 4);
  EXPECT_EQ(p[3], 4 + 5 + 7 + 8);
}

// Runs the op expecting a qrt::Error whose message names the node and contains `what`.
void expect_error(const std::string& op, const std::vector<Tensor>& inputs, const Attrs& attrs,
                  const std::string& what) {
  try {
    run_op(op, inputs, attrs);
    ADD_FAILURE() << "expected an error containing '" << what << "'";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(op + " 'test_" + op + "'"), std::string::npos) << msg;
    EXPECT_NE(msg.find(what), std::string::npos) << msg;
  }
}

TEST(ConvOp, ShapeErrors) {
  const Tensor x = random_tensor({1, 3, 5, 5}, 1);
  expect_error("Conv", {x, random_tensor({4, 2, 3, 3}, 2)}, {}, "channels");
  expect_error("Conv", {x, random_tensor({4, 3, 7, 3}, 2)}, {}, "larger than the padded input");
  expect_error("Conv", {random_tensor({3, 5}, 1), random_tensor({4, 3}, 2)}, {}, "rank");
  expect_error("Conv", {x, random_tensor({4, 3, 3, 3}, 2)}, {{"kernel_shape", Ints{2, 2}}},
               "kernel_shape");
  expect_error("Conv", {x, random_tensor({4, 3, 3, 3}, 2), random_tensor({3}, 3)}, {}, "bias");
  expect_error("Conv", {x, random_tensor({4, 3, 3, 3}, 2)}, {{"strides", Ints{1}}}, "strides");
  expect_error("Conv", {x, random_tensor({4, 3, 3, 3}, 2)}, {{"auto_pad", std::string("SAME")}},
               "auto_pad");
  expect_error("Conv", {x, random_tensor({5, 1, 3, 3}, 2)}, {{"group", int64_t{3}}},
               "not divisible by group");
}

struct ConvTransposeCase {
  Ints x_shape;
  int64_t group_out_channels;
  int64_t group;
  Spatial sp;
  Ints output_padding;
  bool bias;
};

TEST(ConvTransposeOp, MatchesNaiveFormula) {
  const std::vector<ConvTransposeCase> cases = {
      {{1, 2, 3, 4}, 3, 1, {{3, 3}, {1, 1}, {1, 1}, {0, 0, 0, 0}}, {0, 0}, true},
      {{2, 3, 5, 4}, 2, 1, {{3, 2}, {2, 3}, {1, 1}, {1, 0, 0, 1}}, {1, 2}, false},
      {{1, 4, 4, 5}, 2, 2, {{3, 3}, {2, 2}, {2, 1}, {1, 1, 1, 1}}, {1, 0}, true},
      {{1, 3, 6, 5}, 1, 3, {{4, 4}, {2, 2}, {1, 1}, {1, 1, 1, 1}}, {0, 0}, true},
      {{2, 2, 7}, 3, 1, {{5}, {3}, {2}, {2, 1}}, {2}, true},
      {{1, 2, 3, 4, 3},
       2,
       1,
       {{2, 3, 2}, {2, 1, 2}, {1, 1, 2}, {0, 1, 0, 1, 0, 1}},
       {1, 0, 1},
       false},
  };
  uint32_t seed = 100;
  for (const ConvTransposeCase& c : cases) {
    SCOPED_TRACE(shape_to_string(c.x_shape) + " group " + std::to_string(c.group));
    const size_t r = c.x_shape.size() - 2;
    const Tensor x = random_tensor(c.x_shape, seed++);
    Ints w_shape{c.x_shape[1], c.group_out_channels};
    w_shape.insert(w_shape.end(), c.sp.kernel.begin(), c.sp.kernel.end());
    const Tensor w = random_tensor(w_shape, seed++);
    const Tensor b = random_tensor({c.group_out_channels * c.group}, seed++);
    Attrs attrs = conv_attrs(c.sp, c.group);
    attrs["output_padding"] = c.output_padding;
    const auto y = run_op("ConvTranspose", {x, w, c.bias ? b : Tensor()}, attrs);
    Ints out;
    for (size_t i = 0; i < r; ++i)
      out.push_back(c.sp.strides[i] * (c.x_shape[2 + i] - 1) + c.output_padding[i] +
                    (c.sp.kernel[i] - 1) * c.sp.dilations[i] + 1 - c.sp.pads[i] - c.sp.pads[r + i]);
    const Tensor expected = naive_conv_transpose(x, w, c.bias ? &b : nullptr, c.sp, c.group, out);
    EXPECT_LT(max_abs_diff(y[0], expected), 1e-4f);
  }
}

TEST(ConvTransposeOp, KnownValues) {
  // The ONNX operator docs example: 3x3 input 0..8, two 3x3 ones kernels.
  std::vector<float> v(9);
  for (int i = 0; i < 9; ++i) v[i] = float(i);
  const auto y = run_op("ConvTranspose", {make_f32({1, 1, 3, 3}, v),
                                          make_f32({1, 2, 3, 3}, std::vector<float>(18, 1.f))});
  const std::vector<float> plane = {0,  1,  3, 3,  2,  3,  8,  15, 12, 7,  9,  21, 36,
                                    27, 15, 9, 20, 33, 24, 13, 6,  13, 21, 15, 8};
  std::vector<float> both = plane;
  both.insert(both.end(), plane.begin(), plane.end());
  EXPECT_EQ(max_abs_diff(y[0], make_f32({1, 2, 5, 5}, both)), 0.f);
}

TEST(ConvTransposeOp, OutputShapeAndAutoPad) {
  const Tensor x = random_tensor({1, 2, 3, 4}, 7);
  const Tensor w = random_tensor({2, 3, 3, 3}, 8);
  // Full size 2*(3-1)+3 = 7 / 2*(4-1)+3 = 9. output_shape 6 x 7 -> total pads 1 / 2: NOTSET
  // and SAME_LOWER put the odd one at the start, SAME_UPPER at the end.
  const Ints out{6, 7};
  const Spatial notset{{3, 3}, {2, 2}, {1, 1}, {1, 1, 0, 1}};
  const Spatial upper{{3, 3}, {2, 2}, {1, 1}, {0, 1, 1, 1}};
  for (const auto& [mode, sp] : {std::pair{"NOTSET", notset}, std::pair{"SAME_UPPER", upper}}) {
    SCOPED_TRACE(mode);
    const auto y =
        run_op("ConvTranspose", {x, w},
               {{"strides", Ints{2, 2}}, {"output_shape", out}, {"auto_pad", std::string(mode)}});
    EXPECT_LT(max_abs_diff(y[0], naive_conv_transpose(x, w, nullptr, sp, 1, out)), 1e-5f);
  }
  // SAME_UPPER without output_shape: out = in * stride = 6 x 8, total pads 1 / 1.
  const auto y = run_op("ConvTranspose", {x, w},
                        {{"strides", Ints{2, 2}}, {"auto_pad", std::string("SAME_UPPER")}});
  const Spatial same{{3, 3}, {2, 2}, {1, 1}, {0, 0, 1, 1}};
  EXPECT_LT(max_abs_diff(y[0], naive_conv_transpose(x, w, nullptr, same, 1, {6, 8})), 1e-5f);
}

TEST(ConvTransposeOp, ShapeErrors) {
  const Tensor x = random_tensor({1, 3, 4, 4}, 1);
  expect_error("ConvTranspose", {x, random_tensor({2, 2, 3, 3}, 2)}, {}, "channels");
  expect_error("ConvTranspose", {x, random_tensor({3, 2, 3, 3}, 2)}, {{"pads", Ints{3, 3, 3, 3}}},
               "not positive");
  expect_error("ConvTranspose", {x, random_tensor({3, 2, 3, 3}, 2), random_tensor({3}, 3)}, {},
               "bias");
}

}  // namespace
}  // namespace qrt
