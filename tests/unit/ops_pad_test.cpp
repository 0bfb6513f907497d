// Pad: constant / reflect / edge / wrap, axes input, negative pads, any element type.
#include <gtest/gtest.h>

#include "ops_test_helpers.h"

namespace qrt {
namespace {

using namespace test;

Attrs mode(const char* m) { return {{"mode", std::string(m)}}; }

TEST(PadOp, OnnxDocExamples) {
  const Tensor x = make_f32({3, 2}, {1.0f, 1.2f, 2.3f, 3.4f, 4.5f, 5.7f});
  const Tensor pads = make_i64({4}, {0, 2, 0, 0});
  EXPECT_EQ(max_abs_diff(run_op("Pad", {x, pads})[0],
                         make_f32({3, 4}, {0, 0, 1.0f, 1.2f, 0, 0, 2.3f, 3.4f, 0, 0, 4.5f, 5.7f})),
            0.f);
  EXPECT_EQ(max_abs_diff(run_op("Pad", {x, pads}, mode("reflect"))[0],
                         make_f32({3, 4}, {1.0f, 1.2f, 1.0f, 1.2f, 2.3f, 3.4f, 2.3f, 3.4f, 4.5f,
                                           5.7f, 4.5f, 5.7f})),
            0.f);
  EXPECT_EQ(max_abs_diff(run_op("Pad", {x, pads}, mode("edge"))[0],
                         make_f32({3, 4}, {1.0f, 1.0f, 1.0f, 1.2f, 2.3f, 2.3f, 2.3f, 3.4f, 4.5f,
                                           4.5f, 4.5f, 5.7f})),
            0.f);
}

TEST(PadOp, NumpyValuesForLargePadsAndCrops) {
  const Tensor x = make_i64({3}, {1, 2, 3});
  // Pads larger than the data (values from numpy.pad).
  EXPECT_EQ(run_op("Pad", {x, make_i64({2}, {5, 0})}, mode("reflect"))[0].to_int64_vector(),
            (Ints{2, 1, 2, 3, 2, 1, 2, 3}));
  EXPECT_EQ(run_op("Pad", {x, make_i64({2}, {5, 4})}, mode("wrap"))[0].to_int64_vector(),
            (Ints{2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1}));
  EXPECT_EQ(run_op("Pad", {make_i64({1}, {7}), make_i64({2}, {2, 2})}, mode("reflect"))[0]
                .to_int64_vector(),
            (Ints{7, 7, 7, 7, 7}));
  // A negative pad crops first; reflection is then of the cropped data.
  EXPECT_EQ(
      run_op("Pad", {make_i64({5}, {0, 1, 2, 3, 4}), make_i64({2}, {-1, 3})}, mode("reflect"))[0]
          .to_int64_vector(),
      (Ints{1, 2, 3, 4, 3, 2, 1}));
  Ints v(12);
  for (int i = 0; i < 12; ++i) v[i] = i;
  EXPECT_EQ(run_op("Pad", {make_i64({3, 4}, v), make_i64({4}, {1, -1, 1, 1})}, mode("wrap"))[0]
                .to_int64_vector(),
            (Ints{9, 10, 11, 9, 1, 2, 3, 1, 5, 6, 7, 5, 9, 10, 11, 9, 1, 2, 3, 1}));
}

// Mirror / clamp / wrap of index i into [0, n), written independently of the kernel.
int64_t naive_source(const std::string& m, int64_t i, int64_t n) {
  if (m == "edge") return std::clamp<int64_t>(i, 0, n - 1);
  if (m == "wrap") {
    while (i < 0) i += n;
    while (i >= n) i -= n;
    return i;
  }
  while (n > 1 && (i < 0 || i >= n)) i = i < 0 ? -i : 2 * (n - 1) - i;  // reflect
  return n > 1 ? i : 0;
}

TEST(PadOp, RandomRank3AllModesWithAxesAndCrops) {
  const Ints shape{3, 4, 5};
  const Tensor x = random_tensor(shape, 3);
  // axes [2, 0] (one negative): dim 2 pads (3, -1), dim 0 pads (-1, 4); dim 1 untouched.
  const Tensor pads = make_i64({4}, {3, -1, -1, 4});
  const Tensor axes = make_i64({2}, {-1, 0});
  const int64_t b[3] = {-1, 0, 3}, e[3] = {4, 0, -1};
  for (const char* m : {"constant", "reflect", "edge", "wrap"}) {
    SCOPED_TRACE(m);
    const Tensor value = make_f32({}, {2.5f});
    const auto y = run_op("Pad", {x, pads, value, axes}, mode(m));
    Ints out(3);
    for (int d = 0; d < 3; ++d) out[d] = shape[d] + b[d] + e[d];
    ASSERT_EQ(y[0].shape(), out);
    Tensor expected(DataType::kFloat32, out);
    float* ep = expected.data_as<float>();
    for (int64_t i0 = 0; i0 < out[0]; ++i0)
      for (int64_t i1 = 0; i1 < out[1]; ++i1)
        for (int64_t i2 = 0; i2 < out[2]; ++i2) {
          const int64_t o[3] = {i0, i1, i2};
          int64_t src[3];
          bool constant = false;
          for (int d = 0; d < 3; ++d) {
            const int64_t lo = std::max<int64_t>(0, -b[d]);
            const int64_t kept = shape[d] - lo - std::max<int64_t>(0, -e[d]);
            const int64_t i = o[d] - std::max<int64_t>(0, b[d]);
            if ((i < 0 || i >= kept) && std::string(m) == "constant") constant = true;
            src[d] = lo + ((i >= 0 && i < kept) ? i : naive_source(m, i, kept));
          }
          *ep++ = constant ? 2.5f
                           : x.data_as<float>()[(src[0] * shape[1] + src[1]) * shape[2] + src[2]];
        }
    EXPECT_EQ(max_abs_diff(y[0], expected), 0.f);
  }
}

TEST(PadOp, OtherElementTypes) {
  Tensor b(DataType::kBool, {2});
  b.data_as<bool>()[0] = true;
  b.data_as<bool>()[1] = true;
  const auto yb = run_op("Pad", {b, make_i64({2}, {1, 1})});
  ASSERT_EQ(yb[0].dtype(), DataType::kBool);
  EXPECT_EQ(yb[0].numel(), 4);
  EXPECT_FALSE(yb[0].data_as<bool>()[0]);
  EXPECT_TRUE(yb[0].data_as<bool>()[1]);
  Tensor u8(DataType::kUInt8, {2});
  u8.data_as<uint8_t>()[0] = 3;
  u8.data_as<uint8_t>()[1] = 4;
  Tensor cv(DataType::kUInt8, {});
  cv.data_as<uint8_t>()[0] = 9;
  const auto yu = run_op("Pad", {u8, make_i64({2}, {2, 1}), cv});
  const uint8_t* p = yu[0].data_as<uint8_t>();
  EXPECT_EQ(std::vector<int>(p, p + 5), (std::vector<int>{9, 9, 3, 4, 9}));
  Tensor h(DataType::kFloat16, {1});
  h.data_as<uint16_t>()[0] = float_to_half(1.5f);
  const auto yh = run_op("Pad", {h, make_i64({2}, {0, 2})}, mode("edge"));
  EXPECT_EQ(half_to_float(yh[0].data_as<uint16_t>()[2]), 1.5f);
}

TEST(PadOp, Errors) {
  const Tensor x = random_tensor({2, 3}, 1);
  EXPECT_THROW(run_op("Pad", {x, make_i64({2}, {1, 1})}), Error);         // count
  EXPECT_THROW(run_op("Pad", {x, make_i64({4}, {0, -4, 0, 0})}), Error);  // over-crop
  EXPECT_THROW(run_op("Pad", {x, make_i64({4}, {0, 0, 0, 0})}, mode("mirror")), Error);
  EXPECT_THROW(run_op("Pad", {x, make_i64({2}, {1, 1}), Tensor(), make_i64({1}, {2})}), Error);
  try {
    run_op("Pad", {x, make_i64({4}, {0, -3, 0, 1})}, mode("edge"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Pad 'test_Pad': mode 'edge'"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace qrt
