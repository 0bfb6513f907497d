// The reference backend's GEMMs on every instruction set this CPU runs: float results near a
// naive double sum, int8 results exact, neither depending on the thread count.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "backends/reference/gemm_util.h"
#include "backends/reference/thread_pool.h"
#include "op_test_util.h"

namespace qrt {
namespace {

using reference::GemmIsa;
using reference::ThreadPool;

std::vector<GemmIsa> supported_isas() {
  std::vector<GemmIsa> out;
  for (GemmIsa isa : {GemmIsa::kBaseline, GemmIsa::kAvx2, GemmIsa::kAvx512})
    if (reference::gemm_isa_supported(isa)) out.push_back(isa);
  return out;
}

// Restores the instruction set and thread count a test changes.
class GemmSettings {
 public:
  GemmSettings() : isa_(reference::gemm_isa()), threads_(ThreadPool::instance().threads()) {}
  ~GemmSettings() {
    reference::set_gemm_isa(isa_);
    ThreadPool::instance().set_threads(threads_);
  }

 private:
  GemmIsa isa_;
  int threads_;
};

template <typename T>
std::vector<T> random_values(size_t n, uint32_t seed, int lo, int hi) {
  std::mt19937 gen(seed);
  std::uniform_int_distribution<int> dist(lo, hi);
  std::vector<T> v(n);
  for (T& x : v) x = static_cast<T>(dist(gen));
  return v;
}

std::vector<float> random_floats(size_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(gen);
  return v;
}

struct Shape {
  int64_t m, n, k;
};

// Edges of every tile shape: 1, odd, one past a multiple of 4, 8, 16, 32, and deep K.
const std::vector<Shape> kShapes = {{1, 1, 1},    {3, 5, 7},     {8, 32, 16},   {9, 33, 17},
                                    {17, 65, 31}, {4, 24, 1},    {13, 100, 64}, {70, 40, 300},
                                    {2, 600, 9},  {300, 7, 130}, {33, 530, 2}};

TEST(ReferenceGemm, FloatMatchesNaiveOnEveryInstructionSet) {
  GemmSettings restore;
  for (GemmIsa isa : supported_isas()) {
    ASSERT_TRUE(reference::set_gemm_isa(isa));
    for (const Shape& s : kShapes)
      for (int variant = 0; variant < 4; ++variant) {
        const bool trans_a = variant & 1, trans_b = variant & 2;
        SCOPED_TRACE(std::string(reference::gemm_isa_name(isa)) + " " + std::to_string(s.m) + "x" +
                     std::to_string(s.n) + "x" + std::to_string(s.k) + " variant " +
                     std::to_string(variant));
        const auto a = random_floats(static_cast<size_t>(s.m * s.k), 1);
        const auto b = random_floats(static_cast<size_t>(s.k * s.n), 2);
        const auto c0 = random_floats(static_cast<size_t>(s.m * s.n), 3);
        const float alpha = variant == 3 ? 0.5f : 1.f, beta = variant == 1 ? 2.f : 0.f;
        std::vector<float> c = c0;
        reference::gemm<float>(trans_a, trans_b, s.m, s.n, s.k, alpha, a.data(),
                               trans_a ? s.m : s.k, b.data(), trans_b ? s.k : s.n, beta, c.data(),
                               s.n);
        for (int64_t i = 0; i < s.m; ++i)
          for (int64_t j = 0; j < s.n; ++j) {
            double sum = 0;
            for (int64_t p = 0; p < s.k; ++p)
              sum += double(trans_a ? a[p * s.m + i] : a[i * s.k + p]) *
                     double(trans_b ? b[j * s.k + p] : b[p * s.n + j]);
            const double expected = alpha * sum + beta * c0[i * s.n + j];
            ASSERT_NEAR(c[i * s.n + j], expected, 1e-5 * (1 + s.k)) << i << "," << j;
          }
      }
  }
}

TEST(ReferenceGemm, DoubleMatchesNaive) {
  const Shape s{19, 45, 23};
  std::vector<double> a(s.m * s.k), b(s.k * s.n), c(s.m * s.n);
  for (size_t i = 0; i < a.size(); ++i) a[i] = std::sin(double(i));
  for (size_t i = 0; i < b.size(); ++i) b[i] = std::cos(double(i));
  reference::gemm<double>(false, false, s.m, s.n, s.k, 1.0, a.data(), s.k, b.data(), s.n, 0.0,
                          c.data(), s.n);
  for (int64_t i = 0; i < s.m; ++i)
    for (int64_t j = 0; j < s.n; ++j) {
      double sum = 0;
      for (int64_t p = 0; p < s.k; ++p) sum += a[i * s.k + p] * b[p * s.n + j];
      ASSERT_NEAR(c[i * s.n + j], sum, 1e-12);
    }
}

TEST(ReferenceGemm, Int8IsExactOnEveryInstructionSet) {
  GemmSettings restore;
  for (GemmIsa isa : supported_isas()) {
    ASSERT_TRUE(reference::set_gemm_isa(isa));
    for (const Shape& s : kShapes)
      for (int variant = 0; variant < 4; ++variant) {
        const bool trans_a = variant & 1, trans_b = variant & 2;
        SCOPED_TRACE(std::string(reference::gemm_isa_name(isa)) + " " + std::to_string(s.m) + "x" +
                     std::to_string(s.n) + "x" + std::to_string(s.k));
        const auto a = random_values<int8_t>(static_cast<size_t>(s.m * s.k), 4, -128, 127);
        const auto b = random_values<int8_t>(static_cast<size_t>(s.k * s.n), 5, -128, 127);
        std::vector<int32_t> c(static_cast<size_t>(s.m * s.n), -7);
        reference::gemm_s8s32(trans_a, trans_b, s.m, s.n, s.k, a.data(), trans_a ? s.m : s.k,
                              b.data(), trans_b ? s.k : s.n, c.data(), s.n);
        for (int64_t i = 0; i < s.m; ++i)
          for (int64_t j = 0; j < s.n; ++j) {
            int64_t sum = 0;
            for (int64_t p = 0; p < s.k; ++p)
              sum += int64_t{trans_a ? a[p * s.m + i] : a[i * s.k + p]} *
                     int64_t{trans_b ? b[j * s.k + p] : b[p * s.n + j]};
            ASSERT_EQ(c[i * s.n + j], sum) << i << "," << j;
          }
      }
  }
}

TEST(ReferenceGemm, Int8ExtremesAtTheDepthLimit) {
  GemmSettings restore;
  // -128 * -128 summed over the deepest allowed K reaches 2^31 - 2^14: no overflow.
  const int64_t k = reference::kMaxInt8GemmDepth, m = 2, n = 3;
  const std::vector<int8_t> a(static_cast<size_t>(m * k), int8_t{-128});
  std::vector<int8_t> b(static_cast<size_t>(k * n), int8_t{-128});
  for (int64_t p = 0; p < k; ++p) b[p * n + 2] = 127;
  for (GemmIsa isa : supported_isas()) {
    ASSERT_TRUE(reference::set_gemm_isa(isa));
    std::vector<int32_t> c(static_cast<size_t>(m * n));
    reference::gemm_s8s32(false, false, m, n, k, a.data(), k, b.data(), n, c.data(), n);
    for (int64_t i = 0; i < m; ++i) {
      EXPECT_EQ(c[i * n], k * 16384);
      EXPECT_EQ(c[i * n + 2], k * -16256);
    }
  }
}

TEST(ReferenceGemm, Int8BlocksCoverEveryElementOnce) {
  const int64_t m = 37, n = 1100, k = 45;
  const auto a = random_values<int8_t>(static_cast<size_t>(m * k), 6, -128, 127);
  const auto b = random_values<int8_t>(static_cast<size_t>(k * n), 7, -128, 127);
  std::vector<int32_t> expected(static_cast<size_t>(m * n));
  reference::gemm_s8s32(false, false, m, n, k, a.data(), k, b.data(), n, expected.data(), n);
  std::vector<int32_t> got(expected.size());
  std::vector<std::atomic<int>> visits(expected.size());
  const reference::PackedMatrix<int8_t> packed(m, k, a.data(), k, 1);
  reference::gemm_blocks<int8_t>(
      packed, n, reference::MatrixOperand<int8_t>(b.data(), n, false, k),
      [&](int64_t i0, int64_t j0, int64_t rows, int64_t cols, const int32_t* acc, int64_t ld) {
        for (int64_t i = 0; i < rows; ++i)
          for (int64_t j = 0; j < cols; ++j) {
            got[(i0 + i) * n + j0 + j] = acc[i * ld + j];
            ++visits[(i0 + i) * n + j0 + j];
          }
      });
  EXPECT_EQ(got, expected);
  for (const auto& v : visits) ASSERT_EQ(v.load(), 1);
}

TEST(ReferenceGemm, FloatResultsDoNotDependOnTheThreadCount) {
  GemmSettings restore;
  const int64_t m = 70, n = 2000, k = 300;
  const auto a = random_floats(static_cast<size_t>(m * k), 8);
  const auto b = random_floats(static_cast<size_t>(k * n), 9);
  std::vector<std::vector<float>> results;
  for (int threads : {1, 2, 3, 8}) {
    ThreadPool::instance().set_threads(threads);
    results.emplace_back(static_cast<size_t>(m * n));
    reference::gemm<float>(false, false, m, n, k, 1.f, a.data(), k, b.data(), n, 0.f,
                           results.back().data(), n);
  }
  for (const auto& r : results)
    EXPECT_EQ(0, std::memcmp(r.data(), results[0].data(), r.size() * sizeof(float)));
}

TEST(ReferenceGemm, ConvResultsDoNotDependOnTheThreadCount) {
  GemmSettings restore;
  const Tensor x = test::random_tensor({3, 16, 20, 20}, 10);
  const Tensor w = test::random_tensor({24, 16, 3, 3}, 11);
  const Tensor dw = test::random_tensor({16, 1, 3, 3}, 12);
  using Attrs = std::map<std::string, ir::AttributeValue>;
  const Attrs attrs = {{"pads", std::vector<int64_t>{1, 1, 1, 1}}};
  Attrs depthwise = attrs;
  depthwise["group"] = int64_t{16};
  std::vector<Tensor> dense, by_channel;
  for (int threads : {1, 2, 5}) {
    ThreadPool::instance().set_threads(threads);
    dense.push_back(test::run_op("Conv", {x, w}, attrs)[0]);
    by_channel.push_back(test::run_op("Conv", {x, dw}, depthwise)[0]);
  }
  for (size_t i = 1; i < dense.size(); ++i) {
    EXPECT_EQ(0, std::memcmp(dense[i].data(), dense[0].data(), dense[0].nbytes()));
    EXPECT_EQ(0, std::memcmp(by_channel[i].data(), by_channel[0].data(), by_channel[0].nbytes()));
  }
}

}  // namespace
}  // namespace qrt
