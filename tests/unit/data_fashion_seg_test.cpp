// The Fashion-MNIST segmentation canvases against the standalone NumPy port of the spec
// (tools/make_seg_fixture.py wrote tests/data/fashion_seg_test_0_3.npy.gz).
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "data/dataset.h"
#include "data/fashion_seg.h"
#include "data/idx_file.h"
#include "data/pcg32.h"
#include "io/tensor_file.h"
#include "onnx_test_util.h"

namespace qrt::data {
namespace {

using qrt::test::expect_error;

bool have_fashion_mnist() {
  return std::filesystem::exists(std::string(kFashionMnistDir) + "/t10k-images-idx3-ubyte.gz");
}

TEST(Pcg32, MatchesTheReferenceImplementation) {
  // pcg32-demo's first outputs for pcg32_srandom(42, 54).
  Pcg32 rng(42, 54);
  const uint32_t expected[] = {0xa15c02b7, 0x7b47f409, 0xba1d3330,
                               0x83d2f293, 0xbfa4784b, 0xcbed606e};
  for (uint32_t e : expected) EXPECT_EQ(rng.next_u32(), e);
}

TEST(FashionSeg, MatchesPythonFixture) {
  if (!have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const Tensor fixture = io::npy_from_bytes(
      read_maybe_gzipped(std::string(QRT_SOURCE_DIR) + "/tests/data/fashion_seg_test_0_3.npy.gz"),
      "fixture");
  ASSERT_EQ(fixture.shape(), (std::vector<int64_t>{4, 2, 128, 128}));
  const auto ds = open_dataset("fashion-mnist-seg:test");
  EXPECT_EQ(ds->size(), 10000);
  EXPECT_EQ(ds->sample_shape(), (std::vector<int64_t>{1, 128, 128}));
  EXPECT_EQ(ds->label_kind(), LabelKind::kMask);
  const Batch b = ds->get(0, 4);
  ASSERT_EQ(b.labels.shape(), (std::vector<int64_t>{4, 128, 128}));
  const auto* expected = fixture.data_as<uint8_t>();
  constexpr int64_t kPixels = 128 * 128;
  for (int64_t i = 0; i < 4; ++i) {
    const uint8_t* canvas = expected + (2 * i) * kPixels;
    const uint8_t* mask = expected + (2 * i + 1) * kPixels;
    int64_t canvas_diff = 0, mask_diff = 0, mask_pixels = 0;
    for (int64_t p = 0; p < kPixels; ++p) {
      const float want = (static_cast<float>(canvas[p]) / 255.0f - 0.5f) / 0.5f;
      canvas_diff += b.inputs.data_as<float>()[i * kPixels + p] != want;
      mask_diff += b.labels.data_as<uint8_t>()[i * kPixels + p] != mask[p];
      mask_pixels += mask[p];
    }
    EXPECT_EQ(canvas_diff, 0) << "canvas " << i;
    EXPECT_EQ(mask_diff, 0) << "mask " << i;
    EXPECT_GT(mask_pixels, 100) << "mask " << i;
  }
}

TEST(FashionSeg, BatchesAndOptions) {
  if (!have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const auto ds = open_dataset("fashion-mnist-seg:test");
  const Batch whole = ds->get(5, 6);
  const Batch part = ds->get(8, 3);
  EXPECT_EQ(std::memcmp(whole.inputs.data_as<float>() + 3 * 128 * 128, part.inputs.data(),
                        part.inputs.nbytes()),
            0);
  EXPECT_EQ(std::memcmp(whole.labels.data_as<uint8_t>() + 3 * 128 * 128, part.labels.data(),
                        part.labels.nbytes()),
            0);
  Preprocess p;
  p.crop = 64;
  expect_error([&] { open_dataset("fashion-mnist-seg:test", p); },
               {"fashion-mnist-seg:test", "masks would not follow"});
  p = {};
  p.channels = 3;
  p.nhwc = true;
  EXPECT_EQ(open_dataset("fashion-mnist-seg:test", p)->sample_shape(),
            (std::vector<int64_t>{128, 128, 3}));
}

TEST(FashionSeg, ItemPixelsFormTheMask) {
  // A split of two images: a uniform item (value 200) and a uniform clutter source (value 100).
  std::vector<uint8_t> images(2 * 28 * 28, 200);
  std::fill(images.begin() + 28 * 28, images.end(), uint8_t{100});
  std::vector<uint8_t> canvas(128 * 128), mask(128 * 128);
  make_seg_canvas(images.data(), 2, 0, true, canvas.data(), mask.data());
  int64_t item = 0, clutter = 0;
  for (size_t p = 0; p < canvas.size(); ++p) {
    EXPECT_EQ(mask[p] == 1, canvas[p] == 200);
    item += mask[p];
    clutter += canvas[p] == 40;  // 100 * 2 / 5
    EXPECT_TRUE(canvas[p] == 0 || canvas[p] == 40 || canvas[p] == 200);
  }
  // The item is (28 f)^2 pixels for f in 2..4.
  EXPECT_TRUE(item == 56 * 56 || item == 84 * 84 || item == 112 * 112) << item;
  EXPECT_GT(clutter, 0);
}

}  // namespace
}  // namespace qrt::data
