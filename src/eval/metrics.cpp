#include "eval/metrics.h"

#include <algorithm>
#include <cmath>

#include "qrt/types.h"

namespace qrt::eval {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A tensor's values as float: its own buffer for f32, a converted copy otherwise.
class FloatValues {
 public:
  FloatValues(const Tensor& t, const char* what) {
    if (!t.defined() || !is_floating(t.dtype()))
      throw Error(std::string(what) + ": expected floating-point values, got " +
                  (t.defined() ? std::string(dtype_name(t.dtype())) : "nothing"));
    if (t.dtype() == DataType::kFloat32) {
      data_ = t.data_as<float>();
    } else {
      copy_ = t.to_float_vector();
      data_ = copy_.data();
    }
  }
  const float* data() const { return data_; }

 private:
  std::vector<float> copy_;
  const float* data_ = nullptr;
};

std::vector<int64_t> integer_values(const Tensor& t, const char* what) {
  if (!t.defined() || is_floating(t.dtype()))
    throw Error(std::string(what) + ": expected integer values, got " +
                (t.defined() ? std::string(dtype_name(t.dtype())) : "nothing"));
  return t.to_int64_vector();
}

}  // namespace

int64_t label_rank(const float* logits, int64_t classes, int64_t label) {
  const float target = logits[label];
  if (std::isnan(target)) return classes;
  int64_t rank = 0;
  for (int64_t c = 0; c < classes; ++c)
    rank += logits[c] > target || (c < label && logits[c] == target);
  return rank;
}

TopKAccuracy::TopKAccuracy(std::vector<int> ks) : ks_(std::move(ks)), correct_(ks_.size(), 0) {
  for (int k : ks_)
    if (k < 1) throw Error("top-k accuracy: k must be at least 1, got " + std::to_string(k));
}

void TopKAccuracy::add(const Tensor& logits, const Tensor& labels) {
  const std::vector<int64_t> targets = integer_values(labels, "top-k accuracy labels");
  if (logits.rank() < 2 || labels.rank() != 1 || logits.dim(0) != labels.dim(0) ||
      logits.numel() != logits.dim(0) * logits.dim(1))
    throw Error("top-k accuracy: logits " + shape_to_string(logits.shape()) + " and labels " +
                shape_to_string(labels.shape()) + " are not [N, C] and [N]");
  const FloatValues values(logits, "top-k accuracy logits");
  const int64_t n = logits.dim(0), classes = logits.dim(1);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t label = targets[static_cast<size_t>(i)];
    if (label < 0 || label >= classes)
      throw Error("top-k accuracy: label " + std::to_string(label) + " of sample " +
                  std::to_string(samples_ + i) + " is outside the " + std::to_string(classes) +
                  " classes");
    const int64_t rank = label_rank(values.data() + i * classes, classes, label);
    for (size_t k = 0; k < ks_.size(); ++k) correct_[k] += rank < ks_[k];
  }
  samples_ += n;
}

int64_t TopKAccuracy::correct(int k) const {
  const auto it = std::find(ks_.begin(), ks_.end(), k);
  if (it == ks_.end()) throw Error("top-k accuracy: top-" + std::to_string(k) + " is not tracked");
  return correct_[static_cast<size_t>(it - ks_.begin())];
}

double TopKAccuracy::accuracy(int k) const {
  const int64_t hits = correct(k);
  return samples_ ? static_cast<double>(hits) / static_cast<double>(samples_) : kNaN;
}

void SegmentationMetrics::add(const Tensor& logits, const Tensor& masks) {
  const bool masks_ok = masks.rank() == 3 || (masks.rank() == 4 && masks.dim(1) == 1);
  const int64_t channels = logits.rank() == 4 ? logits.dim(1) : 0;
  if (!masks_ok || (channels != 1 && channels != 2) || logits.dim(0) != masks.dim(0) ||
      logits.dim(2) != masks.dim(masks.rank() - 2) || logits.dim(3) != masks.dim(masks.rank() - 1))
    throw Error("segmentation metrics: logits " + shape_to_string(logits.shape()) + " and masks " +
                shape_to_string(masks.shape()) + " are not [N, 1 or 2, H, W] and [N, H, W]");
  const FloatValues values(logits, "segmentation logits");
  std::vector<int64_t> converted;
  const bool bytes = masks.dtype() == DataType::kUInt8 || masks.dtype() == DataType::kBool;
  if (!bytes) converted = integer_values(masks, "segmentation masks");
  const int64_t n = logits.dim(0), pixels = logits.dim(2) * logits.dim(3);
  for (int64_t i = 0; i < n; ++i) {
    const float* l = values.data() + i * channels * pixels;
    int64_t predicted = 0, truth = 0, both = 0;
    for (int64_t p = 0; p < pixels; ++p) {
      const bool pred = channels == 1 ? l[p] > 0.0f : l[pixels + p] > l[p];
      const int64_t at = i * pixels + p;
      const bool gt =
          bytes ? masks.data_as<uint8_t>()[at] != 0 : converted[static_cast<size_t>(at)] != 0;
      predicted += pred;
      truth += gt;
      both += pred && gt;
    }
    const int64_t either = predicted + truth - both;
    dice_sum_ += either == 0
                     ? 1.0
                     : 2.0 * static_cast<double>(both) / static_cast<double>(predicted + truth);
    iou_sum_ += either == 0 ? 1.0 : static_cast<double>(both) / static_cast<double>(either);
  }
  samples_ += n;
}

double SegmentationMetrics::dice() const {
  return samples_ ? dice_sum_ / static_cast<double>(samples_) : kNaN;
}

double SegmentationMetrics::iou() const {
  return samples_ ? iou_sum_ / static_cast<double>(samples_) : kNaN;
}

void AgreementAccumulator::add(const Tensor& reference, const Tensor& other) {
  if (reference.shape() != other.shape() || reference.rank() == 0)
    throw Error("agreement: outputs " + shape_to_string(reference.shape()) + " and " +
                shape_to_string(other.shape()) + " differ in shape (or are scalars)");
  const FloatValues a(reference, "agreement reference"), b(other, "agreement output");
  const int64_t numel = reference.numel();
  for (int64_t i = 0; i < numel; ++i) {
    const double x = a.data()[i], y = b.data()[i];
    const double d = std::abs(x - y);
    if (!(d <= max_abs_)) max_abs_ = std::isnan(max_abs_) ? max_abs_ : d;  // NaN sticks
    sum_abs_ += d;
    dot_ += x * y;
    ref_sq_ += x * x;
    other_sq_ += y * y;
    noise_sq_ += (x - y) * (x - y);
  }
  // Top-1 over axis 1 at every (n, rest) position.
  const int64_t n = reference.dim(0);
  const int64_t channels = reference.rank() >= 2 ? reference.dim(1) : 1;
  const int64_t inner = channels ? numel / std::max<int64_t>(n * channels, 1) : 0;
  auto predict = [&](const float* v, int64_t base) {
    if (channels == 1) return int64_t{v[base] > 0.0f};
    int64_t best = 0;
    for (int64_t c = 1; c < channels; ++c)
      if (v[base + c * inner] > v[base + best * inner]) best = c;
    return best;
  };
  for (int64_t i = 0; i < n && channels > 0; ++i)
    for (int64_t r = 0; r < inner; ++r) {
      const int64_t base = i * channels * inner + r;
      same_predictions_ += predict(a.data(), base) == predict(b.data(), base);
      ++predictions_;
    }
  samples_ += n;
  elements_ += numel;
}

Agreement AgreementAccumulator::result() const {
  Agreement r;
  r.samples = samples_;
  r.elements = elements_;
  r.predictions = predictions_;
  if (predictions_)
    r.top1_agreement = static_cast<double>(same_predictions_) / static_cast<double>(predictions_);
  r.max_abs_error = max_abs_;
  r.mean_abs_error = elements_ ? sum_abs_ / static_cast<double>(elements_) : kNaN;
  if (ref_sq_ == 0 && other_sq_ == 0)
    r.cosine_similarity = 1;
  else if (ref_sq_ == 0 || other_sq_ == 0)
    r.cosine_similarity = 0;
  else
    r.cosine_similarity = std::clamp(dot_ / std::sqrt(ref_sq_ * other_sq_), -1.0, 1.0);
  if (noise_sq_ == 0)
    r.snr_db = std::isnan(ref_sq_) ? kNaN : std::numeric_limits<double>::infinity();
  else
    r.snr_db = 10.0 * std::log10(ref_sq_ / noise_sq_);
  return r;
}

}  // namespace qrt::eval
