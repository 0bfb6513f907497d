// Turns 8-bit images into model input as documented on qrt::data::Preprocess.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/image.h"

namespace qrt::data {

// Interleaved H x W x C bytes owned elsewhere.
struct ImageView {
  const uint8_t* pixels = nullptr;
  int64_t height = 0;
  int64_t width = 0;
  int channels = 0;
};

inline ImageView view_of(const Image& image) {
  return {image.pixels.data(), image.height, image.width, image.channels};
}

class ImagePipeline {
 public:
  // `source_channels` decides the output channels when preprocess.channels is 0; empty mean /
  // stddev take the defaults. Bad options throw an Error starting with `spec`.
  ImagePipeline(const Preprocess& preprocess, int source_channels, float default_mean,
                float default_stddev, const std::string& spec);

  int channels() const { return channels_; }
  // Output height and width for a source of this size; throws (naming `name`) when the crop
  // does not fit.
  std::pair<int64_t, int64_t> output_size(int64_t height, int64_t width,
                                          const std::string& name) const;
  // C x H x W, or H x W x C for nhwc.
  std::vector<int64_t> sample_shape(int64_t out_height, int64_t out_width) const;
  // Writes one preprocessed image of sample_shape(out_height, out_width) to `out`; an image
  // whose output size differs is an error naming `name`.
  void run(ImageView image, int64_t out_height, int64_t out_width, float* out,
           const std::string& name) const;

 private:
  Preprocess options_;
  int channels_;
  std::vector<float> mean_, stddev_;
};

// (H - K) / 2 rounded half to even, as Python's round() in torchvision's center_crop.
int64_t center_crop_offset(int64_t size, int64_t crop);

}  // namespace qrt::data
