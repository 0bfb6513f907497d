// Reference Resize. Nearest, linear and cubic interpolation are all separable, so the kernel
// resizes one dim at a time: for each output position of that dim it precomputes its taps
// (input indices and weights, or "extrapolate" for tf_crop_and_resize outside the roi) and
// applies them to every row. Coordinates are computed in float, as onnxruntime does, so
// nearest-neighbour ties round the same way.
#include "ops/resize.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "backends/kernel_registry.h"

namespace qrt::reference {
namespace {

struct ResizeAttrs {
  std::string mode, coordinate_mode, nearest_mode;
  float cubic_a;
  bool exclude_outside;
  explicit ResizeAttrs(const ir::Node& node)
      : mode(node.attr_string("mode", "nearest")),
        coordinate_mode(node.attr_string("coordinate_transformation_mode", "half_pixel")),
        nearest_mode(node.attr_string("nearest_mode", "round_prefer_floor")),
        cubic_a(node.attr_float("cubic_coeff_a", -0.75f)),
        exclude_outside(node.attr_int("exclude_outside", 0) != 0) {}
};

// Taps of every output position along one dim: `per_output` (index, weight) pairs each.
struct Taps {
  int64_t per_output = 1;
  std::vector<int64_t> index;
  std::vector<double> weight;
  std::vector<bool> extrapolate;  // per output position
};

// The input coordinate of output coordinate x along a dim of in -> out elements.
float original_coordinate(const std::string& mode, float x, float scale, int64_t in, int64_t out,
                          float roi_start, float roi_end) {
  const float length_in = static_cast<float>(in), length_out = static_cast<float>(out);
  if (mode == "half_pixel") return (x + 0.5f) / scale - 0.5f;
  if (mode == "pytorch_half_pixel") return out > 1 ? (x + 0.5f) / scale - 0.5f : 0.f;
  if (mode == "align_corners") return out == 1 ? 0.f : x * (length_in - 1) / (length_out - 1);
  if (mode == "asymmetric") return x / scale;
  if (mode == "tf_half_pixel_for_nn") return (x + 0.5f) / scale;
  if (mode == "half_pixel_symmetric") {
    const float adjustment = length_out / (scale * length_in);
    const float offset = length_in / 2 * (1 - adjustment);
    return offset + (x + 0.5f) / scale - 0.5f;
  }
  // tf_crop_and_resize
  return out > 1 ? roi_start * (length_in - 1) +
                       x * (roi_end - roi_start) * (length_in - 1) / (length_out - 1)
                 : 0.5f * (roi_start + roi_end) * (length_in - 1);
}

int64_t nearest_index(const std::string& nearest_mode, float x) {
  const float lower = std::floor(x);
  const bool half = x == lower + 0.5f;
  float r;
  if (nearest_mode == "floor")
    r = lower;
  else if (nearest_mode == "ceil")
    r = std::ceil(x);
  else if (half)
    r = nearest_mode == "round_prefer_ceil" ? lower + 1 : lower;
  else
    r = std::round(x);
  return static_cast<int64_t>(r);
}

// Keys' cubic convolution weights of the four neighbours floor(x) - 1 .. floor(x) + 2.
void cubic_weights(double r, double a, double w[4]) {
  const double d[4] = {1 + r, r, 1 - r, 2 - r};  // distances to the neighbours
  for (int i = 0; i < 4; ++i) {
    const double t = d[i];
    w[i] = t <= 1 ? ((a + 2) * t - (a + 3)) * t * t + 1 : ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
  }
}

Taps make_taps(const ResizeAttrs& attrs, int64_t in, int64_t out, float scale, float roi_start,
               float roi_end) {
  Taps t;
  t.per_output = attrs.mode == "nearest" ? 1 : attrs.mode == "linear" ? 2 : 4;
  t.index.resize(static_cast<size_t>(out * t.per_output));
  t.weight.resize(t.index.size());
  t.extrapolate.assign(static_cast<size_t>(out), false);
  const bool crop = attrs.coordinate_mode == "tf_crop_and_resize";
  for (int64_t o = 0; o < out; ++o) {
    float x = original_coordinate(attrs.coordinate_mode, static_cast<float>(o), scale, in, out,
                                  roi_start, roi_end);
    if (crop && (x < 0 || x > static_cast<float>(in - 1))) {
      t.extrapolate[o] = true;
      continue;
    }
    int64_t* idx = &t.index[o * t.per_output];
    double* w = &t.weight[o * t.per_output];
    auto clamp_index = [in](int64_t i) { return std::clamp<int64_t>(i, 0, in - 1); };
    if (attrs.mode == "nearest") {
      idx[0] = clamp_index(nearest_index(attrs.nearest_mode, x));
      w[0] = 1;
    } else if (attrs.mode == "linear") {
      x = std::clamp(x, 0.f, static_cast<float>(in - 1));
      const int64_t i0 = static_cast<int64_t>(x);
      idx[0] = i0;
      idx[1] = std::min(i0 + 1, in - 1);
      w[1] = x - static_cast<float>(i0);
      w[0] = 1 - w[1];
    } else {
      const float lower = std::floor(x);
      cubic_weights(x - lower, attrs.cubic_a, w);
      double sum = 0;
      for (int i = 0; i < 4; ++i) {
        const int64_t raw = static_cast<int64_t>(lower) - 1 + i;
        idx[i] = clamp_index(raw);
        if (attrs.exclude_outside && raw != idx[i]) w[i] = 0;
        sum += w[i];
      }
      if (attrs.exclude_outside)
        for (int i = 0; i < 4; ++i) w[i] /= sum;
    }
  }
  return t;
}

// Resizes the middle dim of src (outer x in x inner) into dst (outer x out x inner).
template <typename T>
void resize_dim(const T* src, T* dst, int64_t outer, int64_t in, int64_t out, int64_t inner,
                const Taps& taps, T extrapolation) {
  for (int64_t o = 0; o < outer; ++o) {
    const T* s = src + o * in * inner;
    T* d = dst + o * out * inner;
    for (int64_t j = 0; j < out; ++j, d += inner) {
      if (taps.extrapolate[j]) {
        std::fill_n(d, inner, extrapolation);
        continue;
      }
      const int64_t* idx = &taps.index[j * taps.per_output];
      const double* w = &taps.weight[j * taps.per_output];
      if (taps.per_output == 1) {  // nearest: an exact copy, for any element type
        std::copy_n(s + idx[0] * inner, inner, d);
        continue;
      }
      for (int64_t k = 0; k < inner; ++k) {
        double acc = 0;
        for (int64_t t = 0; t < taps.per_output; ++t) acc += w[t] * s[idx[t] * inner + k];
        d[k] = static_cast<T>(acc);
      }
    }
  }
}

const Tensor* given(const KernelArgs& args, size_t i) {
  return args.has_in(i) && args.in(i).numel() > 0 ? &args.in(i) : nullptr;
}

template <typename T>
void resize(const KernelArgs& args) {
  const Tensor& x = args.in(0);
  Tensor& y = args.out(0);
  const ops::ResizePlan plan =
      ops::resolve_resize(args.node, x.shape(), given(args, 1), given(args, 2), given(args, 3));
  const ResizeAttrs attrs(args.node);
  const T extrapolation = static_cast<T>(args.node.attr_float("extrapolation_value", 0.f));
  std::vector<int64_t> shape = x.shape();
  std::vector<T> current(x.data_as<T>(), x.data_as<T>() + x.numel()), next;
  for (size_t d = 0; d < shape.size(); ++d) {
    const int64_t in = shape[d], out = plan.output_shape[d];
    if (in == out && plan.scales[d] == 1.f && attrs.coordinate_mode != "tf_crop_and_resize")
      continue;  // every transform is the identity here
    int64_t outer = 1, inner = 1;
    for (size_t i = 0; i < d; ++i) outer *= shape[i];
    for (size_t i = d + 1; i < shape.size(); ++i) inner *= shape[i];
    const Taps taps = make_taps(attrs, in, out, plan.scales[d], plan.roi_start[d], plan.roi_end[d]);
    next.resize(static_cast<size_t>(outer * out * inner));
    resize_dim(current.data(), next.data(), outer, in, out, inner, taps, extrapolation);
    current.swap(next);
    shape[d] = out;
  }
  std::copy(current.begin(), current.end(), y.data_as<T>());
}

bool resize_supported(const ir::Node& node, const NodeTypes& types, std::string* reason) {
  if (node.attr_int("antialias", 0) != 0) {
    if (reason) *reason = "Resize with antialias is not supported";
    return false;
  }
  if (!is_floating(types.inputs.at(0).dtype) && node.attr_string("mode", "nearest") != "nearest") {
    if (reason) *reason = "Resize of integer data is supported in nearest mode only";
    return false;
  }
  return true;
}

}  // namespace

QRT_REGISTER_KERNEL("Resize", "reference", DataType::kFloat32, resize<float>, resize_supported);
QRT_REGISTER_KERNEL("Resize", "reference", DataType::kFloat64, resize<double>, resize_supported);
QRT_REGISTER_KERNEL("Resize", "reference", DataType::kUInt8, resize<uint8_t>, resize_supported);
QRT_REGISTER_KERNEL("Resize", "reference", DataType::kInt8, resize<int8_t>, resize_supported);
QRT_REGISTER_KERNEL("Resize", "reference", DataType::kInt32, resize<int32_t>, resize_supported);
QRT_REGISTER_KERNEL("Resize", "reference", DataType::kInt64, resize<int64_t>, resize_supported);

}  // namespace qrt::reference
