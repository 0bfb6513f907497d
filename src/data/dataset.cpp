#include "data/dataset.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <exception>
#include <filesystem>
#include <thread>

#include "data/dataset_impl.h"
#include "io/file_bytes.h"
#include "io/printable.h"

namespace qrt::data {

namespace fs = std::filesystem;

Dataset::~Dataset() = default;

void Dataset::check_range(int64_t begin, int64_t count) const {
  if (begin < 0 || count < 0 || begin > size() || count > size() - begin)
    throw Error(io::printable(name() + ": samples [" + std::to_string(begin) + ", " +
                              std::to_string(begin + count) + ") are outside [0, " +
                              std::to_string(size()) + ")"));
}

std::string Dataset::describe() const {
  std::string shape;
  for (int64_t d : sample_shape()) {
    if (!shape.empty()) shape += 'x';
    shape += std::to_string(d);
  }
  const char* labels = label_kind() == LabelKind::kClass  ? "class labels"
                       : label_kind() == LabelKind::kMask ? "mask labels"
                                                          : "no labels";
  return io::printable(name() + ": " + std::to_string(size()) + " samples of " + shape + " f32, " +
                       labels);
}

void parallel_for(int64_t count, const std::function<void(int64_t)>& fn) {
  const int64_t threads =
      std::min<int64_t>({count, std::max(1u, std::thread::hardware_concurrency()), 16});
  if (threads <= 1) {
    for (int64_t i = 0; i < count; ++i) fn(i);
    return;
  }
  // Contiguous chunks: each thread's first failure is the lowest in its chunk, so the lowest
  // over threads is the lowest overall.
  std::vector<int64_t> failed_at(static_cast<size_t>(threads), count);
  std::vector<std::exception_ptr> errors(static_cast<size_t>(threads));
  std::vector<std::thread> pool;
  for (int64_t t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      const int64_t begin = count * t / threads, end = count * (t + 1) / threads;
      for (int64_t i = begin; i < end; ++i) {
        try {
          fn(i);
        } catch (...) {
          failed_at[static_cast<size_t>(t)] = i;
          errors[static_cast<size_t>(t)] = std::current_exception();
          return;
        }
      }
    });
  for (auto& th : pool) th.join();
  const auto first = std::min_element(failed_at.begin(), failed_at.end()) - failed_at.begin();
  if (errors[static_cast<size_t>(first)])
    std::rethrow_exception(errors[static_cast<size_t>(first)]);
}

Tensor parallel_samples(const std::vector<int64_t>& sample_shape, int64_t count,
                        const std::function<void(int64_t, float*)>& write_sample) {
  const int64_t sample_numel = shape_numel(sample_shape);
  std::vector<int64_t> shape = sample_shape;
  shape.insert(shape.begin(), count);
  Tensor samples(DataType::kFloat32, shape);
  float* out = samples.data_as<float>();
  parallel_for(count, [&](int64_t k) { write_sample(k, out + k * sample_numel); });
  return samples;
}

Tensor slice_rows(const Tensor& t, int64_t begin, int64_t count) {
  std::vector<int64_t> shape = t.shape();
  const size_t row_bytes = t.nbytes() / static_cast<size_t>(std::max<int64_t>(shape.at(0), 1));
  shape[0] = count;
  Tensor out(t.dtype(), shape);
  if (count > 0)
    std::memcpy(out.data(),
                static_cast<const char*>(t.data()) + row_bytes * static_cast<size_t>(begin),
                row_bytes * static_cast<size_t>(count));
  return out;
}

Tensor checked_labels(Tensor labels, int64_t samples, const std::string& path, LabelKind* kind) {
  auto fail = [&](const std::string& why) { throw Error(io::printable(path + ": " + why)); };
  const DataType dt = labels.dtype();
  const bool is_class = (dt == DataType::kInt64 || dt == DataType::kInt32) && labels.rank() == 1;
  const bool is_mask = (dt == DataType::kUInt8 || dt == DataType::kBool) && labels.rank() == 3;
  if (!is_class && !is_mask)
    fail("labels are " + std::string(dtype_name(dt)) + " " + shape_to_string(labels.shape()) +
         "; expected int64/int32 [N] class labels or uint8/bool N x H x W masks");
  if (labels.dim(0) != samples)
    fail(std::to_string(labels.dim(0)) + " labels for " + std::to_string(samples) + " samples");
  if (is_mask) {
    *kind = LabelKind::kMask;
    return labels.dtype() == DataType::kUInt8
               ? labels
               : Tensor::borrow(DataType::kUInt8, labels.shape(), labels.data()).clone();
  }
  *kind = LabelKind::kClass;
  std::vector<int64_t> values = labels.to_int64_vector();
  for (size_t i = 0; i < values.size(); ++i)
    if (values[i] < 0)
      fail("label " + std::to_string(i) + " is negative (" + std::to_string(values[i]) + ")");
  return Tensor::from_vector(DataType::kInt64, {samples}, values);
}

namespace {

bool starts_with_bytes(const std::string& path, const char* prefix, size_t n) {
  if (io::file_size(path) < static_cast<int64_t>(n)) return false;
  std::string head(n, '\0');
  io::read_file_range(path, 0, n, head.data());
  return head.compare(0, n, prefix, n) == 0;
}

}  // namespace

std::unique_ptr<Dataset> open_dataset(const std::string& spec, const Preprocess& preprocess,
                                      const std::string& labels_path) {
  const bool fashion =
      spec.rfind("fashion-mnist:", 0) == 0 || spec.rfind("fashion-mnist-seg:", 0) == 0;
  std::error_code ec;
  const bool is_dir = !fashion && fs::is_directory(spec, ec);
  std::string ext = fs::path(spec).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const bool npy =
      !fashion && !is_dir && (ext == ".npy" || starts_with_bytes(spec, "\x93NUMPY", 6));
  if (!labels_path.empty() && !npy)
    throw Error(io::printable(labels_path + ": a labels file goes only with .npy data; " + spec +
                              " carries its own labels"));
  if (fashion) return open_fashion_mnist(spec, preprocess);
  if (npy) return open_npy_dataset(spec, preprocess, labels_path);
  if (is_dir) {
    const std::string list = (fs::path(spec) / "val_list.txt").string();
    if (!fs::is_regular_file(list, ec))
      throw Error(io::printable(spec + ": folder has no val_list.txt; pass a list file of "
                                       "'relative/path label' lines instead"));
    return open_image_list(list, preprocess);
  }
  if (!fs::exists(spec, ec))
    throw Error(io::printable(spec + ": no such file or directory (expected a .npy file, a list "
                                     "file, a folder with val_list.txt, or fashion-mnist:SPLIT)"));
  if (starts_with_bytes(spec, "\xFF\xD8\xFF", 3) || starts_with_bytes(spec, "\x89PNG", 4))
    throw Error(io::printable(spec + ": one image is not a dataset; list images in a file of "
                                     "'relative/path label' lines"));
  return open_image_list(spec, preprocess);
}

}  // namespace qrt::data
