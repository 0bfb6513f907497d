// JPEG/PNG decoding through libjpeg-turbo and libpng, channel conversion, and the
// preprocessing formulas documented on qrt::data::Preprocess, checked on hand-computed values.
#include <gtest/gtest.h>

#include "data/image.h"
#include "data/preprocess.h"
#include "onnx_test_util.h"

namespace qrt::data {
namespace {

using qrt::test::expect_error;

Image make_image(int64_t height, int64_t width, int channels, std::vector<uint8_t> pixels) {
  return Image{height, width, channels, std::move(pixels)};
}

// A smooth gradient (JPEG-friendly: no edges) of at most 32 x 32 pixels.
Image gradient(int64_t height, int64_t width, int channels) {
  Image image{height, width, channels, {}};
  for (int64_t y = 0; y < height; ++y)
    for (int64_t x = 0; x < width; ++x)
      for (int c = 0; c < channels; ++c)
        image.pixels.push_back(static_cast<uint8_t>(20 + x * 3 + y * 2 + c * 30));
  return image;
}

TEST(ImageCodec, PngRoundTripIsExact) {
  for (int channels : {1, 3}) {
    const Image image = gradient(5, 7, channels);
    const Image decoded = decode_image(encode_png(image), "mem.png");
    EXPECT_EQ(decoded.height, 5);
    EXPECT_EQ(decoded.width, 7);
    EXPECT_EQ(decoded.channels, channels);
    EXPECT_EQ(decoded.pixels, image.pixels);
  }
}

TEST(ImageCodec, JpegRoundTripIsClose) {
  for (int channels : {1, 3}) {
    const Image image = gradient(16, 24, channels);
    const Image decoded = decode_image(encode_jpeg(image, 95), "mem.jpg");
    ASSERT_EQ(decoded.channels, channels);
    ASSERT_EQ(decoded.pixels.size(), image.pixels.size());
    int worst = 0;
    for (size_t i = 0; i < image.pixels.size(); ++i)
      worst = std::max(worst, std::abs(int{decoded.pixels[i]} - int{image.pixels[i]}));
    EXPECT_LE(worst, 12);
  }
}

TEST(ImageCodec, BadImagesAreOneLineErrorsNamingTheFile) {
  expect_error([] { decode_image("", "a.png"); }, {"a.png", "empty file"});
  expect_error([] { decode_image("GIF89a....", "b.gif"); }, {"b.gif", "not a JPEG or PNG"});
  const std::string png = encode_png(gradient(8, 8, 3));
  expect_error([&] { decode_image(png.substr(0, png.size() / 2), "c.png"); },
               {"c.png", "corrupt PNG"});
  std::string flipped = png;
  flipped[40] = static_cast<char>(flipped[40] ^ 0x55);  // inside IDAT: CRC mismatch
  expect_error([&] { decode_image(flipped, "d.png"); }, {"d.png", "corrupt PNG"});
  const std::string jpeg = encode_jpeg(gradient(32, 32, 3));
  expect_error([&] { decode_image(jpeg.substr(0, jpeg.size() / 2), "e.jpg"); },
               {"e.jpg", "corrupt JPEG", "truncated"});
  expect_error([&] { decode_image(jpeg.substr(0, 3) + std::string(40, 'x'), "f.jpg"); },
               {"f.jpg", "corrupt JPEG"});
  expect_error([] { load_image("/nonexistent/qrt/g.png"); }, {"/nonexistent/qrt/g.png"});
}

TEST(ImageCodec, ChannelConversion) {
  // PIL's convert('L'): red 76, green 150, blue 29, white 255.
  const Image rgb = make_image(1, 4, 3, {255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255});
  EXPECT_EQ(convert_channels(rgb, 1).pixels, (std::vector<uint8_t>{76, 150, 29, 255}));
  const Image gray = make_image(1, 2, 1, {7, 200});
  EXPECT_EQ(convert_channels(gray, 3).pixels, (std::vector<uint8_t>{7, 7, 7, 200, 200, 200}));
}

TEST(Preprocess, CenterCropOffsetRoundsHalfToEven) {
  EXPECT_EQ(center_crop_offset(256, 224), 16);
  EXPECT_EQ(center_crop_offset(257, 224), 16);  // 16.5 -> 16
  EXPECT_EQ(center_crop_offset(259, 224), 18);  // 17.5 -> 18
  EXPECT_EQ(center_crop_offset(224, 224), 0);
  EXPECT_EQ(center_crop_offset(225, 224), 0);  // 0.5 -> 0
}

TEST(Preprocess, ResizeShorterSideKeepsAspectLikeTorchvision) {
  Preprocess p;
  p.resize_shorter = 256;
  const ImagePipeline pipeline(p, 3, 0, 1, "spec");
  EXPECT_EQ(pipeline.output_size(200, 300, "x"), (std::pair<int64_t, int64_t>{256, 384}));
  EXPECT_EQ(pipeline.output_size(500, 333, "x"), (std::pair<int64_t, int64_t>{384, 256}));
  p.crop = 224;
  EXPECT_EQ(ImagePipeline(p, 3, 0, 1, "spec").output_size(500, 333, "x"),
            (std::pair<int64_t, int64_t>{224, 224}));
  p.resize_shorter = 0;
  expect_error([&] { ImagePipeline(p, 3, 0, 1, "spec").output_size(100, 300, "small.png"); },
               {"small.png", "smaller than the 224x224 crop"});
}

std::vector<float> run(const Preprocess& p, const Image& image, int64_t oh, int64_t ow) {
  const ImagePipeline pipeline(p, image.channels, 0, 1, "spec");
  std::vector<float> out(static_cast<size_t>(oh * ow * pipeline.channels()));
  pipeline.run(view_of(image), oh, ow, out.data(), "img");
  return out;
}

TEST(Preprocess, BilinearDownscaleAveragesHalfPixelNeighbours) {
  // 2 x 4 -> shorter side 1 gives 1 x 2; half-pixel centres land between rows 0-1 and between
  // columns 0-1 and 2-3, so each output is a 2 x 2 average.
  Preprocess p;
  p.resize_shorter = 1;
  const Image image = make_image(2, 4, 1, {10, 20, 30, 40, 50, 60, 70, 80});
  const auto out = run(p, image, 1, 2);
  EXPECT_FLOAT_EQ(out[0], 35.0f / 255.0f);
  EXPECT_FLOAT_EQ(out[1], 55.0f / 255.0f);
}

TEST(Preprocess, BilinearUpscaleClampsAtTheBorders) {
  // 1 x 2 -> 2 x 4: src x = 0.5 (x + 0.5) - 0.5 = -0.25 (clamped to 0), 0.25, 0.75, 1.25.
  Preprocess p;
  p.resize_shorter = 2;
  const Image image = make_image(1, 2, 1, {0, 100});
  const auto out = run(p, image, 2, 4);
  const float expected[] = {0, 25, 75, 100};
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 4; ++x)
      EXPECT_FLOAT_EQ(out[static_cast<size_t>(y * 4 + x)], expected[x] / 255.0f);
}

TEST(Preprocess, CropMeanStddevAndLayouts) {
  // 3 x 3 RGB, crop 1 takes the centre pixel (255, 0, 51).
  Image image = make_image(3, 3, 3, std::vector<uint8_t>(27, 0));
  image.pixels[12] = 255;
  image.pixels[14] = 51;
  Preprocess p;
  p.crop = 1;
  p.mean = {0.5f, 0.25f, 0.0f};
  p.stddev = {0.5f, 0.25f, 0.2f};
  auto out = run(p, image, 1, 1);
  EXPECT_FLOAT_EQ(out[0], 1.0f);
  EXPECT_FLOAT_EQ(out[1], -1.0f);
  EXPECT_FLOAT_EQ(out[2], 1.0f);
  // 1 x 2 RGB without crop: NCHW is channel-major, NHWC pixel-major.
  const Image pair = make_image(1, 2, 3, {255, 0, 51, 0, 255, 102});
  p.crop = 0;
  out = run(p, pair, 1, 2);
  EXPECT_EQ(out, (std::vector<float>{1, -1, -1, 3, 1, 2}));
  p.nhwc = true;
  out = run(p, pair, 1, 2);
  EXPECT_EQ(out, (std::vector<float>{1, -1, 1, -1, 3, 2}));
  EXPECT_EQ(ImagePipeline(p, 3, 0, 1, "s").sample_shape(1, 2), (std::vector<int64_t>{1, 2, 3}));
}

TEST(Preprocess, BadOptionsNameTheSpec) {
  Preprocess p;
  p.mean = {0.1f, 0.2f};
  expect_error([&] { ImagePipeline(p, 3, 0, 1, "my.txt"); },
               {"my.txt", "mean has 2 values for 3 channels; give 1 or 3"});
  p.mean.clear();
  p.stddev = {0.0f};
  expect_error([&] { ImagePipeline(p, 3, 0, 1, "my.txt"); }, {"my.txt", "stddev"});
  p.stddev.clear();
  p.channels = 2;
  expect_error([&] { ImagePipeline(p, 3, 0, 1, "my.txt"); }, {"my.txt", "channels"});
}

}  // namespace
}  // namespace qrt::data
