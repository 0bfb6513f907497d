// Datasets: .npy arrays, image folders with list files, Fashion-MNIST idx files; bad input is
// a one-line error naming the file; batches do not depend on their boundaries.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "data/dataset.h"
#include "data/image.h"
#include "io/tensor_file.h"
#include "onnx_test_util.h"

namespace qrt::data {
namespace {

using qrt::test::expect_error;
using qrt::test::TempDir;

bool have_fashion_mnist() {
  return std::filesystem::exists(std::string(kFashionMnistDir) + "/t10k-images-idx3-ubyte.gz");
}

void expect_same_batches(const Dataset& ds, int64_t count, int64_t split) {
  const Batch whole = ds.get(0, count);
  const Batch first = ds.get(0, split), second = ds.get(split, count - split);
  const size_t first_bytes = first.inputs.nbytes();
  ASSERT_EQ(whole.inputs.nbytes(), first_bytes + second.inputs.nbytes());
  EXPECT_EQ(std::memcmp(whole.inputs.data(), first.inputs.data(), first_bytes), 0);
  EXPECT_EQ(std::memcmp(static_cast<const char*>(whole.inputs.data()) + first_bytes,
                        second.inputs.data(), second.inputs.nbytes()),
            0);
  if (whole.labels.defined()) {
    const size_t label_bytes = first.labels.nbytes();
    EXPECT_EQ(std::memcmp(whole.labels.data(), first.labels.data(), label_bytes), 0);
    EXPECT_EQ(std::memcmp(static_cast<const char*>(whole.labels.data()) + label_bytes,
                          second.labels.data(), second.labels.nbytes()),
              0);
  }
}

TEST(NpyDataset, Float32SamplesWithLabels) {
  TempDir dir;
  std::vector<float> values(4 * 2 * 3 * 3);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i) * 0.5f;
  io::save_npy(dir.file("x.npy"), Tensor::from_vector(DataType::kFloat32, {4, 2, 3, 3}, values));
  io::save_npy(dir.file("y.npy"),
               Tensor::from_vector(DataType::kInt32, {4}, std::vector<int32_t>{3, 1, 4, 1}));
  const auto ds = open_dataset(dir.file("x.npy"), {}, dir.file("y.npy"));
  EXPECT_EQ(ds->size(), 4);
  EXPECT_EQ(ds->sample_shape(), (std::vector<int64_t>{2, 3, 3}));
  EXPECT_EQ(ds->label_kind(), LabelKind::kClass);
  EXPECT_NE(ds->describe().find("4 samples of 2x3x3 f32, class labels"), std::string::npos);
  const Batch b = ds->get(1, 2);
  EXPECT_EQ(b.inputs.shape(), (std::vector<int64_t>{2, 2, 3, 3}));
  EXPECT_EQ(b.inputs.data_as<float>()[0], 9.0f);  // sample 1 starts at element 18
  EXPECT_EQ(b.labels.dtype(), DataType::kInt64);
  EXPECT_EQ(b.labels.to_int64_vector(), (std::vector<int64_t>{1, 4}));
  expect_same_batches(*ds, 4, 3);
  const auto unlabeled = open_dataset(dir.file("x.npy"));
  EXPECT_EQ(unlabeled->label_kind(), LabelKind::kNone);
  EXPECT_FALSE(unlabeled->get(0, 1).labels.defined());
  expect_error([&] { ds->get(3, 2); }, {"x.npy", "outside [0, 4)"});
}

TEST(NpyDataset, Uint8ImagesArePreprocessed) {
  TempDir dir;
  // 2 gray 2 x 2 images.
  io::save_npy(dir.file("imgs.npy"),
               Tensor::from_vector(DataType::kUInt8, {2, 2, 2},
                                   std::vector<uint8_t>{0, 255, 51, 102, 255, 255, 0, 0}));
  io::save_npy(dir.file("masks.npy"),
               Tensor::from_vector(DataType::kBool, {2, 2, 2},
                                   std::vector<uint8_t>{0, 1, 1, 0, 1, 1, 0, 0}));
  Preprocess p;
  p.channels = 3;
  p.mean = {0.5f};
  p.stddev = {0.5f};
  const auto ds = open_dataset(dir.file("imgs.npy"), p, dir.file("masks.npy"));
  EXPECT_EQ(ds->sample_shape(), (std::vector<int64_t>{3, 2, 2}));
  EXPECT_EQ(ds->label_kind(), LabelKind::kMask);
  const Batch b = ds->get(0, 2);
  const float* x = b.inputs.data_as<float>();
  // (v / 255 - 0.5) / 0.5 for 0, 255, 51, 102, repeated for the three channels.
  const float first[] = {-1.0f, 1.0f, (0.2f - 0.5f) / 0.5f, (0.4f - 0.5f) / 0.5f};
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(x[c * 4 + i], first[i]);
  EXPECT_EQ(b.labels.dtype(), DataType::kUInt8);
  EXPECT_EQ(b.labels.shape(), (std::vector<int64_t>{2, 2, 2}));
  EXPECT_EQ(b.labels.data_as<uint8_t>()[1], 1);
  p.crop = 1;
  expect_error([&] { open_dataset(dir.file("imgs.npy"), p, dir.file("masks.npy")); },
               {"imgs.npy", "masks would not follow"});
  io::save_npy(dir.file("masks3.npy"), Tensor(DataType::kUInt8, {2, 3, 2}));
  expect_error([&] { open_dataset(dir.file("imgs.npy"), {}, dir.file("masks3.npy")); },
               {"masks3.npy", "[2,3,2]", "[2,2,2]"});
  // N x H x W x 3 RGB arrays keep 3 channels; NHWC output.
  io::save_npy(dir.file("rgb.npy"), Tensor(DataType::kUInt8, {5, 4, 6, 3}));
  p = {};
  p.nhwc = true;
  const auto rgb = open_dataset(dir.file("rgb.npy"), p);
  EXPECT_EQ(rgb->sample_shape(), (std::vector<int64_t>{4, 6, 3}));
  expect_same_batches(*rgb, 5, 2);
}

TEST(NpyDataset, BadInput) {
  TempDir dir;
  const std::string x = dir.file("x.npy");
  io::save_npy(x, Tensor(DataType::kFloat32, {3, 1, 2, 2}));
  io::save_npy(dir.file("rank1.npy"), Tensor(DataType::kFloat32, {12}));
  expect_error([&] { open_dataset(dir.file("rank1.npy")); }, {"rank1.npy", "f32 [12]", "N x C"});
  io::save_npy(dir.file("int.npy"), Tensor(DataType::kInt32, {3, 1, 2, 2}));
  expect_error([&] { open_dataset(dir.file("int.npy")); }, {"int.npy", "i32", "expected f32"});
  io::save_npy(dir.file("rgba.npy"), Tensor(DataType::kUInt8, {3, 2, 2, 4}));
  expect_error([&] { open_dataset(dir.file("rgba.npy")); }, {"rgba.npy", "C = 1 or 3"});
  io::save_npy(dir.file("none.npy"), Tensor(DataType::kFloat32, {0, 1, 2, 2}));
  expect_error([&] { open_dataset(dir.file("none.npy")); }, {"none.npy", "no samples"});
  dir.write("empty.npy", "");
  expect_error([&] { open_dataset(dir.file("empty.npy")); }, {"empty.npy", "empty file"});
  dir.write("garbage.npy", "not numpy at all");
  expect_error([&] { open_dataset(dir.file("garbage.npy")); }, {"garbage.npy", "bad magic"});
  io::save_npy(dir.file("y2.npy"), Tensor(DataType::kInt64, {2}));
  expect_error([&] { open_dataset(x, {}, dir.file("y2.npy")); },
               {"y2.npy", "2 labels for 3 samples"});
  io::save_npy(dir.file("yf.npy"), Tensor(DataType::kFloat32, {3}));
  expect_error([&] { open_dataset(x, {}, dir.file("yf.npy")); }, {"yf.npy", "f32 [3]", "int64"});
  io::save_npy(dir.file("yneg.npy"),
               Tensor::from_vector(DataType::kInt64, {3}, std::vector<int64_t>{0, -1, 2}));
  expect_error([&] { open_dataset(x, {}, dir.file("yneg.npy")); }, {"yneg.npy", "negative"});
  dir.write("yempty.npy", "");
  expect_error([&] { open_dataset(x, {}, dir.file("yempty.npy")); }, {"yempty.npy", "empty"});
  Preprocess p;
  p.crop = 1;
  expect_error([&] { open_dataset(x, p); }, {"x.npy", "used as they are"});
  expect_error([&] { open_dataset(dir.file("missing.npy")); }, {"missing.npy"});
}

// A folder with a list file: a gray PNG, an RGB PNG and an RGB JPEG of different sizes.
struct ImageFolder {
  TempDir dir;
  Image gray{4, 6, 1, {}}, rgb{6, 4, 3, {}}, photo{8, 8, 3, {}};

  ImageFolder() {
    for (int64_t i = 0; i < 24; ++i) gray.pixels.push_back(static_cast<uint8_t>(i * 10));
    for (int64_t i = 0; i < 72; ++i) rgb.pixels.push_back(static_cast<uint8_t>(255 - i * 3));
    for (int64_t i = 0; i < 192; ++i) photo.pixels.push_back(static_cast<uint8_t>(100 + i % 7));
    std::filesystem::create_directories(dir.file("imgs/sub dir"));
    dir.write("imgs/a.png", encode_png(gray));
    dir.write("imgs/sub dir/b c.png", encode_png(rgb));
    dir.write("imgs/d.jpg", encode_jpeg(photo));
  }
  std::string list(const std::string& text) const { return dir.write("imgs/val_list.txt", text); }
};

TEST(ImageListDataset, ListFileOrFolder) {
  ImageFolder f;
  const std::string list =
      f.list("# comment\na.png 3\r\n\nsub dir/b c.png\t7\nd.jpg 0\na.png 5\nd.jpg 2\n");
  Preprocess p;
  p.resize_shorter = 4;
  p.crop = 4;
  p.channels = 3;
  const auto ds = open_dataset(list, p);
  EXPECT_EQ(ds->size(), 5);
  EXPECT_EQ(ds->sample_shape(), (std::vector<int64_t>{3, 4, 4}));
  EXPECT_EQ(ds->label_kind(), LabelKind::kClass);
  const Batch b = ds->get(0, 5);
  EXPECT_EQ(b.labels.to_int64_vector(), (std::vector<int64_t>{3, 7, 0, 5, 2}));
  // a.png is 4 x 6: no resize (shorter side already 4), crop columns 1..4; gray copied to RGB.
  const float* x = b.inputs.data_as<float>();
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 4; ++y)
      for (int col = 0; col < 4; ++col)
        EXPECT_FLOAT_EQ(x[(c * 4 + y) * 4 + col],
                        static_cast<float>((y * 6 + col + 1) * 10) / 255.0f);
  expect_same_batches(*ds, 5, 2);
  expect_same_batches(*ds, 5, 4);
  // The folder itself finds val_list.txt.
  EXPECT_EQ(open_dataset(f.dir.file("imgs"), p)->size(), 5);
  // Without channels the first image (gray) decides: RGB ones become gray.
  p.channels = 0;
  EXPECT_EQ(open_dataset(list, p)->sample_shape(), (std::vector<int64_t>{1, 4, 4}));
  EXPECT_EQ(open_dataset(list, p)->get(0, 5).inputs.shape(), (std::vector<int64_t>{5, 1, 4, 4}));
  // Without a crop, images of other sizes are an error naming the image.
  expect_error([&] { open_dataset(list)->get(0, 2); }, {"b c.png", "different sizes"});
}

TEST(ImageListDataset, BadInput) {
  ImageFolder f;
  auto expect_list_error = [&](const std::string& text, const std::vector<std::string>& what) {
    const std::string list = f.list(text);
    std::vector<std::string> fragments = what;
    fragments.push_back("val_list.txt");
    expect_error([&] { open_dataset(list)->get(0, 1); }, fragments);
  };
  expect_list_error("a.png 1\nd.jpg\n", {"line 2", "no label"});
  expect_list_error("a.png 1\n\nd.jpg cat\n", {"line 3", "'cat' is not an integer"});
  expect_list_error("a.png 1.5\n", {"line 1", "not an integer"});
  expect_list_error("a.png -2\n", {"line 1", "negative"});
  expect_list_error("a.png 1\nmissing.png 2\n", {"line 2", "'missing.png' not found"});
  expect_list_error("", {"empty list file"});
  expect_list_error("# only a comment\n", {"no images"});
  // Unreadable images: caught when decoded, naming the image.
  f.dir.write("imgs/zero.png", "");
  f.dir.write("imgs/bad.jpg", "\xFF\xD8\xFF\xE0 this is not really a jpeg");
  const std::string list = f.list("a.png 1\nzero.png 2\nbad.jpg 3\n");
  Preprocess p;
  p.crop = 2;
  const auto ds = open_dataset(list, p);
  expect_error([&] { ds->get(1, 1); }, {"zero.png", "empty file"});
  expect_error([&] { ds->get(2, 1); }, {"bad.jpg", "corrupt JPEG"});
  // Errors from a batch decoded on several threads are those of its first bad image.
  expect_error([&] { ds->get(0, 3); }, {"zero.png"});
  // A first image that is bad fails at open.
  f.list("zero.png 1\n");
  expect_error([&] { open_dataset(f.dir.file("imgs/val_list.txt")); }, {"zero.png", "empty file"});
  // A folder without val_list.txt; a single image; a labels file with a list.
  std::filesystem::remove(f.dir.file("imgs/val_list.txt"));
  expect_error([&] { open_dataset(f.dir.file("imgs")); }, {"imgs", "no val_list.txt"});
  expect_error([&] { open_dataset(f.dir.file("imgs/a.png")); }, {"a.png", "not a dataset"});
  expect_error([&] { open_dataset(f.dir.file("imgs/x.txt"), {}, "y.npy"); },
               {"y.npy", "only with .npy"});
  expect_error([&] { open_dataset(f.dir.file("nothing")); }, {"nothing", "no such file"});
}

TEST(FashionMnist, TestSplit) {
  if (!have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  const auto ds = open_dataset("fashion-mnist:test");
  EXPECT_EQ(ds->size(), 10000);
  EXPECT_EQ(ds->sample_shape(), (std::vector<int64_t>{1, 28, 28}));
  const Batch b = ds->get(0, 3);
  // The first test images are an ankle boot, a pullover and trousers.
  EXPECT_EQ(b.labels.to_int64_vector(), (std::vector<int64_t>{9, 2, 1}));
  // (x / 255 - 0.5) / 0.5: the corner pixel is background.
  EXPECT_FLOAT_EQ(b.inputs.data_as<float>()[0], -1.0f);
  float hi = -2;
  for (int64_t i = 0; i < b.inputs.numel(); ++i) hi = std::max(hi, b.inputs.data_as<float>()[i]);
  EXPECT_LE(hi, 1.0f);
  EXPECT_GT(hi, 0.9f);
  expect_same_batches(*ds, 40, 17);
  // The folder may be given; NHWC and resizing apply.
  Preprocess p;
  p.resize_shorter = 32;
  p.nhwc = true;
  EXPECT_EQ(
      open_dataset(std::string("fashion-mnist:") + kFashionMnistDir + ":test", p)->sample_shape(),
      (std::vector<int64_t>{32, 32, 1}));
}

// Writes an idx file: magic 0x0000080<rank>, big-endian dims, then the bytes.
std::string idx_bytes(uint32_t magic, const std::vector<uint32_t>& dims, size_t data_bytes) {
  std::string out;
  for (uint32_t v : std::vector<uint32_t>{magic}) {
    for (int s = 24; s >= 0; s -= 8) out += static_cast<char>((v >> s) & 0xff);
  }
  for (uint32_t v : dims)
    for (int s = 24; s >= 0; s -= 8) out += static_cast<char>((v >> s) & 0xff);
  return out + std::string(data_bytes, '\x07');
}

TEST(FashionMnist, BadIdxFiles) {
  TempDir dir;
  const std::string spec = "fashion-mnist:" + dir.path() + ":test";
  expect_error([&] { open_dataset(spec); }, {"t10k-images-idx3-ubyte.gz", "dataset-fashion-mnist"});
  // Plain (not gzipped) idx files are accepted too; 3 images of 28 x 28.
  dir.write("t10k-images-idx3-ubyte", idx_bytes(0x803, {3, 28, 28}, 3 * 784));
  dir.write("t10k-labels-idx1-ubyte", idx_bytes(0x801, {3}, 3));
  EXPECT_EQ(open_dataset(spec)->size(), 3);
  EXPECT_EQ(open_dataset(spec)->get(0, 3).labels.to_int64_vector(),
            (std::vector<int64_t>{7, 7, 7}));
  dir.write("t10k-labels-idx1-ubyte", idx_bytes(0x801, {2}, 2));
  expect_error([&] { open_dataset(spec); }, {"t10k-labels-idx1-ubyte", "2 labels for 3 images"});
  dir.write("t10k-labels-idx1-ubyte", idx_bytes(0x803, {3}, 3));
  expect_error([&] { open_dataset(spec); },
               {"t10k-labels-idx1-ubyte", "bad idx magic 0x00000803, expected 0x00000801"});
  dir.write("t10k-labels-idx1-ubyte", idx_bytes(0x801, {3}, 3));
  dir.write("t10k-images-idx3-ubyte", idx_bytes(0x803, {3, 28, 28}, 2 * 784));
  expect_error([&] { open_dataset(spec); }, {"t10k-images-idx3-ubyte", "truncated"});
  dir.write("t10k-images-idx3-ubyte", idx_bytes(0x803, {3, 28}, 0).substr(0, 9));
  expect_error([&] { open_dataset(spec); }, {"t10k-images-idx3-ubyte", "truncated idx header"});
  dir.write("t10k-images-idx3-ubyte", "");
  expect_error([&] { open_dataset(spec); }, {"t10k-images-idx3-ubyte", "empty file"});
  expect_error([&] { open_dataset("fashion-mnist:" + dir.path() + ":val"); },
               {"fashion-mnist:", "split 'val'"});
  // A truncated gzip file (half of the real one).
  if (have_fashion_mnist()) {
    std::ifstream in(std::string(kFashionMnistDir) + "/t10k-labels-idx1-ubyte.gz",
                     std::ios::binary);
    const std::string gz((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    dir.write("t10k-images-idx3-ubyte", idx_bytes(0x803, {3, 28, 28}, 3 * 784));
    dir.write("t10k-labels-idx1-ubyte.gz", gz.substr(0, gz.size() / 2));
    expect_error([&] { open_dataset(spec); }, {"t10k-labels-idx1-ubyte.gz", "gzip"});
  }
}

}  // namespace
}  // namespace qrt::data
