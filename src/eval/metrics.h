// Evaluation metrics, accumulated over batches: top-k accuracy, segmentation Dice / IoU, and
// the agreement between two runs of a model (e.g. FP32 and INT8 engines).
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "qrt/tensor.h"

namespace qrt::eval {

// Where the label's class lands when classes are sorted by descending logit, ties broken by
// the lower class index first (a stable sort; top-1 is then the first argmax). A NaN logit for
// the label ranks last.
int64_t label_rank(const float* logits, int64_t classes, int64_t label);

// Top-k accuracy from logits [N, C] (or [N, C, 1, ...]) of any floating type and int64/int32
// labels [N]: a sample counts for k when label_rank < k.
class TopKAccuracy {
 public:
  explicit TopKAccuracy(std::vector<int> ks = {1, 5});
  void add(const Tensor& logits, const Tensor& labels);
  const std::vector<int>& ks() const { return ks_; }
  int64_t samples() const { return samples_; }
  int64_t correct(int k) const;
  // Fraction in [0, 1]; NaN before any sample.
  double accuracy(int k) const;

 private:
  std::vector<int> ks_;
  std::vector<int64_t> correct_;
  int64_t samples_ = 0;
};

// Binary segmentation from logits [N, 1, H, W] (foreground where logit > 0) or [N, 2, H, W]
// (foreground where channel 1 > channel 0, i.e. argmax with ties to channel 0) against masks
// N x H x W (or N x 1 x H x W) of uint8/bool/int, nonzero = foreground. Per sample
// dice = 2|P∩G| / (|P| + |G|), iou = |P∩G| / |P∪G|, both 1 when P and G are empty; the
// results are means over samples.
class SegmentationMetrics {
 public:
  void add(const Tensor& logits, const Tensor& masks);
  int64_t samples() const { return samples_; }
  double dice() const;  // NaN before any sample
  double iou() const;

 private:
  int64_t samples_ = 0;
  double dice_sum_ = 0, iou_sum_ = 0;
};

struct Agreement {
  int64_t samples = 0;      // first-dimension rows compared
  int64_t elements = 0;     // values compared
  int64_t predictions = 0;  // positions whose top-1 prediction was compared
  // Fraction of positions where both runs predict the same: over axis 1 (argmax, first index
  // on ties) at every other index, e.g. per sample for [N, C] logits and per pixel for
  // [N, C, H, W]; with one channel the prediction is value > 0.
  double top1_agreement = std::numeric_limits<double>::quiet_NaN();
  double max_abs_error = 0;   // max |a - b|; NaN when any value is NaN
  double mean_abs_error = 0;  // sum |a - b| / elements
  // sum(a b) / sqrt(sum a^2 sum b^2) over all values; 1 when both are all zero, 0 when one is.
  double cosine_similarity = 1;
  // 10 log10(sum a^2 / sum (a - b)^2) with a the reference; +inf when identical.
  double snr_db = std::numeric_limits<double>::infinity();
};

// The agreement of `other` with `reference` (same shapes), over batches.
class AgreementAccumulator {
 public:
  void add(const Tensor& reference, const Tensor& other);
  Agreement result() const;

 private:
  int64_t samples_ = 0, elements_ = 0, predictions_ = 0, same_predictions_ = 0;
  double max_abs_ = 0, sum_abs_ = 0, dot_ = 0, ref_sq_ = 0, other_sq_ = 0, noise_sq_ = 0;
};

}  // namespace qrt::eval
