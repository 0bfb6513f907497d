// Datasets for calibration and evaluation: NumPy batches, folders of JPEG/PNG images with a list
// file, and Fashion-MNIST (classification, and the generated segmentation canvases of
// docs/fashion_seg_dataset.md). Every failure is one qrt::Error line naming the file.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "qrt/tensor.h"

namespace qrt::data {

// How images become model input. Defaults change nothing; the preprocessing of one image:
//   1. channels: gray -> RGB copies the gray value; RGB -> gray is PIL's ITU-R 601-2 luma
//      L = (19595 R + 38470 G + 7471 B + 32768) >> 16. Alpha is dropped when decoding.
//   2. resize_shorter = R: the shorter side becomes R, the longer L * R / S (integer division,
//      as torchvision), by bilinear interpolation without antialiasing, half-pixel centres,
//      as PyTorch's upsample_bilinear2d(align_corners=False) in float:
//        scale = in / out; src = max(0, scale * (dst + 0.5) - 0.5); i0 = floor(src);
//        i1 = min(i0 + 1, in - 1); t = src - i0;  v = lerp over rows of lerp over columns.
//      Values stay float (no rounding back to 8 bits).
//   3. crop = K: the centre K x K window, top = round_half_even((H - K) / 2) and likewise left
//      (torchvision's center_crop). An image smaller than K is an error.
//   4. x = (v / 255 - mean[c]) / stddev[c] in float (torchvision's ToTensor + Normalize).
//   5. layout: C x H x W (default) or H x W x C (nhwc).
// tests/unit/data_codec_fixture_test.cpp checks steps 2-4 against torchvision (to 1e-6) and
// the decoders against Pillow (bit-exact).
// Steps 2-5 apply to images (files, uint8 .npy arrays, Fashion-MNIST); float32 .npy data is
// used as it is and refuses any preprocessing option.
struct Preprocess {
  int64_t resize_shorter = 0;  // 0: keep the size
  int64_t crop = 0;            // 0: no crop
  // One value for all channels or one per channel. Empty: the spec's default, which is
  // mean 0, stddev 1 (x = v / 255) except for the Fashion-MNIST specs: mean 0.5, stddev 0.5.
  std::vector<float> mean;
  std::vector<float> stddev;
  // 0: as the source (for a folder of images: as its first image); 1: gray; 3: RGB.
  int channels = 0;
  bool nhwc = false;
};

// What a dataset's labels are.
enum class LabelKind {
  kNone,
  kClass,  // int64 [N] class indices
  kMask,   // uint8 N x H x W, 1 = foreground
};

struct Batch {
  Tensor inputs;  // f32, N x sample_shape()
  Tensor labels;  // per label_kind(); undefined for kNone
};

class Dataset {
 public:
  virtual ~Dataset();
  virtual int64_t size() const = 0;
  // One sample's input shape, e.g. {1, 28, 28}.
  virtual std::vector<int64_t> sample_shape() const = 0;
  virtual LabelKind label_kind() const = 0;
  // Samples [begin, begin + count); the same values whatever the batch boundaries.
  virtual Batch get(int64_t begin, int64_t count) const = 0;
  // One line, e.g. "fashion-mnist test: 10000 samples of 1x28x28 f32, class labels".
  virtual std::string describe() const;

 protected:
  // Throws unless 0 <= begin, 0 <= count and begin + count <= size().
  void check_range(int64_t begin, int64_t count) const;
  virtual std::string name() const = 0;
};

// Opens a dataset spec:
//   FILE.npy                     f32 N x ... used as is, or uint8 images N x H x W or
//                                N x H x W x C (C = 1 or 3) that are preprocessed; labels from
//                                labels_path: int64/int32 [N] classes or uint8/bool N x H x W
//                                masks (then without resize or crop).
//   LIST.txt, or DIR with        lines "relative/path label": paths relative to the list
//     DIR/val_list.txt           file's folder (absolute ones as they are; they may hold
//                                spaces: the label is the last field), labels non-negative
//                                integers; blank lines and lines starting with '#' are
//                                skipped. JPEG and PNG images, decoded on several threads.
//   fashion-mnist:[DIR:]SPLIT    Fashion-MNIST idx files (.gz or not) of SPLIT train|test in
//                                DIR (default /usr/share/datasets/fashion-mnist); class labels.
//   fashion-mnist-seg:[DIR:]SPLIT  the segmentation canvases of docs/fashion_seg_dataset.md
//                                built from that split: 1 x 128 x 128 inputs, 128 x 128 masks;
//                                resize and crop are refused (the masks would not follow).
// labels_path is only for .npy data; the other specs carry their labels.
std::unique_ptr<Dataset> open_dataset(const std::string& spec, const Preprocess& preprocess = {},
                                      const std::string& labels_path = "");

// Where open_dataset("fashion-mnist:SPLIT") looks: Debian's dataset-fashion-mnist.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

}  // namespace qrt::data
