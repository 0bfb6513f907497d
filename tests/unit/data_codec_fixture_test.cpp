// Decoding and preprocessing against Pillow and torchvision: tests/data/images holds tiny
// images in the variants real datasets hold and the pixels Pillow decodes from them, and the
// torchvision resize / crop / normalize result (tests/data/images/make_images.py wrote them).
#include <gtest/gtest.h>

#include <cmath>

#include "data/dataset.h"
#include "data/image.h"
#include "io/tensor_file.h"
#include "onnx_test_util.h"

namespace qrt::data {
namespace {

const std::string kImages = std::string(QRT_SOURCE_DIR) + "/tests/data/images/";

class DecodeLikePillow : public ::testing::TestWithParam<const char*> {};

TEST_P(DecodeLikePillow, SamePixels) {
  const std::string name = GetParam();
  const Image image = load_image(kImages + name);
  const Tensor expected = io::load_npy(kImages + name + ".npy");
  ASSERT_EQ(expected.rank(), 3u);
  EXPECT_EQ(image.height, expected.dim(0));
  EXPECT_EQ(image.width, expected.dim(1));
  ASSERT_EQ(image.channels, expected.dim(2));
  ASSERT_EQ(static_cast<int64_t>(image.pixels.size()), expected.numel());
  // Bit-exact, CMYK -> RGB included.
  int worst = 0;
  for (size_t i = 0; i < image.pixels.size(); ++i)
    worst = std::max(worst, std::abs(int{image.pixels[i]} - int{expected.data_as<uint8_t>()[i]}));
  EXPECT_EQ(worst, 0);
}

INSTANTIATE_TEST_SUITE_P(Images, DecodeLikePillow,
                         ::testing::Values("base.png", "gray.png", "palette.png", "gray16.png",
                                           "rgba.png", "la.png", "baseline.jpg", "progressive.jpg",
                                           "gray.jpg", "cmyk.jpg"),
                         [](const auto& param_info) {
                           std::string n = param_info.param;
                           for (char& c : n)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

TEST(PreprocessLikeTorchvision, ResizeCropNormalize) {
  qrt::test::TempDir dir;
  const std::string list = dir.write("list.txt", kImages + "base.png 0\n");
  Preprocess p;
  p.resize_shorter = 5;
  p.crop = 4;
  p.mean = {0.485f, 0.456f, 0.406f};
  p.stddev = {0.229f, 0.224f, 0.225f};
  const Batch b = open_dataset(list, p)->get(0, 1);
  // Equal up to a few float ulps: PyTorch evaluates the same formula in another order.
  const Tensor expected = io::load_npy(kImages + "resize_crop.npy");
  ASSERT_EQ(b.inputs.shape(), (std::vector<int64_t>{1, 3, 4, 4}));
  ASSERT_EQ(expected.numel(), b.inputs.numel());
  for (int64_t i = 0; i < expected.numel(); ++i)
    EXPECT_NEAR(b.inputs.data_as<float>()[i], expected.data_as<float>()[i], 1e-6) << i;
}

}  // namespace
}  // namespace qrt::data
