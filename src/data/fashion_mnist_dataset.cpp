// Fashion-MNIST from its idx files: the classification split, and the generated segmentation
// canvases of docs/fashion_seg_dataset.md.
#include <filesystem>

#include "data/dataset_impl.h"
#include "data/fashion_seg.h"
#include "data/idx_file.h"
#include "data/preprocess.h"
#include "io/file_bytes.h"
#include "io/printable.h"

namespace qrt::data {

namespace {

// Fashion-MNIST models are trained on (x / 255 - 0.5) / 0.5.
constexpr float kFashionMean = 0.5f, kFashionStddev = 0.5f;

struct Split {
  Tensor images;  // N x 28 x 28 u8
  Tensor labels;  // N i64
};

// FILE.gz, or FILE when only the uncompressed one is there.
std::string idx_path(const std::string& dir, const std::string& file) {
  const std::string gz = (std::filesystem::path(dir) / (file + ".gz")).string();
  const std::string plain = (std::filesystem::path(dir) / file).string();
  if (io::file_size(gz) < 0 && io::file_size(plain) >= 0) return plain;
  if (io::file_size(gz) < 0)
    throw Error(io::printable(dir + ": no " + file +
                              ".gz (the Fashion-MNIST idx files; Debian "
                              "package dataset-fashion-mnist)"));
  return gz;
}

Split load_split(const std::string& dir, bool test) {
  const std::string prefix = test ? "t10k" : "train";
  const std::string images_path = idx_path(dir, prefix + "-images-idx3-ubyte");
  const std::string labels_path = idx_path(dir, prefix + "-labels-idx1-ubyte");
  Split split;
  split.images = load_idx_u8(images_path, 3);
  if (split.images.dim(1) != kFashionImageSize || split.images.dim(2) != kFashionImageSize)
    throw Error(io::printable(images_path + ": images are " +
                              shape_to_string(split.images.shape()) + ", expected N x 28 x 28"));
  if (split.images.dim(0) == 0) throw Error(io::printable(images_path + ": no images"));
  const Tensor labels = load_idx_u8(labels_path, 1);
  if (labels.dim(0) != split.images.dim(0))
    throw Error(io::printable(labels_path + ": " + std::to_string(labels.dim(0)) + " labels for " +
                              std::to_string(split.images.dim(0)) + " images"));
  split.labels = Tensor::from_vector(DataType::kInt64, {labels.dim(0)}, labels.to_int64_vector());
  return split;
}

class FashionSegDataset : public Dataset {
 public:
  FashionSegDataset(std::string name, Tensor images, bool test, const Preprocess& preprocess)
      : name_(std::move(name)),
        images_(std::move(images)),
        test_(test),
        pipeline_(preprocess, 1, kFashionMean, kFashionStddev, name_) {
    if (preprocess.resize_shorter != 0 || preprocess.crop != 0)
      throw Error(io::printable(name_ + ": resize and crop are not available for the "
                                        "segmentation canvases (the masks would not follow)"));
  }

  int64_t size() const override { return images_.dim(0); }
  std::vector<int64_t> sample_shape() const override {
    return pipeline_.sample_shape(kSegCanvasSize, kSegCanvasSize);
  }
  LabelKind label_kind() const override { return LabelKind::kMask; }
  Batch get(int64_t begin, int64_t count) const override {
    check_range(begin, count);
    Batch batch;
    batch.labels = Tensor(DataType::kUInt8, {count, kSegCanvasSize, kSegCanvasSize});
    constexpr int64_t kCanvasBytes = kSegCanvasSize * kSegCanvasSize;
    batch.inputs = parallel_samples(sample_shape(), count, [&](int64_t k, float* out) {
      std::vector<uint8_t> canvas(kCanvasBytes);
      make_seg_canvas(images_.data_as<uint8_t>(), size(), begin + k, test_, canvas.data(),
                      batch.labels.data_as<uint8_t>() + k * kCanvasBytes);
      pipeline_.run({canvas.data(), kSegCanvasSize, kSegCanvasSize, 1}, kSegCanvasSize,
                    kSegCanvasSize, out, name_);
    });
    return batch;
  }

 protected:
  std::string name() const override { return name_; }

 private:
  std::string name_;
  Tensor images_;
  bool test_;
  ImagePipeline pipeline_;
};

}  // namespace

std::unique_ptr<Dataset> open_fashion_mnist(const std::string& spec, const Preprocess& preprocess) {
  const bool segmentation = spec.rfind("fashion-mnist-seg:", 0) == 0;
  const std::string rest = spec.substr(spec.find(':') + 1);
  // DIR may itself hold colons: the split is after the last one.
  const size_t colon = rest.rfind(':');
  const std::string dir = colon == std::string::npos ? kFashionMnistDir : rest.substr(0, colon);
  const std::string split = colon == std::string::npos ? rest : rest.substr(colon + 1);
  if (split != "train" && split != "test")
    throw Error(io::printable(spec + ": expected " +
                              (segmentation ? "fashion-mnist-seg" : "fashion-mnist") +
                              ":[DIR:]SPLIT with SPLIT train or test, got split '" + split + "'"));
  if (dir.empty()) throw Error(io::printable(spec + ": empty folder name"));
  const bool test = split == "test";
  Split data = load_split(dir, test);
  const std::string& name = spec;
  if (segmentation)
    return std::make_unique<FashionSegDataset>(name, std::move(data.images), test, preprocess);
  Tensor images =
      data.images.reshaped({data.images.dim(0), data.images.dim(1), data.images.dim(2), 1});
  return make_image_array_dataset(name, std::move(images), std::move(data.labels),
                                  LabelKind::kClass, preprocess, kFashionMean, kFashionStddev);
}

}  // namespace qrt::data
