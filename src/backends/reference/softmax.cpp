// Reference Softmax and LogSoftmax over one axis (or, with qrt_coerce_2d, over the flattened
// dims from axis on). The input is viewed as outer x n x inner and normalized over n,
// subtracting the maximum first for stability.
#include <cmath>
#include <vector>

#include "backends/kernel_registry.h"

namespace qrt::reference {
namespace {

template <typename T, bool kLog>
void softmax(const KernelArgs& args) {
  const Tensor& x = args.in(0);
  const std::vector<int64_t>& shape = x.shape();
  const int64_t rank = static_cast<int64_t>(shape.size());
  const bool coerce_2d = args.node.attr_int("qrt_coerce_2d", 0) != 0;
  int64_t axis = args.node.attr_int("axis", coerce_2d ? 1 : -1);
  if (axis < 0) axis += rank;
  auto product = [&](int64_t from, int64_t to) {
    int64_t p = 1;
    for (int64_t i = from; i < to; ++i) p *= shape[i];
    return p;
  };
  const int64_t outer = product(0, std::min(axis, rank));
  const int64_t n = coerce_2d ? product(axis, rank) : (rank ? shape[axis] : 1);
  const int64_t inner = coerce_2d ? 1 : product(axis + 1, rank);
  std::vector<T> max_v(static_cast<size_t>(inner));
  std::vector<double> sum(static_cast<size_t>(inner));
  const T* xp = x.data_as<T>();
  T* yp = args.out(0).data_as<T>();
  if (n == 0) return;
  for (int64_t o = 0; o < outer; ++o) {
    const T* xo = xp + o * n * inner;
    T* yo = yp + o * n * inner;
    std::copy_n(xo, inner, max_v.begin());
    for (int64_t a = 1; a < n; ++a)
      for (int64_t j = 0; j < inner; ++j) max_v[j] = std::max(max_v[j], xo[a * inner + j]);
    std::fill(sum.begin(), sum.end(), 0.0);
    for (int64_t a = 0; a < n; ++a)
      for (int64_t j = 0; j < inner; ++j) {
        const T e = std::exp(xo[a * inner + j] - max_v[j]);
        if (!kLog) yo[a * inner + j] = e;
        sum[j] += e;
      }
    for (int64_t a = 0; a < n; ++a)
      for (int64_t j = 0; j < inner; ++j) {
        T& y = yo[a * inner + j];
        if constexpr (kLog)
          y = static_cast<T>(xo[a * inner + j] - max_v[j] - std::log(sum[j]));
        else
          y = static_cast<T>(y / sum[j]);
      }
  }
}

}  // namespace

QRT_REGISTER_KERNEL("Softmax", "reference", DataType::kFloat32, softmax<float, false>);
QRT_REGISTER_KERNEL("Softmax", "reference", DataType::kFloat64, softmax<double, false>);
QRT_REGISTER_KERNEL("LogSoftmax", "reference", DataType::kFloat32, softmax<float, true>);
QRT_REGISTER_KERNEL("LogSoftmax", "reference", DataType::kFloat64, softmax<double, true>);

}  // namespace qrt::reference
