#include "data/preprocess.h"

#include <algorithm>
#include <cmath>

#include "io/printable.h"
#include "qrt/types.h"

namespace qrt::data {

namespace {

// Per-channel values from one value or one per channel.
std::vector<float> per_channel(const std::vector<float>& values, float default_value, int channels,
                               const char* what, const std::string& spec) {
  if (values.empty()) return std::vector<float>(static_cast<size_t>(channels), default_value);
  if (values.size() == 1) return std::vector<float>(static_cast<size_t>(channels), values[0]);
  if (values.size() == static_cast<size_t>(channels)) return values;
  const std::string channel_text =
      channels == 1 ? "1 channel; give 1 value"
                    : std::to_string(channels) + " channels; give 1 or " + std::to_string(channels);
  throw Error(io::printable(spec + ": preprocessing " + what + " has " +
                            std::to_string(values.size()) + " values for " + channel_text));
}

// Source taps of PyTorch's upsample_bilinear2d (align_corners=False) for one axis.
struct Tap {
  int64_t i0, i1;
  float w0, w1;
};

std::vector<Tap> bilinear_taps(int64_t in, int64_t out, int64_t first, int64_t count) {
  const float scale = static_cast<float>(in) / static_cast<float>(out);
  std::vector<Tap> taps(static_cast<size_t>(count));
  for (int64_t k = 0; k < count; ++k) {
    const float src = std::max(scale * (static_cast<float>(first + k) + 0.5f) - 0.5f, 0.0f);
    Tap& t = taps[static_cast<size_t>(k)];
    t.i0 = static_cast<int64_t>(src);
    t.i1 = t.i0 + (t.i0 < in - 1 ? 1 : 0);
    t.w1 = src - static_cast<float>(t.i0);
    t.w0 = 1.0f - t.w1;
  }
  return taps;
}

// torchvision's resize to a shorter side r: the longer side becomes int(r * long / short).
std::pair<int64_t, int64_t> resized_size(int64_t height, int64_t width, int64_t r) {
  if (r <= 0) return {height, width};
  if (height <= width) return {r, r * width / height};
  return {r * height / width, r};
}

}  // namespace

int64_t center_crop_offset(int64_t size, int64_t crop) {
  const int64_t twice = size - crop;  // the offset is twice / 2
  if (twice % 2 == 0) return twice / 2;
  const int64_t down = twice / 2;  // x.5: round to the even neighbour
  return down % 2 == 0 ? down : down + 1;
}

ImagePipeline::ImagePipeline(const Preprocess& preprocess, int source_channels, float default_mean,
                             float default_stddev, const std::string& spec)
    : options_(preprocess) {
  if (preprocess.channels != 0 && preprocess.channels != 1 && preprocess.channels != 3)
    throw Error(io::printable(spec +
                              ": preprocessing channels must be 0 (as the source), 1 or 3, got " +
                              std::to_string(preprocess.channels)));
  if (preprocess.resize_shorter < 0 || preprocess.crop < 0)
    throw Error(io::printable(spec + ": preprocessing resize and crop sizes must not be negative"));
  channels_ = preprocess.channels ? preprocess.channels : source_channels;
  mean_ = per_channel(preprocess.mean, default_mean, channels_, "mean", spec);
  stddev_ = per_channel(preprocess.stddev, default_stddev, channels_, "stddev", spec);
  for (float s : stddev_)
    if (!(s != 0.0f) || !std::isfinite(s))
      throw Error(io::printable(spec + ": preprocessing stddev must be finite and non-zero"));
  for (float m : mean_)
    if (!std::isfinite(m)) throw Error(io::printable(spec + ": preprocessing mean must be finite"));
}

std::pair<int64_t, int64_t> ImagePipeline::output_size(int64_t height, int64_t width,
                                                       const std::string& name) const {
  auto [h, w] = resized_size(height, width, options_.resize_shorter);
  if (const int64_t k = options_.crop; k > 0) {
    if (k > h || k > w)
      throw Error(io::printable(name + ": " + std::to_string(w) + "x" + std::to_string(h) +
                                " image (after resizing) is smaller than the " + std::to_string(k) +
                                "x" + std::to_string(k) + " crop; resize it first"));
    h = w = k;
  }
  return {h, w};
}

std::vector<int64_t> ImagePipeline::sample_shape(int64_t out_height, int64_t out_width) const {
  if (options_.nhwc) return {out_height, out_width, channels_};
  return {channels_, out_height, out_width};
}

void ImagePipeline::run(ImageView image, int64_t out_height, int64_t out_width, float* out,
                        const std::string& name) const {
  if (image.height <= 0 || image.width <= 0)
    throw Error(io::printable(name + ": image has no pixels"));
  const auto [oh, ow] = output_size(image.height, image.width, name);
  if (oh != out_height || ow != out_width)
    throw Error(io::printable(name + ": gives a " + std::to_string(ow) + "x" + std::to_string(oh) +
                              " sample, others are " + std::to_string(out_width) + "x" +
                              std::to_string(out_height) +
                              " (images of different sizes need a crop)"));
  Image converted;
  if (image.channels != channels_) {
    Image source;
    source.height = image.height;
    source.width = image.width;
    source.channels = image.channels;
    source.pixels.assign(image.pixels, image.pixels + image.height * image.width * image.channels);
    converted = convert_channels(source, channels_);
    image = view_of(converted);
  }
  // Taps over the resized image, only for the rows and columns inside the crop window.
  const auto [rh, rw] = resized_size(image.height, image.width, options_.resize_shorter);
  const int64_t top = options_.crop > 0 ? center_crop_offset(rh, oh) : 0;
  const int64_t left = options_.crop > 0 ? center_crop_offset(rw, ow) : 0;
  const auto rows = bilinear_taps(image.height, rh, top, oh);
  const auto cols = bilinear_taps(image.width, rw, left, ow);
  const int64_t c_count = channels_;
  // Strides of the output layout.
  const int64_t sc = options_.nhwc ? 1 : oh * ow;
  const int64_t sy = options_.nhwc ? ow * c_count : ow;
  const int64_t sx = options_.nhwc ? c_count : 1;
  const int64_t in_stride = image.width * c_count;
  for (int64_t y = 0; y < oh; ++y) {
    const Tap& ty = rows[static_cast<size_t>(y)];
    const uint8_t* r0 = image.pixels + ty.i0 * in_stride;
    const uint8_t* r1 = image.pixels + ty.i1 * in_stride;
    for (int64_t x = 0; x < ow; ++x) {
      const Tap& tx = cols[static_cast<size_t>(x)];
      for (int64_t c = 0; c < c_count; ++c) {
        const int64_t a = tx.i0 * c_count + c, b = tx.i1 * c_count + c;
        const float v =
            ty.w0 * (tx.w0 * static_cast<float>(r0[a]) + tx.w1 * static_cast<float>(r0[b])) +
            ty.w1 * (tx.w0 * static_cast<float>(r1[a]) + tx.w1 * static_cast<float>(r1[b]));
        out[c * sc + y * sy + x * sx] =
            (v / 255.0f - mean_[static_cast<size_t>(c)]) / stddev_[static_cast<size_t>(c)];
      }
    }
  }
}

}  // namespace qrt::data
