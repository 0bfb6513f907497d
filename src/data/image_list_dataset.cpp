// A folder of JPEG/PNG images listed in a text file of "relative/path label" lines (the
// ImageNet val_list.txt convention).
#include <charconv>
#include <filesystem>

#include "data/dataset_impl.h"
#include "data/preprocess.h"
#include "io/file_bytes.h"
#include "io/printable.h"

namespace qrt::data {

namespace {

struct ListEntry {
  std::string path;  // as the list file's folder joined with the line's path
  int64_t label = 0;
};

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

std::vector<ListEntry> read_list(const std::string& list_path) {
  const std::string text = io::read_file_bytes(list_path);
  auto fail = [&](const std::string& why) { throw Error(io::printable(list_path + ": " + why)); };
  if (text.empty()) fail("empty list file (expected 'relative/path label' lines)");
  if (text.find('\0') != std::string::npos)
    fail("not a text list file (binary data; expected 'relative/path label' lines)");
  const std::filesystem::path folder = std::filesystem::path(list_path).parent_path();
  std::vector<ListEntry> entries;
  size_t start = 0;
  for (int64_t line_no = 1; start < text.size(); ++line_no) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = trim(text.substr(start, end - start));
    start = end + 1;
    if (line.empty() || line[0] == '#') continue;
    const std::string where = "line " + std::to_string(line_no) + ": ";
    // The label is the last field, so paths may hold spaces.
    const size_t split = line.find_last_of(" \t");
    if (split == std::string::npos)
      fail(where + "no label after '" + line + "' (expected 'relative/path label')");
    const std::string label = line.substr(split + 1);
    ListEntry entry;
    const auto [ptr, ec] = std::from_chars(label.data(), label.data() + label.size(), entry.label);
    if (ec != std::errc() || ptr != label.data() + label.size())
      fail(where + "label '" + label + "' is not an integer");
    if (entry.label < 0) fail(where + "label " + label + " is negative");
    const std::string relative = trim(line.substr(0, split));
    entry.path = (folder / relative).string();
    if (io::file_size(entry.path) < 0)
      fail(where + "image '" + relative + "' not found (" + entry.path + ")");
    entries.push_back(std::move(entry));
  }
  if (entries.empty()) fail("no images listed (only blank or comment lines)");
  return entries;
}

class ImageListDataset : public Dataset {
 public:
  ImageListDataset(std::string list_path, std::vector<ListEntry> entries, const Image& first,
                   const Preprocess& preprocess)
      : list_path_(std::move(list_path)),
        entries_(std::move(entries)),
        pipeline_(preprocess, first.channels, 0.0f, 1.0f, list_path_) {
    // Without a crop, every image must come out the size of the first one.
    std::tie(out_height_, out_width_) =
        pipeline_.output_size(first.height, first.width, entries_[0].path);
  }

  int64_t size() const override { return static_cast<int64_t>(entries_.size()); }
  std::vector<int64_t> sample_shape() const override {
    return pipeline_.sample_shape(out_height_, out_width_);
  }
  LabelKind label_kind() const override { return LabelKind::kClass; }
  Batch get(int64_t begin, int64_t count) const override {
    check_range(begin, count);
    Batch batch;
    batch.labels = Tensor(DataType::kInt64, {count});
    int64_t* labels = batch.labels.data_as<int64_t>();
    batch.inputs = parallel_samples(sample_shape(), count, [&](int64_t k, float* out) {
      const ListEntry& entry = entries_[static_cast<size_t>(begin + k)];
      const Image image = load_image(entry.path);
      pipeline_.run(view_of(image), out_height_, out_width_, out, entry.path);
      labels[k] = entry.label;
    });
    return batch;
  }

 protected:
  std::string name() const override { return list_path_; }

 private:
  std::string list_path_;
  std::vector<ListEntry> entries_;
  ImagePipeline pipeline_;
  int64_t out_height_ = 0, out_width_ = 0;
};

}  // namespace

std::unique_ptr<Dataset> open_image_list(const std::string& list_path,
                                         const Preprocess& preprocess) {
  std::vector<ListEntry> entries = read_list(list_path);
  // The first image decides the channels (when not set) and, without a crop, the sample size.
  const Image first = load_image(entries[0].path);
  return std::make_unique<ImageListDataset>(list_path, std::move(entries), first, preprocess);
}

}  // namespace qrt::data
