// Datasets held in memory: .npy arrays (float32 samples or uint8 images) and, through
// make_image_array_dataset, Fashion-MNIST.
#include <cstring>

#include "data/dataset_impl.h"
#include "data/preprocess.h"
#include "io/file_bytes.h"
#include "io/printable.h"
#include "io/tensor_file.h"

namespace qrt::data {

namespace {

Batch make_batch(Tensor inputs, const Tensor& labels, int64_t begin, int64_t count) {
  Batch batch;
  batch.inputs = std::move(inputs);
  if (labels.defined()) batch.labels = slice_rows(labels, begin, count);
  return batch;
}

// float32 samples used as they are.
class FloatArrayDataset : public Dataset {
 public:
  FloatArrayDataset(std::string name, Tensor samples, Tensor labels, LabelKind kind)
      : name_(std::move(name)),
        samples_(std::move(samples)),
        labels_(std::move(labels)),
        kind_(kind) {}

  int64_t size() const override { return samples_.dim(0); }
  std::vector<int64_t> sample_shape() const override {
    return {samples_.shape().begin() + 1, samples_.shape().end()};
  }
  LabelKind label_kind() const override { return kind_; }
  Batch get(int64_t begin, int64_t count) const override {
    check_range(begin, count);
    return make_batch(slice_rows(samples_, begin, count), labels_, begin, count);
  }

 protected:
  std::string name() const override { return name_; }

 private:
  std::string name_;
  Tensor samples_, labels_;
  LabelKind kind_;
};

class ImageArrayDataset : public Dataset {
 public:
  ImageArrayDataset(std::string name, Tensor images, Tensor labels, LabelKind kind,
                    const Preprocess& preprocess, float default_mean, float default_stddev)
      : name_(std::move(name)),
        images_(std::move(images)),
        labels_(std::move(labels)),
        kind_(kind),
        pipeline_(preprocess, static_cast<int>(images_.dim(3)), default_mean, default_stddev,
                  name_) {
    std::tie(out_height_, out_width_) =
        pipeline_.output_size(images_.dim(1), images_.dim(2), name_);
  }

  int64_t size() const override { return images_.dim(0); }
  std::vector<int64_t> sample_shape() const override {
    return pipeline_.sample_shape(out_height_, out_width_);
  }
  LabelKind label_kind() const override { return kind_; }
  Batch get(int64_t begin, int64_t count) const override {
    check_range(begin, count);
    const int64_t image_bytes = images_.dim(1) * images_.dim(2) * images_.dim(3);
    Tensor inputs = parallel_samples(sample_shape(), count, [&](int64_t k, float* out) {
      const ImageView view{images_.data_as<uint8_t>() + (begin + k) * image_bytes, images_.dim(1),
                           images_.dim(2), static_cast<int>(images_.dim(3))};
      pipeline_.run(view, out_height_, out_width_, out,
                    name_ + " sample " + std::to_string(begin + k));
    });
    return make_batch(std::move(inputs), labels_, begin, count);
  }

 protected:
  std::string name() const override { return name_; }

 private:
  std::string name_;
  Tensor images_, labels_;
  LabelKind kind_;
  ImagePipeline pipeline_;
  int64_t out_height_ = 0, out_width_ = 0;
};

bool any_preprocessing(const Preprocess& p) {
  return p.resize_shorter != 0 || p.crop != 0 || !p.mean.empty() || !p.stddev.empty() ||
         p.channels != 0 || p.nhwc;
}

}  // namespace

std::unique_ptr<Dataset> make_image_array_dataset(std::string name, Tensor images, Tensor labels,
                                                  LabelKind label_kind,
                                                  const Preprocess& preprocess, float default_mean,
                                                  float default_stddev) {
  return std::make_unique<ImageArrayDataset>(std::move(name), std::move(images), std::move(labels),
                                             label_kind, preprocess, default_mean, default_stddev);
}

std::unique_ptr<Dataset> open_npy_dataset(const std::string& path, const Preprocess& preprocess,
                                          const std::string& labels_path) {
  auto fail = [&](const std::string& why) { throw Error(io::printable(path + ": " + why)); };
  if (io::file_size(path) == 0) fail("empty file, not a .npy array");
  Tensor samples = io::load_npy(path);
  const std::string what =
      std::string(dtype_name(samples.dtype())) + " " + shape_to_string(samples.shape());
  const bool is_float = samples.dtype() == DataType::kFloat32;
  const bool is_u8 = samples.dtype() == DataType::kUInt8;
  if (!is_float && !is_u8)
    fail("samples are " + what +
         "; expected f32 N x C x H x W (used as is) or uint8 images N x H x W [x C]");
  if (is_float && samples.rank() < 2)
    fail("samples are " + what + "; expected N x C x H x W (or at least N x features)");
  if (is_u8 && !(samples.rank() == 3 ||
                 (samples.rank() == 4 && (samples.dim(3) == 1 || samples.dim(3) == 3))))
    fail("uint8 images are " + shape_to_string(samples.shape()) +
         "; expected N x H x W or N x H x W x C with C = 1 or 3");
  if (samples.dim(0) == 0) fail("no samples (the first dimension is 0)");
  if (samples.numel() == 0) fail("samples are empty (" + what + ")");
  Tensor labels;
  LabelKind kind = LabelKind::kNone;
  if (!labels_path.empty()) {
    if (io::file_size(labels_path) == 0)
      throw Error(io::printable(labels_path + ": empty file, not a .npy array"));
    labels = checked_labels(io::load_npy(labels_path), samples.dim(0), labels_path, &kind);
  }
  if (is_float) {
    if (any_preprocessing(preprocess))
      fail(
          "f32 samples are used as they are; resize, crop, channels, mean, stddev and layout "
          "apply to uint8 images only");
    return std::make_unique<FloatArrayDataset>(path, std::move(samples), std::move(labels), kind);
  }
  if (kind == LabelKind::kMask) {
    if (preprocess.resize_shorter != 0 || preprocess.crop != 0)
      fail("resize and crop are not available with mask labels (the masks would not follow)");
    if (labels.dim(1) != samples.dim(1) || labels.dim(2) != samples.dim(2))
      throw Error(io::printable(labels_path + ": masks are " + shape_to_string(labels.shape()) +
                                " but the images are " + shape_to_string(samples.shape())));
  }
  if (samples.rank() == 3)
    samples = samples.reshaped({samples.dim(0), samples.dim(1), samples.dim(2), 1});
  return make_image_array_dataset(path, std::move(samples), std::move(labels), kind, preprocess,
                                  0.0f, 1.0f);
}

}  // namespace qrt::data
