// Pieces shared by the dataset implementations (not part of the dataset API).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "data/dataset.h"

namespace qrt::data {

// fn(i) for i in [0, count) on up to hardware_concurrency threads. Every index runs or the
// error of the lowest failing index is rethrown, so errors do not depend on thread timing.
void parallel_for(int64_t count, const std::function<void(int64_t)>& fn);

// A float32 count x sample_shape tensor whose sample k is written by write_sample(k, out), on
// several threads through parallel_for.
Tensor parallel_samples(const std::vector<int64_t>& sample_shape, int64_t count,
                        const std::function<void(int64_t, float*)>& write_sample);

// Rows [begin, begin + count) of the first dimension, as a new tensor.
Tensor slice_rows(const Tensor& t, int64_t begin, int64_t count);

// Labels checked against the sample count: int64/int32 [N] becomes int64 class labels,
// uint8/bool N x H x W masks stay uint8. Errors name `path`.
Tensor checked_labels(Tensor labels, int64_t samples, const std::string& path, LabelKind* kind);

// Images held in memory (N x H x W x C uint8, C = 1 or 3) with optional labels.
std::unique_ptr<Dataset> make_image_array_dataset(std::string name, Tensor images, Tensor labels,
                                                  LabelKind label_kind,
                                                  const Preprocess& preprocess, float default_mean,
                                                  float default_stddev);

std::unique_ptr<Dataset> open_npy_dataset(const std::string& path, const Preprocess& preprocess,
                                          const std::string& labels_path);
std::unique_ptr<Dataset> open_image_list(const std::string& list_path,
                                         const Preprocess& preprocess);
// spec is "fashion-mnist:[DIR:]SPLIT" or "fashion-mnist-seg:[DIR:]SPLIT".
std::unique_ptr<Dataset> open_fashion_mnist(const std::string& spec, const Preprocess& preprocess);

}  // namespace qrt::data
