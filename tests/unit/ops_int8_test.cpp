// qrt's int8 compute ops (ConvInt8, ConvTransposeInt8, MatMulInt8, AddInt8) against naive
// in-test implementations of the exact formulas of docs/quantization.md: bit-exact equality.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstring>
#include <random>

#include "ops_test_helpers.h"

namespace qrt {
namespace {

using namespace test;

Tensor random_i8(Ints shape, uint32_t seed, int lo = -128, int hi = 127) {
  Tensor t(DataType::kInt8, std::move(shape));
  std::mt19937 gen(seed);
  std::uniform_int_distribution<int> dist(lo, hi);
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<int8_t>()[i] = static_cast<int8_t>(dist(gen));
  return t;
}
Tensor make_i8(Ints shape, const std::vector<int8_t>& v) {
  return Tensor::from_vector(DataType::kInt8, std::move(shape), v);
}

// The epilogue written out from docs/quantization.md; volatile keeps every multiply rounded
// on its own.
struct Epilogue {
  float in_scale = 1;
  std::vector<float> scales;  // per output channel
  const Tensor* bias = nullptr;
  const Tensor* residual = nullptr;  // i8 or f32
  float r_scale = 0;
  std::string activation;
  float clip_min = 0, clip_max = 0;
  float y_scale = 0;

  Attrs attrs(const char* in_scale_attr) const {
    Attrs a{{in_scale_attr, in_scale}, {"y_scale", y_scale}, {"activation", activation}};
    if (residual && residual->dtype() == DataType::kInt8) a["r_scale"] = r_scale;
    if (activation == "clip") {
      a["clip_min"] = clip_min;
      a["clip_max"] = clip_max;
    }
    return a;
  }

  float finish(int64_t i, float out) const {
    if (residual && residual->dtype() == DataType::kInt8) {
      volatile float r = float(residual->data_as<int8_t>()[i]) * r_scale;
      out = out + r;
    } else if (residual) {
      out = out + residual->data_as<float>()[i];
    }
    if (activation == "relu") out = out < 0 ? 0.f : out;
    if (activation == "clip") out = std::min(std::max(out, clip_min), clip_max);
    return out;
  }

  // Output element i (flat) of channel c from its int32 sum.
  float value(int64_t i, int64_t c, int64_t acc) const {
    EXPECT_LE(std::abs(acc), int64_t{2147483647});
    const float m = in_scale * scales[static_cast<size_t>(c)];
    volatile float product = float(int32_t(acc)) * m;
    return finish(i, product + (bias ? bias->data_as<float>()[c] : 0.f));
  }

  Tensor output(const Ints& shape, const std::vector<float>& values) const {
    if (y_scale == 0) return make_f32(shape, values);
    const float inv = 1.f / y_scale;
    std::vector<int8_t> q;
    for (float v : values) {
      const float r = std::nearbyint(v * inv);
      q.push_back(std::isnan(r) ? 0 : int8_t(std::min(127.f, std::max(-128.f, r))));
    }
    return make_i8(shape, q);
  }
};

// Bit-exact comparison (i8 or f32).
void expect_same(const Tensor& got, const Tensor& want) {
  ASSERT_EQ(got.dtype(), want.dtype());
  ASSERT_EQ(got.shape(), want.shape());
  int64_t mismatches = 0;
  for (size_t i = 0; i < got.nbytes(); i += dtype_size(got.dtype()))
    if (std::memcmp(static_cast<const char*>(got.data()) + i,
                    static_cast<const char*>(want.data()) + i, dtype_size(got.dtype())) != 0)
      ++mismatches;
  EXPECT_EQ(mismatches, 0) << "of " << got.numel() << " elements";
}

Attrs with_spatial(Attrs a, const Spatial& sp, int64_t group) {
  a["kernel_shape"] = sp.kernel;
  a["strides"] = sp.strides;
  a["dilations"] = sp.dilations;
  a["pads"] = sp.pads;
  a["group"] = group;
  return a;
}

// acc[n, m, o] = sum_{c, k} x[n, g*C/G + c, o*s - p + k*d] * w[m, c, k].
std::vector<int64_t> naive_conv_acc(const Tensor& x, const Tensor& w, const Spatial& sp,
                                    int64_t group, Ints& yshape) {
  const size_t r = x.rank() - 2;
  const auto in = to3(Ints(x.shape().begin() + 2, x.shape().end()), 1);
  const auto k = to3(sp.kernel, 1), s = to3(sp.strides, 1), d = to3(sp.dilations, 1);
  const auto p0 = to3(Ints(sp.pads.begin(), sp.pads.begin() + r), 0);
  const auto p1 = to3(Ints(sp.pads.begin() + r, sp.pads.end()), 0);
  std::array<int64_t, 3> out{};
  for (int i = 0; i < 3; ++i) out[i] = (in[i] + p0[i] + p1[i] - (k[i] - 1) * d[i] - 1) / s[i] + 1;
  const int64_t N = x.dim(0), C = x.dim(1), M = w.dim(0), Cg = C / group, Mg = M / group;
  yshape = {N, M};
  for (size_t i = 0; i < r; ++i) yshape.push_back(out[3 - r + i]);
  const int8_t* X = x.data_as<int8_t>();
  const int8_t* W = w.data_as<int8_t>();
  std::vector<int64_t> acc;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t m = 0; m < M; ++m)
      for (int64_t o0 = 0; o0 < out[0]; ++o0)
        for (int64_t o1 = 0; o1 < out[1]; ++o1)
          for (int64_t o2 = 0; o2 < out[2]; ++o2) {
            int64_t sum = 0;
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
                    sum += int64_t{X[(((n * C + ci) * in[0] + i0) * in[1] + i1) * in[2] + i2]} *
                           W[(((m * Cg + c) * k[0] + k0) * k[1] + k1) * k[2] + k2];
                  }
            acc.push_back(sum);
          }
  return acc;
}

// acc[n, g*M/G + m, i*s - p + k*d] += x[n, g*C/G + c, i] * w[g*C/G + c, m, k].
std::vector<int64_t> naive_conv_transpose_acc(const Tensor& x, const Tensor& w, const Spatial& sp,
                                              int64_t group, const Ints& out_spatial,
                                              Ints& yshape) {
  const size_t r = x.rank() - 2;
  const auto in = to3(Ints(x.shape().begin() + 2, x.shape().end()), 1);
  const auto k = to3(sp.kernel, 1), s = to3(sp.strides, 1), d = to3(sp.dilations, 1);
  const auto p0 = to3(Ints(sp.pads.begin(), sp.pads.begin() + r), 0);
  const auto out = to3(out_spatial, 1);
  const int64_t N = x.dim(0), C = x.dim(1), Cg = C / group, Mg = w.dim(1), M = Mg * group;
  yshape = {N, M};
  yshape.insert(yshape.end(), out_spatial.begin(), out_spatial.end());
  std::vector<int64_t> acc(static_cast<size_t>(shape_numel(yshape)), 0);
  const int8_t* X = x.data_as<int8_t>();
  const int8_t* W = w.data_as<int8_t>();
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
                        int64_t{X[(((n * C + ci) * in[0] + i0) * in[1] + i1) * in[2] + i2]} *
                        W[(((ci * Mg + m) * k[0] + k0) * k[1] + k1) * k[2] + k2];
                  }
  return acc;
}

// The epilogue over an N x M x spatial accumulator.
Tensor apply_channel_epilogue(const Epilogue& e, const Ints& yshape,
                              const std::vector<int64_t>& acc) {
  const int64_t per_channel = shape_numel(Ints(yshape.begin() + 2, yshape.end()));
  std::vector<float> values;
  for (size_t i = 0; i < acc.size(); ++i)
    values.push_back(e.value(int64_t(i), (int64_t(i) / per_channel) % yshape[1], acc[i]));
  return e.output(yshape, values);
}

enum class Residual { kNone, kInt8, kFloat };

// Epilogue settings for case number `i`: cycles through bias / residual / activation / y_scale
// combinations. `typical` is the rough size of float(acc) * m so y_scale saturates some values.
struct Variant {
  bool bias;
  Residual residual;
  std::string activation;
  bool int8_out;
};
Variant variant(size_t i) {
  static const char* activations[] = {"", "relu", "clip"};
  return {i % 2 == 0, static_cast<Residual>(i % 3), activations[(i / 2) % 3], i % 4 != 3};
}

// Fills e for a case with `channels` output channels and output shape yshape.
void setup_epilogue(Epilogue& e, const Variant& v, int64_t channels, int64_t depth,
                    const Ints& yshape, uint32_t seed, Tensor& bias, Tensor& residual) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> u(0.5f, 1.5f);
  e.in_scale = 0.02f * u(gen);
  e.scales.clear();
  for (int64_t c = 0; c < channels; ++c) e.scales.push_back(0.01f * u(gen));
  // float(acc) * m is about sqrt(depth) * 74^2 * 2e-4: pick y_scale so |out / y_scale| often
  // exceeds 127 (saturation) and often not.
  const float typical = std::sqrt(float(depth)) * 74 * 74 * 2e-4f;
  bias = random_tensor({channels}, seed + 1, -typical, typical);
  e.bias = v.bias ? &bias : nullptr;
  e.residual = nullptr;
  if (v.residual == Residual::kInt8) {
    residual = random_i8(yshape, seed + 2);
    e.r_scale = typical / 64;
    e.residual = &residual;
  } else if (v.residual == Residual::kFloat) {
    residual = random_tensor(yshape, seed + 2, -typical, typical);
    e.residual = &residual;
  }
  e.activation = v.activation;
  e.clip_min = -typical / 2;
  e.clip_max = typical;
  e.y_scale = v.int8_out ? typical / 100 : 0.f;
}

struct ConvCase {
  Ints x_shape;
  int64_t out_channels, group;
  Spatial sp;
};

TEST(OpsConvInt8, MatchesExactFormula) {
  const std::vector<ConvCase> cases = {
      {{2, 3, 7, 9}, 5, 1, {{3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}}},
      {{1, 4, 8, 8}, 6, 2, {{3, 3}, {2, 2}, {1, 1}, {0, 1, 1, 0}}},
      {{1, 5, 6, 7}, 5, 5, {{3, 3}, {1, 1}, {2, 2}, {2, 2, 2, 2}}},   // depthwise, dilated
      {{2, 6, 9, 9}, 12, 6, {{3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}}},  // depthwise x2
      {{2, 7, 5, 5}, 3, 1, {{1, 1}, {1, 1}, {1, 1}, {0, 0, 0, 0}}},   // pointwise
      {{1, 9, 5, 6}, 11, 1, {{1, 1}, {2, 1}, {1, 1}, {0, 0, 0, 0}}},  // strided 1x1
      {{1, 3, 11}, 4, 1, {{4}, {3}, {1}, {2, 1}}},                    // 1-D
      {{1, 2, 3, 4, 5}, 3, 1, {{2, 2, 2}, {1, 2, 1}, {1, 1, 2}, {0, 1, 1, 1, 0, 0}}},  // 3-D
      {{1, 64, 10, 10}, 17, 1, {{3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}}},  // deep: several panels
      {{1, 3, 5, 4}, 2, 1, {{5, 4}, {1, 1}, {1, 1}, {0, 0, 0, 0}}},      // kernel = input
      {{3, 6, 7, 5}, 9, 3, {{2, 3}, {1, 2}, {3, 1}, {1, 0, 2, 1}}},
      {{1, 1, 28, 28}, 16, 1, {{3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}}},
  };
  uint32_t seed = 100;
  for (size_t i = 0; i < cases.size(); ++i) {
    const ConvCase& c = cases[i];
    const Variant v = variant(i);
    SCOPED_TRACE("case " + std::to_string(i) + " x " + shape_to_string(c.x_shape));
    const Tensor x = random_i8(c.x_shape, seed++);
    Ints w_shape{c.out_channels, c.x_shape[1] / c.group};
    w_shape.insert(w_shape.end(), c.sp.kernel.begin(), c.sp.kernel.end());
    const Tensor w = random_i8(w_shape, seed++);
    Ints yshape;
    const std::vector<int64_t> acc = naive_conv_acc(x, w, c.sp, c.group, yshape);
    Epilogue e;
    Tensor bias, residual;
    setup_epilogue(e, v, c.out_channels, shape_numel(Ints(w_shape.begin() + 1, w_shape.end())),
                   yshape, seed++, bias, residual);
    const Tensor y = run_op("ConvInt8",
                            {x, w, make_f32({c.out_channels}, e.scales), e.bias ? bias : Tensor(),
                             e.residual ? residual : Tensor()},
                            with_spatial(e.attrs("x_scale"), c.sp, c.group))[0];
    expect_same(y, apply_channel_epilogue(e, yshape, acc));
  }
}

TEST(OpsConvInt8, WideLayerPanels) {
  // 1024 channels x 9 taps: K so deep that the GEMM builds the im2col matrix in narrow panels
  // of columns.
  const Spatial sp{{3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}};
  const Tensor x = random_i8({1, 1024, 24, 40}, 7);
  const Tensor w = random_i8({3, 1024, 3, 3}, 8);
  Ints yshape;
  const auto acc = naive_conv_acc(x, w, sp, 1, yshape);
  Epilogue e;
  Tensor bias, residual;
  setup_epilogue(e, {true, Residual::kNone, "relu", true}, 3, 1024 * 9, yshape, 9, bias, residual);
  const Tensor y = run_op("ConvInt8", {x, w, make_f32({3}, e.scales), bias},
                          with_spatial(e.attrs("x_scale"), sp, 1))[0];
  expect_same(y, apply_channel_epilogue(e, yshape, acc));
}

struct ConvTransposeCase {
  Ints x_shape;
  int64_t out_channels, group;
  Spatial sp;
  Ints output_padding;
  Ints out_spatial;
};

TEST(OpsConvTransposeInt8, MatchesExactFormula) {
  const std::vector<ConvTransposeCase> cases = {
      {{1, 3, 4, 5}, 2, 1, {{3, 3}, {1, 1}, {1, 1}, {0, 0, 0, 0}}, {0, 0}, {6, 7}},
      {{2, 4, 3, 3}, 6, 2, {{3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}}, {1, 1}, {6, 6}},
      {{1, 5, 4, 4}, 5, 5, {{2, 2}, {2, 2}, {1, 1}, {0, 0, 0, 0}}, {0, 0}, {8, 8}},  // depthwise
      {{1, 3, 5}, 4, 1, {{3}, {2}, {2}, {1, 0}}, {0}, {12}},
      {{1, 2, 3, 4}, 3, 1, {{2, 3}, {3, 1}, {2, 1}, {0, 1, 2, 0}}, {2, 0}, {9, 5}},
      {{1, 33, 3, 3}, 7, 1, {{4, 4}, {2, 2}, {1, 1}, {1, 1, 1, 1}}, {0, 0}, {6, 6}},
  };
  uint32_t seed = 300;
  for (size_t i = 0; i < cases.size(); ++i) {
    const ConvTransposeCase& c = cases[i];
    const Variant v = variant(i + 1);
    SCOPED_TRACE("case " + std::to_string(i) + " x " + shape_to_string(c.x_shape));
    const Tensor x = random_i8(c.x_shape, seed++);
    Ints w_shape{c.x_shape[1], c.out_channels / c.group};
    w_shape.insert(w_shape.end(), c.sp.kernel.begin(), c.sp.kernel.end());
    const Tensor w = random_i8(w_shape, seed++);
    Ints yshape;
    const auto acc = naive_conv_transpose_acc(x, w, c.sp, c.group, c.out_spatial, yshape);
    Epilogue e;
    Tensor bias, residual;
    setup_epilogue(e, v, c.out_channels, shape_numel(w_shape) / c.out_channels, yshape, seed++,
                   bias, residual);
    Attrs attrs = with_spatial(e.attrs("x_scale"), c.sp, c.group);
    attrs["output_padding"] = c.output_padding;
    const Tensor y = run_op("ConvTransposeInt8",
                            {x, w, make_f32({c.out_channels}, e.scales), e.bias ? bias : Tensor(),
                             e.residual ? residual : Tensor()},
                            attrs)[0];
    expect_same(y, apply_channel_epilogue(e, yshape, acc));
  }
}

TEST(OpsMatMulInt8, MatchesExactFormula) {
  const std::vector<std::pair<Ints, int64_t>> cases = {
      {{5, 7}, 3}, {{2, 3, 37}, 13}, {{300, 20}, 9},
      {{1, 1}, 1}, {{4, 600}, 33},   {{2, 2, 2, 16}, 4},
  };
  uint32_t seed = 500;
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& [a_shape, n] = cases[i];
    const Variant v = variant(i);
    SCOPED_TRACE("case " + std::to_string(i) + " A " + shape_to_string(a_shape));
    const int64_t k = a_shape.back(), rows = shape_numel(a_shape) / k;
    const Tensor a = random_i8(a_shape, seed++);
    const Tensor b = random_i8({k, n}, seed++);
    Ints yshape(a_shape.begin(), a_shape.end() - 1);
    yshape.push_back(n);
    Epilogue e;
    Tensor bias, residual;
    setup_epilogue(e, v, n, k, yshape, seed++, bias, residual);
    std::vector<float> values;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < n; ++j) {
        int64_t acc = 0;
        for (int64_t p = 0; p < k; ++p)
          acc += int64_t{a.data_as<int8_t>()[r * k + p]} * b.data_as<int8_t>()[p * n + j];
        values.push_back(e.value(r * n + j, j, acc));
      }
    const Tensor y = run_op(
        "MatMulInt8",
        {a, b, make_f32({n}, e.scales), e.bias ? bias : Tensor(), e.residual ? residual : Tensor()},
        e.attrs("a_scale"))[0];
    expect_same(y, e.output(yshape, values));
  }
}

// Numpy broadcast of two shapes (compatible ones).
Ints broadcast(const Ints& a, const Ints& b) {
  Ints out(std::max(a.size(), b.size()), 1);
  for (size_t i = 0; i < out.size(); ++i) {
    const size_t from_end = out.size() - 1 - i;
    const int64_t da = from_end < a.size() ? a[a.size() - 1 - from_end] : 1;
    const int64_t db = from_end < b.size() ? b[b.size() - 1 - from_end] : 1;
    out[i] = std::max(da, db);
  }
  return out;
}

// The element of an input of shape `in` that output element j (of shape `out`) reads.
int64_t broadcast_source(int64_t j, const Ints& out, const Ints& in) {
  int64_t index = 0, stride = 1;
  for (size_t d = out.size(); d-- > 0;) {
    const int64_t coord = j % out[d];
    j /= out[d];
    const size_t lead = out.size() - in.size();
    if (d >= lead) {
      const int64_t size = in[d - lead];
      index += (size == 1 ? 0 : coord) * stride;
      stride *= size;
    }
  }
  return index;
}

TEST(OpsAddInt8, MatchesExactFormulaWithBroadcast) {
  const std::vector<std::pair<Ints, Ints>> cases = {
      {{2, 3, 4}, {2, 3, 4}}, {{2, 3, 4}, {3, 1}}, {{1, 5}, {4, 1}}, {{6}, {}}};
  uint32_t seed = 700;
  for (size_t i = 0; i < cases.size() * 3; ++i) {
    const auto& [a_shape, b_shape] = cases[i % cases.size()];
    const Variant v = variant(i);
    SCOPED_TRACE("case " + std::to_string(i));
    const Tensor a = random_i8(a_shape, seed++);
    const Tensor b = random_i8(b_shape, seed++);
    Epilogue e;
    e.activation = v.activation;
    e.clip_min = -0.5f;
    e.clip_max = 1.f;
    e.y_scale = v.int8_out ? 0.011f : 0.f;
    const float a_scale = 0.013f, b_scale = 0.0071f;
    e.in_scale = a_scale;
    const Ints shape = broadcast(a_shape, b_shape);
    std::vector<float> values;
    for (int64_t j = 0; j < shape_numel(shape); ++j) {
      volatile float pa = float(a.data_as<int8_t>()[broadcast_source(j, shape, a_shape)]) * a_scale;
      volatile float pb = float(b.data_as<int8_t>()[broadcast_source(j, shape, b_shape)]) * b_scale;
      values.push_back(e.finish(j, pa + pb));
    }
    Attrs attrs = e.attrs("a_scale");
    attrs["b_scale"] = b_scale;
    const Tensor y = run_op("AddInt8", {a, b}, attrs)[0];
    expect_same(y, e.output(shape, values));
  }
}

// 1x1 ConvInt8 of a single channel: y = epilogue(x * w).
Tensor pointwise_int8(const std::vector<int8_t>& x, int8_t w, const Attrs& attrs,
                      const Tensor& bias = Tensor(), const Tensor& residual = Tensor()) {
  const int64_t n = static_cast<int64_t>(x.size());
  return run_op(
      "ConvInt8",
      {make_i8({1, 1, 1, n}, x), make_i8({1, 1, 1, 1}, {w}), make_f32({1}, {1.f}), bias, residual},
      attrs)[0];
}

TEST(OpsConvInt8, RoundsHalfToEvenAndSaturates) {
  // out = acc * 1 * 1; y_scale 2: acc / 2 rounds half to even.
  const Tensor y =
      pointwise_int8({5, 7, -5, -7, 1, 3, 127, -128}, 1, {{"x_scale", 1.f}, {"y_scale", 2.f}});
  test::expect_values<int8_t>(y, DataType::kInt8, {1, 1, 1, 8}, {2, 4, -2, -4, 0, 2, 64, -64});
  // 127 * 127 and -128 * 127 far outside [-128, 127] at y_scale 1.
  const Tensor sat = pointwise_int8({127, -128, 1}, 127, {{"x_scale", 1.f}, {"y_scale", 1.f}});
  test::expect_values<int8_t>(sat, DataType::kInt8, {1, 1, 1, 3}, {127, -128, 127});
  // -128 * -128: the largest product.
  const Tensor big = pointwise_int8({-128}, -128, {{"x_scale", 1.f}, {"y_scale", 0.f}});
  test::expect_f32(big, {1, 1, 1, 1}, {16384.f}, 0);
}

TEST(OpsInt8, EpilogueMultipliesAreNotFused) {
  // Find acc, m and bias where fma(acc, m, bias) differs from round(acc * m) + bias, then check
  // the kernel gives the latter, for the bias and the residual products.
  std::mt19937 gen(3);
  std::uniform_real_distribution<float> u(0.5f, 2.f);
  float x_scale = 0, bias = 0;
  int8_t x = 0;
  for (int attempt = 0; attempt < 10000; ++attempt) {
    x_scale = u(gen) * 1e-3f;
    bias = -u(gen) * 0.1f;
    x = static_cast<int8_t>(1 + attempt % 127);
    volatile float product = float(x) * x_scale;
    if (std::fma(float(x), x_scale, bias) != product + bias) break;
  }
  volatile float product = float(x) * x_scale;
  ASSERT_NE(std::fma(float(x), x_scale, bias), product + bias);
  const Tensor y = pointwise_int8({x}, 1, {{"x_scale", x_scale}}, make_f32({1}, {bias}));
  test::expect_f32(y, {1, 1, 1, 1}, {product + bias}, 0);
  EXPECT_EQ(y.data_as<float>()[0], product + bias);
  // The residual: out + float(r) * r_scale with out = x (x_scale 1, w 1).
  const Tensor r = make_i8({1, 1, 1, 1}, {x});
  const float out = -bias * 1000;
  const Tensor yr =
      pointwise_int8({0}, 1, {{"x_scale", 1.f}, {"r_scale", x_scale}}, make_f32({1}, {out}), r);
  volatile float r_product = float(x) * x_scale;
  EXPECT_EQ(yr.data_as<float>()[0], out + r_product);
}

TEST(OpsInt8, OutputTypeFollowsYScale) {
  const Tensor x = random_i8({1, 2, 3, 3}, 1), w = random_i8({4, 2, 1, 1}, 2);
  const Tensor scales = make_f32({4}, {1, 1, 1, 1});
  EXPECT_EQ(run_op("ConvInt8", {x, w, scales}, {{"x_scale", 1.f}, {"y_scale", 0.5f}})[0].dtype(),
            DataType::kInt8);
  EXPECT_EQ(run_op("ConvInt8", {x, w, scales}, {{"x_scale", 1.f}})[0].dtype(), DataType::kFloat32);
  EXPECT_EQ(run_op("AddInt8", {x, x}, {{"a_scale", 1.f}, {"b_scale", 1.f}})[0].dtype(),
            DataType::kFloat32);
}

TEST(OpsInt8, SchemaErrorsNameTheNode) {
  const Tensor x = random_i8({1, 2, 5, 5}, 1), w = random_i8({3, 2, 3, 3}, 2);
  const Tensor scales = make_f32({3}, {1, 1, 1});
  const Attrs ok{{"x_scale", 0.1f}, {"y_scale", 0.2f}};
  expect_op_error("ConvInt8", {x, w, make_f32({4}, {1, 1, 1, 1})}, ok,
                  "W_scale [4] must have shape [3] (one value per output channel)");
  expect_op_error("ConvInt8", {random_tensor({1, 2, 5, 5}, 1), w, scales}, ok, "X must be i8");
  expect_op_error("ConvInt8", {x, w}, ok, "W_scale (input 2) is missing");
  expect_op_error("ConvInt8", {x, w, scales, make_f32({2}, {0, 0})}, ok,
                  "the bias (input 3) [2] must have shape [3]");
  expect_op_error("ConvInt8", {x, w, scales}, {{"y_scale", 0.2f}}, "attribute x_scale is required");
  expect_op_error("ConvInt8", {x, w, scales}, {{"x_scale", -1.f}}, "x_scale must be a finite");
  expect_op_error("ConvInt8", {x, w, scales}, {{"x_scale", 1.f}, {"y_scale", -1.f}}, "y_scale");
  expect_op_error("ConvInt8", {x, w, scales}, {{"x_scale", 1.f}, {"activation", "tanh"}},
                  "unknown activation 'tanh'");
  expect_op_error("ConvInt8", {x, w, scales},
                  {{"x_scale", 1.f}, {"activation", "clip"}, {"clip_min", 2.f}, {"clip_max", 1.f}},
                  "clip_min");
  expect_op_error("ConvInt8", {x, w, scales, Tensor(), random_i8({1, 3, 3, 3}, 3)}, ok,
                  "attribute r_scale is required");
  expect_op_error("ConvInt8", {x, w, scales, Tensor(), random_i8({1, 3, 2, 3}, 3)},
                  {{"x_scale", 1.f}, {"r_scale", 1.f}},
                  "the residual R [1,3,2,3] must have the output's shape [1,3,3,3]");
  expect_op_error("ConvInt8", {x, random_i8({3, 1, 3, 3}, 2), scales}, ok, "input has 2 channels");
  expect_op_error("ConvTransposeInt8", {x, random_i8({2, 4, 3, 3}, 2), scales}, ok,
                  "W_scale [3] must have shape [4]");
  expect_op_error("MatMulInt8", {random_i8({2, 4}, 1), random_i8({4, 3}, 2), scales}, {},
                  "attribute a_scale is required");
  expect_op_error("MatMulInt8", {random_i8({2, 4}, 1), random_i8({5, 3}, 2), scales},
                  {{"a_scale", 1.f}}, "inner dimensions differ");
  expect_op_error("MatMulInt8", {random_i8({2, 4}, 1), random_i8({1, 4, 3}, 2), scales},
                  {{"a_scale", 1.f}}, "B must be 2-D");
  expect_op_error("MatMulInt8", {random_i8({2, 4}, 1), random_i8({4, 3}, 2), make_f32({2}, {1, 1})},
                  {{"a_scale", 1.f}}, "B_scale [2] must have shape [3]");
  expect_op_error("AddInt8", {x, x}, {{"a_scale", 1.f}}, "attribute b_scale is required");
  expect_op_error("AddInt8", {x, random_i8({3}, 1)}, {{"a_scale", 1.f}, {"b_scale", 1.f}},
                  "cannot broadcast shapes");
}

}  // namespace
}  // namespace qrt
