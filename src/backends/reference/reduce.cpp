// Reference ReduceXxx kernels: one accumulator per output element (double for floating
// inputs), updated while walking the input in memory order, then finished.
#include "ops/reduce.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "backends/kernel_registry.h"

namespace qrt::reference {
namespace {

// Each reduction: init value, update(acc, x) and finish(acc, number of reduced elements).
struct Sum {
  template <typename A>
  static A init() {
    return A(0);
  }
  template <typename A>
  static A update(A acc, A x) {
    return acc + x;
  }
  template <typename A>
  static A finish(A acc, int64_t) {
    return acc;
  }
};
struct Mean : Sum {
  template <typename A>
  static A finish(A acc, int64_t n) {
    return acc / static_cast<A>(n);
  }
};
struct Prod {
  template <typename A>
  static A init() {
    return A(1);
  }
  template <typename A>
  static A update(A acc, A x) {
    return acc * x;
  }
  template <typename A>
  static A finish(A acc, int64_t) {
    return acc;
  }
};
struct Max {
  template <typename A>
  static A init() {
    if constexpr (std::numeric_limits<A>::has_infinity) return -std::numeric_limits<A>::infinity();
    return std::numeric_limits<A>::lowest();
  }
  template <typename A>
  static A update(A acc, A x) {
    return x > acc ? x : acc;
  }
  template <typename A>
  static A finish(A acc, int64_t) {
    return acc;
  }
};
struct Min {
  template <typename A>
  static A init() {
    if constexpr (std::numeric_limits<A>::has_infinity) return std::numeric_limits<A>::infinity();
    return std::numeric_limits<A>::max();
  }
  template <typename A>
  static A update(A acc, A x) {
    return x < acc ? x : acc;
  }
  template <typename A>
  static A finish(A acc, int64_t) {
    return acc;
  }
};
struct L1 : Sum {
  template <typename A>
  static A update(A acc, A x) {
    return acc + std::abs(x);
  }
};
struct SumSquare : Sum {
  template <typename A>
  static A update(A acc, A x) {
    return acc + x * x;
  }
};
struct L2 : SumSquare {
  template <typename A>
  static A finish(A acc, int64_t) {
    return std::sqrt(acc);
  }
};
struct LogSum : Sum {
  template <typename A>
  static A finish(A acc, int64_t) {
    return std::log(acc);
  }
};
struct LogSumExp : Sum {
  template <typename A>
  static A update(A acc, A x) {
    return acc + std::exp(x);
  }
  template <typename A>
  static A finish(A acc, int64_t) {
    return std::log(acc);
  }
};

template <typename T, typename Op>
void reduce(const KernelArgs& args) {
  using Acc = std::conditional_t<std::is_floating_point_v<T>, double, T>;
  const Tensor& x = args.in(0);
  Tensor& y = args.out(0);
  const std::vector<int64_t>& shape = x.shape();
  const size_t rank = shape.size();
  const ops::ReduceAxes axes = ops::resolve_reduce_axes(args.node, static_cast<int64_t>(rank),
                                                        args.has_in(1) ? &args.in(1) : nullptr);
  if (axes.noop) {
    std::memcpy(y.data(), x.data(), x.nbytes());
    return;
  }
  // Output element stride of each input dim (0 along reduced dims).
  std::vector<int64_t> out_stride(rank, 0);
  int64_t stride = 1, count = 1;
  for (size_t d = rank; d-- > 0;) {
    if (axes.reduced[d]) {
      count *= shape[d];
    } else {
      out_stride[d] = stride;
      stride *= shape[d];
    }
  }
  std::vector<Acc> acc(static_cast<size_t>(y.numel()), Op::template init<Acc>());
  const T* xp = x.data_as<T>();
  const int64_t inner = rank ? shape.back() : 1;
  const int64_t inner_stride = rank ? out_stride.back() : 0;
  const int64_t rows = inner ? x.numel() / inner : 0;
  std::vector<int64_t> index(rank > 0 ? rank - 1 : 0, 0);
  int64_t out_offset = 0;
  for (int64_t r = 0; r < rows; ++r, xp += inner) {
    Acc* a = acc.data() + out_offset;
    for (int64_t i = 0; i < inner; ++i)
      a[i * inner_stride] = Op::update(a[i * inner_stride], static_cast<Acc>(xp[i]));
    // Advance the index over the outer dims, keeping out_offset in step.
    for (size_t d = index.size(); d-- > 0;) {
      out_offset += out_stride[d];
      if (++index[d] < shape[d]) break;
      out_offset -= out_stride[d] * shape[d];
      index[d] = 0;
    }
  }
  T* yp = y.data_as<T>();
  for (size_t i = 0; i < acc.size(); ++i) yp[i] = static_cast<T>(Op::finish(acc[i], count));
}

// Float kernels for every reduction; int32/int64 ones where integer results make sense
// (shape arithmetic in exported models uses them).
template <typename Op>
void register_reduce(const char* op_type, bool with_ints) {
  KernelRegistry& registry = KernelRegistry::instance();
  registry.add({op_type, "reference", DataType::kFloat32, reduce<float, Op>, {}, {}});
  registry.add({op_type, "reference", DataType::kFloat64, reduce<double, Op>, {}, {}});
  if (!with_ints) return;
  registry.add({op_type, "reference", DataType::kInt32, reduce<int32_t, Op>, {}, {}});
  registry.add({op_type, "reference", DataType::kInt64, reduce<int64_t, Op>, {}, {}});
}

[[maybe_unused]] const bool kRegistered = [] {
  register_reduce<Sum>("ReduceSum", true);
  register_reduce<Mean>("ReduceMean", false);
  register_reduce<Max>("ReduceMax", true);
  register_reduce<Min>("ReduceMin", true);
  register_reduce<Prod>("ReduceProd", true);
  register_reduce<L1>("ReduceL1", false);
  register_reduce<L2>("ReduceL2", false);
  register_reduce<SumSquare>("ReduceSumSquare", false);
  register_reduce<LogSum>("ReduceLogSum", false);
  register_reduce<LogSumExp>("ReduceLogSumExp", false);
  return true;
}();

}  // namespace

}  // namespace qrt::reference
