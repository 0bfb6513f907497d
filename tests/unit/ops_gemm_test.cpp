// Gemm and MatMul reference kernels against naive triple loops.
#include <gtest/gtest.h>

#include "ops_test_helpers.h"

namespace qrt {
namespace {

using namespace test;

// Element (i, j) of a 2-D float tensor, optionally transposed.
float at(const Tensor& t, int64_t i, int64_t j, bool trans) {
  return trans ? t.data_as<float>()[j * t.dim(1) + i] : t.data_as<float>()[i * t.dim(1) + j];
}

Tensor naive_gemm(const Tensor& a, const Tensor& b, const Tensor* c, bool ta, bool tb, float alpha,
                  float beta) {
  const int64_t m = ta ? a.dim(1) : a.dim(0), k = ta ? a.dim(0) : a.dim(1);
  const int64_t n = tb ? b.dim(0) : b.dim(1);
  Tensor y(DataType::kFloat32, {m, n});
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (int64_t p = 0; p < k; ++p) acc += double(at(a, i, p, ta)) * at(b, p, j, tb);
      double cv = 0;
      if (c) {
        // Right-aligned broadcast of C to m x n.
        const Ints& cs = c->shape();
        const int64_t rows = cs.size() == 2 ? cs[0] : 1, cols = cs.empty() ? 1 : cs.back();
        cv = c->data_as<float>()[(rows == 1 ? 0 : i) * cols + (cols == 1 ? 0 : j)];
      }
      y.data_as<float>()[i * n + j] = float(alpha * acc + beta * cv);
    }
  return y;
}

TEST(GemmOp, MatchesNaiveFormula) {
  struct Case {
    int64_t m, k, n;
    bool ta, tb;
    float alpha, beta;
    Ints c_shape;  // empty vector + has_c=false: no C
    bool has_c;
  };
  const std::vector<Case> cases = {
      {3, 4, 5, false, false, 1.f, 1.f, {}, false},
      {7, 5, 3, true, false, 0.5f, 2.f, {3}, true},
      {6, 9, 4, false, true, 1.f, 1.f, {6, 4}, true},
      {5, 3, 7, true, true, -1.5f, 0.25f, {5, 1}, true},
      {4, 6, 2, false, false, 1.f, 3.f, {}, true},
      {2, 3, 4, false, false, 1.f, 1.f, {1, 4}, true},
      {1, 300, 270, false, true, 1.f, 1.f, {270}, true},      // spans the K and N blocks
      {261, 130, 9, false, false, 1.f, 0.f, {261, 9}, true},  // spans the M block; beta 0
  };
  uint32_t seed = 1;
  for (const Case& c : cases) {
    SCOPED_TRACE(std::to_string(c.m) + "x" + std::to_string(c.k) + "x" + std::to_string(c.n));
    const Tensor a = random_tensor(c.ta ? Ints{c.k, c.m} : Ints{c.m, c.k}, seed++);
    const Tensor b = random_tensor(c.tb ? Ints{c.n, c.k} : Ints{c.k, c.n}, seed++);
    const Tensor cm = random_tensor(c.c_shape, seed++);
    const auto y = run_op("Gemm", {a, b, c.has_c ? cm : Tensor()},
                          {{"transA", int64_t{c.ta}},
                           {"transB", int64_t{c.tb}},
                           {"alpha", c.alpha},
                           {"beta", c.beta}});
    EXPECT_LT(
        max_abs_diff(y[0], naive_gemm(a, b, c.has_c ? &cm : nullptr, c.ta, c.tb, c.alpha, c.beta)),
        1e-4f);
  }
}

TEST(GemmOp, ShapeErrors) {
  EXPECT_THROW(run_op("Gemm", {random_tensor({2, 3}, 1), random_tensor({4, 5}, 2)}), Error);
  EXPECT_THROW(run_op("Gemm", {random_tensor({2, 3, 1}, 1), random_tensor({3, 5}, 2)}), Error);
  try {
    run_op("Gemm", {random_tensor({2, 3}, 1), random_tensor({3, 5}, 2), random_tensor({3}, 3)});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Gemm 'test_Gemm': C [3]"), std::string::npos) << e.what();
  }
}

// Naive numpy matmul via explicit broadcast indexing (operands up to rank 4).
Tensor naive_matmul(const Tensor& a, const Tensor& b, const Ints& out_shape) {
  Ints as = a.shape(), bs = b.shape();
  const bool a1 = as.size() == 1, b1 = bs.size() == 1;
  if (a1) as.insert(as.begin(), 1);
  if (b1) bs.push_back(1);
  while (as.size() < 4) as.insert(as.begin(), 1);
  while (bs.size() < 4) bs.insert(bs.begin(), 1);
  const int64_t m = as[2], k = as[3], n = bs[3];
  const int64_t d0 = std::max(as[0], bs[0]), d1 = std::max(as[1], bs[1]);
  Tensor y(DataType::kFloat32, out_shape);
  float* yp = y.data_as<float>();
  for (int64_t i0 = 0; i0 < d0; ++i0)
    for (int64_t i1 = 0; i1 < d1; ++i1)
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
          const int64_t ab = (as[0] == 1 ? 0 : i0) * as[1] + (as[1] == 1 ? 0 : i1);
          const int64_t bb = (bs[0] == 1 ? 0 : i0) * bs[1] + (bs[1] == 1 ? 0 : i1);
          double acc = 0;
          for (int64_t p = 0; p < k; ++p)
            acc += double(a.data_as<float>()[(ab * m + i) * k + p]) *
                   b.data_as<float>()[(bb * k + p) * n + j];
          *yp++ = float(acc);
        }
  return y;
}

TEST(MatMulOp, NumpySemantics) {
  struct Case {
    Ints a, b, out;
  };
  const std::vector<Case> cases = {
      {{3, 4}, {4, 5}, {3, 5}},
      {{4}, {4, 5}, {5}},
      {{3, 4}, {4}, {3}},
      {{4}, {4}, {}},
      {{2, 3, 4}, {4, 6}, {2, 3, 6}},
      {{2, 1, 3, 4}, {5, 4, 6}, {2, 5, 3, 6}},
      {{5, 4}, {2, 3, 4, 2}, {2, 3, 5, 2}},
      {{3, 1, 4}, {1, 4, 2}, {3, 1, 2}},
      {{7}, {2, 7, 3}, {2, 3}},
      {{2, 2, 3, 7}, {7}, {2, 2, 3}},
      {{3, 0}, {0, 2}, {3, 2}},
  };
  uint32_t seed = 1;
  for (const Case& c : cases) {
    SCOPED_TRACE(shape_to_string(c.a) + " x " + shape_to_string(c.b));
    const Tensor a = random_tensor(c.a, seed++), b = random_tensor(c.b, seed++);
    const auto y = run_op("MatMul", {a, b});
    ASSERT_EQ(y[0].shape(), c.out);
    EXPECT_LT(max_abs_diff(y[0], naive_matmul(a, b, c.out)), 1e-5f);
  }
}

TEST(MatMulOp, KnownValuesAndFloat64) {
  const auto y = run_op("MatMul", {make_f32({2, 2}, {1, 2, 3, 4}), make_f32({2, 1}, {5, 6})});
  EXPECT_EQ(max_abs_diff(y[0], make_f32({2, 1}, {17, 39})), 0.f);
  Tensor a(DataType::kFloat64, {1, 3}), b(DataType::kFloat64, {3, 1});
  for (int i = 0; i < 3; ++i) a.data_as<double>()[i] = b.data_as<double>()[i] = i + 1;
  EXPECT_EQ(run_op("MatMul", {a, b})[0].data_as<double>()[0], 14.0);
}

TEST(MatMulOp, ShapeErrors) {
  EXPECT_THROW(run_op("MatMul", {random_tensor({2, 3}, 1), random_tensor({4, 5}, 2)}), Error);
  EXPECT_THROW(run_op("MatMul", {random_tensor({2, 2, 3}, 1), random_tensor({3, 3, 5}, 2)}), Error);
}

}  // namespace
}  // namespace qrt
