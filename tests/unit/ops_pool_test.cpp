// MaxPool, AveragePool and the global pools against direct formulas.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>

#include "backends/kernel_registry.h"
#include "ops_test_helpers.h"

namespace qrt {
namespace {

using namespace test;

struct PoolCase {
  Ints x_shape;
  Ints kernel, strides, dilations, pads;  // pads already resolved (begin..., end...)
  Ints out;                               // expected output spatial dims
  Attrs extra;                            // ceil_mode, auto_pad, count_include_pad
};

// Max or average over the window of each output position; the average divides by the taps
// inside the input, or with include_pad by the taps inside [-pad_begin, in + pad_end).
Tensor naive_pool(const Tensor& x, const PoolCase& c, bool average, bool include_pad) {
  const size_t r = c.kernel.size();
  const auto in = to3(Ints(x.shape().begin() + 2, x.shape().end()), 1);
  const auto k = to3(c.kernel, 1), s = to3(c.strides, 1), d = to3(c.dilations, 1);
  const auto pb = to3(Ints(c.pads.begin(), c.pads.begin() + r), 0);
  const auto pe = to3(Ints(c.pads.begin() + r, c.pads.end()), 0);
  const auto out = to3(c.out, 1);
  Ints yshape{x.dim(0), x.dim(1)};
  yshape.insert(yshape.end(), c.out.begin(), c.out.end());
  Tensor y(DataType::kFloat32, yshape);
  float* yp = y.data_as<float>();
  for (int64_t p = 0; p < x.dim(0) * x.dim(1); ++p)
    for (int64_t o0 = 0; o0 < out[0]; ++o0)
      for (int64_t o1 = 0; o1 < out[1]; ++o1)
        for (int64_t o2 = 0; o2 < out[2]; ++o2) {
          double sum = 0, m = -INFINITY;
          int64_t inside = 0, padded = 0;
          for (int64_t k0 = 0; k0 < k[0]; ++k0)
            for (int64_t k1 = 0; k1 < k[1]; ++k1)
              for (int64_t k2 = 0; k2 < k[2]; ++k2) {
                const std::array<int64_t, 3> i{o0 * s[0] - pb[0] + k0 * d[0],
                                               o1 * s[1] - pb[1] + k1 * d[1],
                                               o2 * s[2] - pb[2] + k2 * d[2]};
                bool in_input = true, in_padded = true;
                for (int a = 0; a < 3; ++a) {
                  in_input = in_input && i[a] >= 0 && i[a] < in[a];
                  in_padded = in_padded && i[a] >= -pb[a] && i[a] < in[a] + pe[a];
                }
                padded += in_padded;
                if (!in_input) continue;
                const float v =
                    x.data_as<float>()[((p * in[0] + i[0]) * in[1] + i[1]) * in[2] + i[2]];
                sum += v;
                m = std::max(m, double(v));
                ++inside;
              }
          *yp++ = float(average ? sum / double(include_pad ? padded : inside) : m);
        }
  return y;
}

Attrs pool_attrs(const PoolCase& c) {
  Attrs a = c.extra;
  a["kernel_shape"] = c.kernel;
  a["strides"] = c.strides;
  a["dilations"] = c.dilations;
  if (!a.count("auto_pad")) a["pads"] = c.pads;
  return a;
}

const std::vector<PoolCase>& pool_cases() {
  static const std::vector<PoolCase> cases = {
      // ResNet's 3x3/2 pad 1 on an odd size.
      {{1, 2, 9, 7}, {3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}, {5, 4}, {}},
      // Asymmetric pads, dilation.
      {{2, 3, 8, 9}, {2, 3}, {1, 2}, {2, 1}, {0, 1, 1, 2}, {7, 5}, {}},
      // ceil_mode: 6 -> ceil((6+1-3)/2)+1 = 3; 7 -> ceil((7-2)/2)+1 = 4.
      {{1, 1, 6, 7}, {3, 2}, {2, 2}, {1, 1}, {0, 0, 1, 0}, {3, 4}, {{"ceil_mode", int64_t{1}}}},
      // ceil_mode where the last window would start in the end padding and is dropped:
      // in 4, kernel 1, stride 2, end pad 1: ceil(4/2)+1 = 3 -> 2.
      {{1, 2, 4, 5}, {1, 1}, {2, 2}, {1, 1}, {0, 0, 1, 1}, {2, 3}, {{"ceil_mode", int64_t{1}}}},
      // auto_pad: 7 / stride 2 -> 4, total pad 3*2+3-7 = 2 -> 1, 1; 8 -> 4, 3*2+2-8 = 0.
      {{1, 2, 7, 8},
       {3, 2},
       {2, 2},
       {1, 1},
       {1, 0, 1, 0},
       {4, 4},
       {{"auto_pad", std::string("SAME_UPPER")}}},
      // SAME_LOWER with an odd total: in 6, k 4, s 1 -> total 3: begin 2, end 1.
      {{1, 1, 6, 5},
       {4, 1},
       {1, 1},
       {1, 1},
       {2, 0, 1, 0},
       {6, 5},
       {{"auto_pad", std::string("SAME_LOWER")}}},
      {{1, 2, 7, 8},
       {3, 2},
       {2, 3},
       {1, 1},
       {0, 0, 0, 0},
       {3, 3},
       {{"auto_pad", std::string("VALID")}}},
      // 1-D and 3-D.
      {{2, 3, 11}, {3}, {2}, {2}, {2, 1}, {5}, {}},
      {{1, 2, 5, 6, 4}, {2, 3, 2}, {2, 2, 1}, {1, 1, 2}, {1, 1, 0, 0, 1, 1}, {3, 3, 3}, {}},
  };
  return cases;
}

TEST(MaxPoolOp, MatchesNaiveFormula) {
  uint32_t seed = 1;
  for (const PoolCase& c : pool_cases()) {
    SCOPED_TRACE(shape_to_string(c.x_shape) + " kernel " + shape_to_string(c.kernel));
    const Tensor x = random_tensor(c.x_shape, seed++);
    const auto y = run_op("MaxPool", {x}, pool_attrs(c));
    EXPECT_EQ(max_abs_diff(y[0], naive_pool(x, c, false, false)), 0.f);
  }
}

TEST(AveragePoolOp, MatchesNaiveFormula) {
  uint32_t seed = 1;
  for (const PoolCase& base : pool_cases())
    for (int64_t include_pad : {0, 1}) {
      SCOPED_TRACE(shape_to_string(base.x_shape) + " kernel " + shape_to_string(base.kernel) +
                   " count_include_pad " + std::to_string(include_pad));
      PoolCase c = base;
      c.extra["count_include_pad"] = include_pad;
      const Tensor x = random_tensor(c.x_shape, seed++);
      const auto y = run_op("AveragePool", {x}, pool_attrs(c));
      EXPECT_LT(max_abs_diff(y[0], naive_pool(x, c, true, include_pad != 0)), 1e-6f);
    }
}

TEST(PoolOps, CeilModeKnownValues) {
  // The ONNX docs examples: 4x4 input 1..16, kernel 3, stride 2, ceil_mode.
  std::vector<float> v(16);
  for (int i = 0; i < 16; ++i) v[i] = float(i + 1);
  const Attrs attrs{
      {"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"ceil_mode", int64_t{1}}};
  const Tensor x = make_f32({1, 1, 4, 4}, v);
  EXPECT_EQ(
      max_abs_diff(run_op("MaxPool", {x}, attrs)[0], make_f32({1, 1, 2, 2}, {11, 12, 15, 16})),
      0.f);
  EXPECT_EQ(max_abs_diff(run_op("AveragePool", {x}, attrs)[0],
                         make_f32({1, 1, 2, 2}, {6, 7.5f, 12, 13.5f})),
            0.f);
}

TEST(PoolOps, IndicesOutputUnsupported) {
  ir::Graph g;
  ir::Node* node =
      g.add_node("MaxPool", "mp", {g.add_value("x")}, {g.add_value("y"), g.add_value("indices")});
  node->attrs["kernel_shape"] = Ints{2, 2};
  NodeTypes types{{{DataType::kFloat32, {1, 1, 4, 4}}},
                  {{DataType::kFloat32, {1, 1, 3, 3}}, {DataType::kInt64, {1, 1, 3, 3}}}};
  std::string reason;
  EXPECT_EQ(KernelRegistry::instance().select(*node, "reference", types, &reason), nullptr);
  EXPECT_NE(reason.find("Indices"), std::string::npos) << reason;
}

TEST(PoolOps, ShapeErrors) {
  const Tensor x = random_tensor({1, 2, 4, 4}, 1);
  try {
    run_op("MaxPool", {x}, {{"kernel_shape", Ints{6, 2}}});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("MaxPool 'test_MaxPool': the window"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(run_op("AveragePool", {x}, {}), Error);                           // no kernel
  EXPECT_THROW(run_op("AveragePool", {x}, {{"kernel_shape", Ints{2}}}), Error);  // rank
  EXPECT_THROW(run_op("MaxPool", {random_tensor({2, 4}, 1)}, {{"kernel_shape", Ints{2}}}), Error);
  EXPECT_THROW(run_op("GlobalMaxPool", {random_tensor({2, 4}, 1)}), Error);
}

TEST(GlobalPoolOps, AverageAndMax) {
  const Tensor x = random_tensor({2, 3, 5, 7}, 3);
  const auto avg = run_op("GlobalAveragePool", {x});
  const auto mx = run_op("GlobalMaxPool", {x});
  ASSERT_EQ(avg[0].shape(), (Ints{2, 3, 1, 1}));
  ASSERT_EQ(mx[0].shape(), (Ints{2, 3, 1, 1}));
  for (int64_t p = 0; p < 6; ++p) {
    double sum = 0;
    float m = -INFINITY;
    for (int64_t i = 0; i < 35; ++i) {
      sum += x.data_as<float>()[p * 35 + i];
      m = std::max(m, x.data_as<float>()[p * 35 + i]);
    }
    EXPECT_NEAR(avg[0].data_as<float>()[p], sum / 35, 1e-6);
    EXPECT_EQ(mx[0].data_as<float>()[p], m);
  }
  EXPECT_EQ(run_op("GlobalAveragePool", {random_tensor({1, 2, 3, 4, 5}, 1)})[0].shape(),
            (Ints{1, 2, 1, 1, 1}));
}

}  // namespace
}  // namespace qrt
