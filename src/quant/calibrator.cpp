#include "quant/calibrator.h"

#include "io/printable.h"

namespace qrt::quant {

namespace {

// Runs fn, prefixing a qrt::Error's message with the tensor it concerns.
template <typename Fn>
auto for_tensor(const std::string& name, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const Error& e) {
    throw Error("calibration of tensor '" + io::printable(name) + "': " + e.what());
  }
}

}  // namespace

void Calibrator::observe_range(const std::string& name, const Tensor& t) {
  for_tensor(name, [&] { stats_[name].observe_range(t); });
}

void Calibrator::observe_histogram(const std::string& name, const Tensor& t) {
  auto it = stats_.find(name);
  for_tensor(name, [&] {
    if (it == stats_.end()) throw Error("histogram observed before its range (pass 1)");
    it->second.observe_histogram(t);
  });
}

void Calibrator::merge(const Calibrator& other) {
  for (const auto& [name, s] : other.stats_) for_tensor(name, [&] { stats_[name].merge(s); });
}

void Calibrator::merge(const std::string& name, const TensorStats& stats) {
  for_tensor(name, [&] { stats_[name].merge(stats); });
}

const TensorStats& Calibrator::stats(const std::string& name) const {
  auto it = stats_.find(name);
  if (it == stats_.end())
    throw Error("calibration of tensor '" + io::printable(name) + "': never observed");
  return it->second;
}

std::map<std::string, float> Calibrator::compute_amax(const AlgorithmOptions& options) const {
  std::map<std::string, float> amax;
  for (const auto& [name, s] : stats_)
    amax[name] = for_tensor(name, [&] { return quant::compute_amax(s, options); });
  return amax;
}

}  // namespace qrt::quant
