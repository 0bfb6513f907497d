// Resize: known values (from the ONNX reference implementation) for every mode family, and
// random N-d cases against a direct per-output-point evaluation of the spec's formulas.
#include <gtest/gtest.h>

#include <cmath>

#include "ops_test_helpers.h"

namespace qrt {
namespace {

using namespace test;

Tensor iota_4x4() {
  std::vector<float> v(16);
  for (int i = 0; i < 16; ++i) v[i] = float(i + 1);
  return make_f32({1, 1, 4, 4}, v);
}

Tensor resize_sizes(const Tensor& x, const Ints& sizes, const Attrs& attrs) {
  return run_op("Resize", {x, Tensor(), Tensor(), make_i64({int64_t(sizes.size())}, sizes)},
                attrs)[0];
}

Tensor resize_scales(const Tensor& x, const std::vector<float>& scales, const Attrs& attrs) {
  return run_op("Resize", {x, Tensor(), make_f32({int64_t(scales.size())}, scales)}, attrs)[0];
}

TEST(ResizeOp, NearestKnownValues) {
  // The ONNX docs example: 2x2 upsampled by 2 x 3.
  const auto y = resize_scales(make_f32({1, 1, 2, 2}, {1, 2, 3, 4}), {1, 1, 2, 3}, {});
  EXPECT_EQ(max_abs_diff(y, make_f32({1, 1, 4, 6}, {1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2,
                                                    3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4})),
            0.f);
  // Every nearest_mode, 0..4 resized to 8 (asymmetric) and scaled by 2 (half_pixel).
  const Tensor x = make_f32({5}, {0, 1, 2, 3, 4});
  const std::vector<std::pair<std::string, std::pair<std::vector<float>, std::vector<float>>>>
      cases = {
          {"round_prefer_floor", {{0, 1, 1, 2, 2, 3, 4, 4}, {0, 0, 1, 1, 2, 2, 3, 3, 4, 4}}},
          {"round_prefer_ceil", {{0, 1, 1, 2, 3, 3, 4, 4}, {0, 0, 1, 1, 2, 2, 3, 3, 4, 4}}},
          {"floor", {{0, 0, 1, 1, 2, 3, 3, 4}, {0, 0, 0, 1, 1, 2, 2, 3, 3, 4}}},
          {"ceil", {{0, 1, 2, 2, 3, 4, 4, 4}, {0, 1, 1, 2, 2, 3, 3, 4, 4, 4}}},
      };
  for (const auto& [mode, expected] : cases) {
    SCOPED_TRACE(mode);
    const Attrs asymmetric{{"nearest_mode", mode},
                           {"coordinate_transformation_mode", std::string("asymmetric")}};
    EXPECT_EQ(max_abs_diff(resize_sizes(x, {8}, asymmetric), make_f32({8}, expected.first)), 0.f);
    EXPECT_EQ(max_abs_diff(resize_scales(x, {2}, {{"nearest_mode", mode}}),
                           make_f32({10}, expected.second)),
              0.f);
  }
}

TEST(ResizeOp, LinearKnownValues) {
  const Attrs linear{{"mode", std::string("linear")}};
  // ONNX docs: downsample by 0.6 (half_pixel).
  EXPECT_LT(max_abs_diff(resize_scales(make_f32({1, 1, 2, 4}, {1, 2, 3, 4, 5, 6, 7, 8}),
                                       {1, 1, 0.6f, 0.6f}, linear),
                         make_f32({1, 1, 1, 2}, {2.6666665f, 4.3333331f})),
            1e-6f);
  // align_corners upsample of 2x2 by 2.
  Attrs ac = linear;
  ac["coordinate_transformation_mode"] = std::string("align_corners");
  const float t = 1.f / 3;
  EXPECT_LT(
      max_abs_diff(resize_scales(make_f32({1, 1, 2, 2}, {1, 2, 3, 4}), {1, 1, 2, 2}, ac),
                   make_f32({1, 1, 4, 4}, {1, 1 + t, 1 + 2 * t, 2, 1 + 2 * t, 2, 2 + t, 2 + 2 * t,
                                           2 + t, 2 + 2 * t, 3, 3 + t, 3, 3 + t, 3 + 2 * t, 4})),
      1e-6f);
  Attrs pt = linear;
  pt["coordinate_transformation_mode"] = std::string("pytorch_half_pixel");
  EXPECT_LT(max_abs_diff(resize_sizes(iota_4x4(), {1, 1, 3, 1}, pt),
                         make_f32({1, 1, 3, 1}, {1.66667f, 7.f, 12.3333f})),
            1e-4f);
  Attrs sym = linear;
  sym["coordinate_transformation_mode"] = std::string("half_pixel_symmetric");
  EXPECT_LT(max_abs_diff(resize_scales(iota_4x4(), {1, 1, 1.5f, 0.7f}, sym),
                         make_f32({1, 1, 6, 2},
                                  {1.78571f, 3.21429f, 3.78571f, 5.21429f, 6.45238f, 7.88095f,
                                   9.11905f, 10.5476f, 11.7857f, 13.2143f, 13.7857f, 15.2143f})),
            1e-4f);
  // axes [3, 2] with keep_aspect_ratio_policy not_larger: scale min(7/4, 2/4) -> 2 x 2.
  Attrs keep = linear;
  keep["axes"] = Ints{3, 2};
  keep["keep_aspect_ratio_policy"] = std::string("not_larger");
  EXPECT_LT(max_abs_diff(resize_sizes(iota_4x4(), {7, 2}, keep),
                         make_f32({1, 1, 2, 2}, {3.5f, 5.5f, 11.5f, 13.5f})),
            1e-6f);
}

TEST(ResizeOp, CubicAndCropKnownValues) {
  EXPECT_LT(
      max_abs_diff(resize_sizes(iota_4x4(), {1, 1, 3, 5}, {{"mode", std::string("cubic")}}),
                   make_f32({1, 1, 3, 5}, {1.44388f, 2.11538f, 3.00463f, 3.89389f, 4.56539f,
                                           6.93925f, 7.61075f, 8.5f, 9.38925f, 10.0608f, 12.4346f,
                                           13.1061f, 13.9954f, 14.8846f, 15.5561f})),
      1e-4f);
  const Attrs excl{
      {"mode", std::string("cubic")}, {"exclude_outside", int64_t{1}}, {"cubic_coeff_a", -0.5f}};
  EXPECT_LT(max_abs_diff(resize_sizes(iota_4x4(), {1, 1, 3, 3}, excl),
                         make_f32({1, 1, 3, 3}, {1.51422f, 2.91138f, 4.30853f, 7.10284f, 8.5f,
                                                 9.89716f, 12.6915f, 14.0886f, 15.4858f})),
            1e-4f);
  const Attrs crop{{"mode", std::string("linear")},
                   {"coordinate_transformation_mode", std::string("tf_crop_and_resize")},
                   {"extrapolation_value", 10.f}};
  const auto y = run_op("Resize",
                        {iota_4x4(), make_f32({8}, {0, 0, 0.4f, 0.6f, 1, 1, 1.2f, 1.7f}), Tensor(),
                         make_i64({4}, {1, 1, 3, 3})},
                        crop);
  EXPECT_LT(max_abs_diff(y[0], make_f32({1, 1, 3, 3}, {7.6f, 10, 10, 12.4f, 10, 10, 10, 10, 10})),
            1e-5f);
}

// ---- Direct evaluation: each output point is a weighted sum over the product of per-axis taps.

struct Tap {
  int64_t index;
  double weight;
};

// Taps of output coordinate o along one axis, or none (extrapolate) outside a crop roi.
std::vector<Tap> axis_taps(const Attrs& a, int64_t o, int64_t in, int64_t out, float scale,
                           float roi_start, float roi_end, bool* extrapolate) {
  auto str = [&](const char* k, const char* def) {
    return a.count(k) ? std::get<std::string>(a.at(k)) : std::string(def);
  };
  const std::string mode = str("mode", "nearest"),
                    ctm = str("coordinate_transformation_mode", "half_pixel");
  const float xr = float(o), fin = float(in), fout = float(out);
  float x;
  if (ctm == "asymmetric")
    x = xr / scale;
  else if (ctm == "align_corners")
    x = out == 1 ? 0 : xr * (fin - 1) / (fout - 1);
  else if (ctm == "pytorch_half_pixel")
    x = out > 1 ? (xr + 0.5f) / scale - 0.5f : 0;
  else if (ctm == "tf_crop_and_resize")
    x = out > 1 ? roi_start * (fin - 1) + xr * (roi_end - roi_start) * (fin - 1) / (fout - 1)
                : 0.5f * (roi_start + roi_end) * (fin - 1);
  else
    x = (xr + 0.5f) / scale - 0.5f;
  *extrapolate = ctm == "tf_crop_and_resize" && (x < 0 || x > fin - 1);
  auto clampi = [in](int64_t i) { return std::min(std::max<int64_t>(i, 0), in - 1); };
  if (mode == "nearest") {
    const std::string nm = str("nearest_mode", "round_prefer_floor");
    int64_t i = nm == "floor"  ? int64_t(std::floor(x))
                : nm == "ceil" ? int64_t(std::ceil(x))
                : x - std::floor(x) == 0.5f
                    ? int64_t(nm == "round_prefer_ceil" ? std::ceil(x) : std::floor(x))
                    : int64_t(std::lround(x));
    return {{clampi(i), 1.0}};
  }
  if (mode == "linear") {
    const double xc = std::min(std::max(double(x), 0.0), double(in - 1));
    const int64_t i = int64_t(std::floor(xc));
    return {{i, 1 - (xc - double(i))}, {clampi(i + 1), xc - double(i)}};
  }
  const double A = a.count("cubic_coeff_a") ? std::get<float>(a.at("cubic_coeff_a")) : -0.75;
  auto k = [A](double t) {  // Keys kernel
    t = std::fabs(t);
    return t <= 1  ? (A + 2) * t * t * t - (A + 3) * t * t + 1
           : t < 2 ? A * t * t * t - 5 * A * t * t + 8 * A * t - 4 * A
                   : 0.0;
  };
  const bool exclude = a.count("exclude_outside") && std::get<int64_t>(a.at("exclude_outside"));
  const int64_t base = int64_t(std::floor(x));
  std::vector<Tap> taps;
  double sum = 0;
  for (int64_t i = base - 1; i <= base + 2; ++i) {
    const double w = exclude && (i < 0 || i >= in) ? 0 : k(double(x) - double(i));
    taps.push_back({clampi(i), w});
    sum += w;
  }
  if (exclude)
    for (Tap& t : taps) t.weight /= sum;
  return taps;
}

// Resizes every dim of a rank-3 tensor; `scales` are the transform scales per dim.
Tensor naive_resize(const Tensor& x, const Ints& out_shape, const std::vector<float>& scales,
                    const Attrs& a, const std::vector<float>& roi) {
  const Ints& s = x.shape();
  const float extrapolation =
      a.count("extrapolation_value") ? std::get<float>(a.at("extrapolation_value")) : 0.f;
  Tensor y(DataType::kFloat32, out_shape);
  float* yp = y.data_as<float>();
  for (int64_t o0 = 0; o0 < out_shape[0]; ++o0)
    for (int64_t o1 = 0; o1 < out_shape[1]; ++o1)
      for (int64_t o2 = 0; o2 < out_shape[2]; ++o2) {
        const int64_t o[3] = {o0, o1, o2};
        std::vector<Tap> taps[3];
        bool extrapolate = false;
        for (int d = 0; d < 3; ++d) {
          bool e = false;
          taps[d] = axis_taps(a, o[d], s[d], out_shape[d], scales[d], roi.empty() ? 0 : roi[d],
                              roi.empty() ? 1 : roi[3 + d], &e);
          extrapolate = extrapolate || e;
        }
        double acc = 0;
        for (const Tap& t0 : taps[0])
          for (const Tap& t1 : taps[1])
            for (const Tap& t2 : taps[2])
              acc += t0.weight * t1.weight * t2.weight *
                     x.data_as<float>()[(t0.index * s[1] + t1.index) * s[2] + t2.index];
        *yp++ = extrapolate ? extrapolation : float(acc);
      }
  return y;
}

TEST(ResizeOp, RandomRank3MatchesDirectEvaluation) {
  const Tensor x = random_tensor({3, 5, 6}, 17);
  const std::vector<std::string> modes = {"nearest", "linear", "cubic"};
  const std::vector<std::string> ctms = {"half_pixel", "pytorch_half_pixel", "align_corners",
                                         "asymmetric", "tf_crop_and_resize"};
  const std::vector<float> roi = {0.1f, -0.2f, 0.3f, 0.8f, 1.1f, 0.9f};
  for (const std::string& mode : modes)
    for (const std::string& ctm : ctms)
      for (int variant = 0; variant < 2; ++variant) {
        SCOPED_TRACE(mode + " " + ctm + " variant " + std::to_string(variant));
        Attrs a{
            {"mode", mode}, {"coordinate_transformation_mode", ctm}, {"extrapolation_value", -3.f}};
        if (variant == 1) {
          a["nearest_mode"] = std::string("round_prefer_ceil");
          a["exclude_outside"] = int64_t{1};
          a["cubic_coeff_a"] = -0.5f;
        }
        const Tensor roi_t = ctm == "tf_crop_and_resize" ? make_f32({6}, roi) : Tensor();
        const std::vector<float>& naive_roi =
            ctm == "tf_crop_and_resize" ? roi : std::vector<float>{};
        // Sizes (one dim shrinks to 1) and integral / fractional scales.
        const Ints sizes{2, 9, 1};
        const auto ys = run_op("Resize", {x, roi_t, Tensor(), make_i64({3}, sizes)}, a)[0];
        EXPECT_LT(
            max_abs_diff(ys, naive_resize(x, sizes, {2.f / 3, 9.f / 5, 1.f / 6}, a, naive_roi)),
            1e-5f);
        const std::vector<float> scales{1.f, 2.f, 0.5f};
        const auto yc = run_op("Resize", {x, roi_t, make_f32({3}, scales)}, a)[0];
        EXPECT_LT(max_abs_diff(yc, naive_resize(x, {3, 10, 3}, scales, a, naive_roi)), 1e-5f);
      }
}

TEST(ResizeOp, IntegerNearestAndAxes) {
  Tensor x(DataType::kUInt8, {1, 2, 2});
  for (int i = 0; i < 4; ++i) x.data_as<uint8_t>()[i] = uint8_t(10 * i);
  const auto y = run_op("Resize", {x, Tensor(), make_f32({1}, {2.f})}, {{"axes", Ints{-1}}});
  ASSERT_EQ(y[0].shape(), (Ints{1, 2, 4}));
  const uint8_t* p = y[0].data_as<uint8_t>();
  EXPECT_EQ(std::vector<int>(p, p + 8), (std::vector<int>{0, 0, 10, 10, 20, 20, 30, 30}));
  // Integer data in linear mode is not supported.
  EXPECT_THROW(
      run_op("Resize", {x, Tensor(), make_f32({3}, {1, 1, 2})}, {{"mode", std::string("linear")}}),
      Error);
}

TEST(ResizeOp, Errors) {
  const Tensor x = random_tensor({1, 1, 4, 4}, 1);
  EXPECT_THROW(run_op("Resize", {x}), Error);  // neither scales nor sizes
  EXPECT_THROW(
      run_op("Resize", {x, Tensor(), make_f32({4}, {1, 1, 2, 2}), make_i64({4}, {1, 1, 8, 8})}),
      Error);
  EXPECT_THROW(run_op("Resize", {x, Tensor(), make_f32({3}, {1, 2, 2})}), Error);
  EXPECT_THROW(
      run_op("Resize", {random_tensor({1, 0, 2}, 1), Tensor(), Tensor(), make_i64({3}, {1, 2, 2})}),
      Error);  // an empty dim cannot grow
  EXPECT_THROW(
      run_op("Resize", {x, Tensor(), make_f32({4}, {1, 1, 2, 2})}, {{"mode", std::string("area")}}),
      Error);
  try {
    run_op("Resize", {x, Tensor(), make_f32({4}, {1, 1, 2, 2})},
           {{"coordinate_transformation_mode", std::string("bogus")}});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "Resize 'test_Resize': unsupported coordinate_transformation_mode"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace qrt
