// Resize, nearest (any element type) and linear (f32, f16), for every coordinate
// transformation mode of the reference. Each output element computes its taps on the device
// with the reference's float arithmetic (explicitly rounded: no contraction), then, for
// linear mode, interpolates as the reference's dim-by-dim passes do: up to two resized dims,
// the first one's result rounded to f32 before the second interpolates it (weights and sums
// in double).
#include "backends/cuda/elementwise.cuh"
#include "ops/resize.h"

namespace qrt::cuda {
namespace {

enum class Coordinate : int {
  kHalfPixel,
  kPytorchHalfPixel,
  kAlignCorners,
  kAsymmetric,
  kTfHalfPixelForNn,
  kHalfPixelSymmetric,
  kTfCropAndResize
};
enum class Nearest : int { kRoundPreferFloor, kRoundPreferCeil, kFloor, kCeil };

struct ResizeGeometry {
  int rank;
  int resized_count;  // dims whose transform is not the identity, in order
  int resized[kMaxDims];
  int64_t in[kMaxDims], out[kMaxDims], in_stride[kMaxDims];
  float scale[kMaxDims], roi_start[kMaxDims], roi_end[kMaxDims];
  Coordinate coordinate;
  Nearest nearest;
  bool linear;
  float extrapolation;
};

__device__ float original_coordinate(const ResizeGeometry& g, int d, float x) {
  const float scale = g.scale[d];
  const float length_in = static_cast<float>(g.in[d]), length_out = static_cast<float>(g.out[d]);
  switch (g.coordinate) {
    case Coordinate::kHalfPixel:
      return __fsub_rn(__fdiv_rn(__fadd_rn(x, 0.5f), scale), 0.5f);
    case Coordinate::kPytorchHalfPixel:
      return g.out[d] > 1 ? __fsub_rn(__fdiv_rn(__fadd_rn(x, 0.5f), scale), 0.5f) : 0.f;
    case Coordinate::kAlignCorners:
      return g.out[d] == 1
                 ? 0.f
                 : __fdiv_rn(__fmul_rn(x, __fsub_rn(length_in, 1.f)), __fsub_rn(length_out, 1.f));
    case Coordinate::kAsymmetric:
      return __fdiv_rn(x, scale);
    case Coordinate::kTfHalfPixelForNn:
      return __fdiv_rn(__fadd_rn(x, 0.5f), scale);
    case Coordinate::kHalfPixelSymmetric: {
      const float adjustment = __fdiv_rn(length_out, __fmul_rn(scale, length_in));
      const float offset = __fmul_rn(__fdiv_rn(length_in, 2.f), __fsub_rn(1.f, adjustment));
      return __fsub_rn(__fadd_rn(offset, __fdiv_rn(__fadd_rn(x, 0.5f), scale)), 0.5f);
    }
    default: {  // tf_crop_and_resize
      const float start = g.roi_start[d], end = g.roi_end[d];
      const float span = __fsub_rn(length_in, 1.f);
      if (g.out[d] > 1)
        return __fadd_rn(__fmul_rn(start, span),
                         __fdiv_rn(__fmul_rn(__fmul_rn(x, __fsub_rn(end, start)), span),
                                   __fsub_rn(length_out, 1.f)));
      return __fmul_rn(__fmul_rn(0.5f, __fadd_rn(start, end)), span);
    }
  }
}

// Taps of output position o along dim d: indices i0, i1 and the weight of i1 (linear), or
// i0 alone (nearest). Returns false where tf_crop_and_resize extrapolates.
__device__ bool taps(const ResizeGeometry& g, int d, int64_t o, int64_t& i0, int64_t& i1,
                     double& w1) {
  const int64_t in = g.in[d];
  float x = original_coordinate(g, d, static_cast<float>(o));
  if (g.coordinate == Coordinate::kTfCropAndResize && (x < 0.f || x > static_cast<float>(in - 1)))
    return false;
  if (!g.linear) {
    const float lower = floorf(x);
    float r;
    if (g.nearest == Nearest::kFloor)
      r = lower;
    else if (g.nearest == Nearest::kCeil)
      r = ceilf(x);
    else if (x == lower + 0.5f)
      r = g.nearest == Nearest::kRoundPreferCeil ? lower + 1.f : lower;
    else
      r = roundf(x);
    i0 = min(max(static_cast<int64_t>(r), int64_t{0}), in - 1);
    i1 = i0;
    w1 = 0;
    return true;
  }
  x = fminf(fmaxf(x, 0.f), static_cast<float>(in - 1));
  i0 = static_cast<int64_t>(x);
  i1 = min(i0 + 1, in - 1);
  w1 = static_cast<double>(__fsub_rn(x, static_cast<float>(i0)));
  return true;
}

template <typename T>
__global__ void resize_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t n,
                              ResizeGeometry g) {
  QRT_GRID_STRIDE(i, n) {
    int64_t coord[kMaxDims];
    int64_t rest = i;
    for (int d = g.rank - 1; d >= 0; --d) {
      const int64_t q = rest / g.out[d];
      coord[d] = rest - q * g.out[d];
      rest = q;
    }
    // Offset of the unresized coordinates; resized dims add their taps below.
    int64_t base = 0;
    for (int d = 0; d < g.rank; ++d) base += coord[d] * g.in_stride[d];
    int64_t i0[kMaxDims] = {}, i1[kMaxDims] = {};
    double w1[kMaxDims] = {};
    bool inside[kMaxDims] = {};
    for (int k = 0; k < g.resized_count; ++k) {
      const int d = g.resized[k];
      base -= coord[d] * g.in_stride[d];
      inside[k] = taps(g, d, coord[d], i0[k], i1[k], w1[k]);
      i0[k] *= g.in_stride[d];
      i1[k] *= g.in_stride[d];
    }
    if (!g.linear) {
      bool all_inside = true;
      int64_t offset = base;
      for (int k = 0; k < g.resized_count; ++k)
        all_inside = all_inside && inside[k], offset += i0[k];
      y[i] = all_inside ? x[offset] : convert<T>(g.extrapolation);
      continue;
    }
    const float extrapolation = g.extrapolation;
    auto lerp = [](double w, float a, float b) {
      return static_cast<float>(__dadd_rn(__dmul_rn(1.0 - w, static_cast<double>(a)),
                                          __dmul_rn(w, static_cast<double>(b))));
    };
    float result;
    if (g.resized_count == 0) {
      result = convert<float>(x[base]);
    } else if (g.resized_count == 1) {
      result = inside[0]
                   ? lerp(w1[0], convert<float>(x[base + i0[0]]), convert<float>(x[base + i1[0]]))
                   : extrapolation;
    } else {
      // The first resized dim's pass, at both taps of the second, rounded to f32.
      float first[2];
      const int64_t second[2] = {i0[1], i1[1]};
      for (int j = 0; j < 2; ++j)
        first[j] = inside[0] ? lerp(w1[0], convert<float>(x[base + i0[0] + second[j]]),
                                    convert<float>(x[base + i1[0] + second[j]]))
                             : extrapolation;
      result = inside[1] ? lerp(w1[1], first[0], first[1]) : extrapolation;
    }
    y[i] = convert<T>(result);
  }
}

const Tensor* given(const KernelArgs& args, size_t i, const char* what) {
  if (!args.has_in(i) || args.in(i).numel() == 0) return nullptr;
  return &constant_input(args, i, what);
}

template <typename T>
void resize(const KernelArgs& args) {
  const Tensor& x = args.in(0);
  const std::vector<int64_t>& shape = x.shape();
  const ops::ResizePlan plan =
      ops::resolve_resize(args.node, shape, given(args, 1, "the roi"), given(args, 2, "the scales"),
                          given(args, 3, "the sizes"));
  const std::string coordinate =
      args.node.attr_string("coordinate_transformation_mode", "half_pixel");
  const std::string nearest = args.node.attr_string("nearest_mode", "round_prefer_floor");
  ResizeGeometry g{};
  g.rank = static_cast<int>(shape.size());
  g.linear = args.node.attr_string("mode", "nearest") == "linear";
  g.extrapolation = args.node.attr_float("extrapolation_value", 0.f);
  g.coordinate = coordinate == "pytorch_half_pixel"     ? Coordinate::kPytorchHalfPixel
                 : coordinate == "align_corners"        ? Coordinate::kAlignCorners
                 : coordinate == "asymmetric"           ? Coordinate::kAsymmetric
                 : coordinate == "tf_half_pixel_for_nn" ? Coordinate::kTfHalfPixelForNn
                 : coordinate == "half_pixel_symmetric" ? Coordinate::kHalfPixelSymmetric
                 : coordinate == "tf_crop_and_resize"   ? Coordinate::kTfCropAndResize
                                                        : Coordinate::kHalfPixel;
  g.nearest = nearest == "round_prefer_ceil" ? Nearest::kRoundPreferCeil
              : nearest == "floor"           ? Nearest::kFloor
              : nearest == "ceil"            ? Nearest::kCeil
                                             : Nearest::kRoundPreferFloor;
  int64_t stride = 1;
  for (int d = g.rank - 1; d >= 0; --d) {
    g.in[d] = shape[d];
    g.out[d] = plan.output_shape[d];
    g.in_stride[d] = stride;
    stride *= shape[d];
    g.scale[d] = plan.scales[d];
    g.roi_start[d] = plan.roi_start[d];
    g.roi_end[d] = plan.roi_end[d];
  }
  for (int d = 0; d < g.rank; ++d) {
    if (g.in[d] == g.out[d] && g.scale[d] == 1.f && g.coordinate != Coordinate::kTfCropAndResize)
      continue;  // the identity, skipped by the reference too
    if (g.resized_count == (g.linear ? 2 : kMaxDims))
      throw Error(args.node.describe() + ": the CUDA kernel resizes at most 2 dims in linear mode");
    g.resized[g.resized_count++] = d;
  }
  const int64_t n = args.out(0).numel();
  launch(resources(args), n, resize_kernel<T>, device_ptr<T>(x), device_ptr<T>(args.out(0)), n, g);
}

bool resize_supported(const ir::Node& node, const NodeTypes& types, std::string* reason) {
  auto fail = [&](const char* why) {
    if (reason) *reason = why;
    return false;
  };
  for (size_t i = 1; i < 4; ++i)
    if (!input_is_constant(node, i, "the roi, scales and sizes", reason)) return false;
  if (node.attr_int("antialias", 0) != 0) return fail("Resize with antialias is not supported");
  const std::string mode = node.attr_string("mode", "nearest");
  const std::vector<int64_t>& in = types.inputs.at(0).shape;
  const std::vector<int64_t>& out = types.outputs.at(0).shape;
  if (in.size() > kMaxDims) return fail("the CUDA kernel resizes tensors of rank <= 8");
  if (mode == "nearest") return true;
  if (mode != "linear") return fail("the CUDA kernel supports nearest and linear modes");
  const DataType t = types.inputs.at(0).dtype;
  if (t != DataType::kFloat32 && t != DataType::kFloat16)
    return fail("linear Resize needs f32 or f16 data");
  int changed = 0;
  for (size_t d = 0; d < in.size() && d < out.size(); ++d) changed += in[d] != out[d];
  if (changed <= 2) return true;
  return fail("the CUDA kernel resizes at most 2 dims in linear mode");
}

struct ResizeKernel {
  template <DataType D>
  KernelFn operator()(std::integral_constant<DataType, D>) const {
    return resize<device_t<D>>;
  }
};

[[maybe_unused]] const bool kRegistered = [] {
  register_for<DataType::kFloat32, DataType::kFloat16, DataType::kInt8, DataType::kUInt8>(
      "Resize", ResizeKernel{}, resize_supported);
  return true;
}();

}  // namespace
}  // namespace qrt::cuda
