// Resize: nearest / linear / cubic interpolation of any subset of dims (axes attribute),
// output size from scales (floor(in * scale)) or sizes (with keep_aspect_ratio_policy).
#include "ops/resize.h"

#include <algorithm>
#include <cmath>

#include "ir/op_schema.h"
#include "ops/spatial_geometry.h"

namespace qrt::ops {
namespace {

void check_one_of(const ir::Node& node, const char* attr, const std::string& value,
                  std::initializer_list<const char*> allowed) {
  for (const char* a : allowed)
    if (value == a) return;
  fail_node(node, std::string("unsupported ") + attr + " '" + value + "'");
}

// resolve_resize without the check that empty dims stay empty.
ResizePlan resolve_resize_unchecked(const ir::Node& node, const std::vector<int64_t>& input_shape,
                                    const Tensor* roi, const Tensor* scales, const Tensor* sizes) {
  check_one_of(node, "mode", node.attr_string("mode", "nearest"), {"nearest", "linear", "cubic"});
  check_one_of(node, "coordinate_transformation_mode",
               node.attr_string("coordinate_transformation_mode", "half_pixel"),
               {"half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners",
                "asymmetric", "tf_half_pixel_for_nn", "tf_crop_and_resize"});
  check_one_of(node, "nearest_mode", node.attr_string("nearest_mode", "round_prefer_floor"),
               {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"});
  const std::string policy = node.attr_string("keep_aspect_ratio_policy", "stretch");
  check_one_of(node, "keep_aspect_ratio_policy", policy, {"stretch", "not_larger", "not_smaller"});

  const int64_t rank = static_cast<int64_t>(input_shape.size());
  std::vector<int64_t> axes;
  if (node.has_attr("axes")) {
    std::vector<bool> seen(rank, false);
    for (int64_t a : node.attr_ints("axes")) {
      const int64_t n = a < 0 ? a + rank : a;
      if (n < 0 || n >= rank || seen[n])
        fail_node(node, "axes entry " + std::to_string(a) + " is out of range or repeated");
      seen[n] = true;
      axes.push_back(n);
    }
  } else {
    for (int64_t i = 0; i < rank; ++i) axes.push_back(i);
  }
  const size_t n = axes.size();
  ResizePlan plan{input_shape, std::vector<float>(rank, 1.f), std::vector<float>(rank, 0.f),
                  std::vector<float>(rank, 1.f)};
  if (roi) {
    const std::vector<float> r = roi->to_float_vector();
    if (r.size() != 2 * n)
      fail_node(node, "roi has " + std::to_string(r.size()) + " values, expected " +
                          std::to_string(2 * n));
    for (size_t i = 0; i < n; ++i) {
      plan.roi_start[axes[i]] = r[i];
      plan.roi_end[axes[i]] = r[n + i];
    }
  }
  if ((scales != nullptr) == (sizes != nullptr))
    fail_node(node, "exactly one of scales and sizes must be given");
  if (scales) {
    const std::vector<float> s = scales->to_float_vector();
    if (s.size() != n)
      fail_node(node, "scales has " + std::to_string(s.size()) + " values, expected " +
                          std::to_string(n));
    for (size_t i = 0; i < n; ++i) {
      if (!(s[i] > 0)) fail_node(node, "scales must be positive");
      plan.scales[axes[i]] = s[i];
      plan.output_shape[axes[i]] =
          static_cast<int64_t>(std::floor(static_cast<float>(input_shape[axes[i]]) * s[i]));
    }
    return plan;
  }
  const std::vector<int64_t> sz = sizes->to_int64_vector();
  if (sz.size() != n)
    fail_node(node,
              "sizes has " + std::to_string(sz.size()) + " values, expected " + std::to_string(n));
  for (size_t i = 0; i < n; ++i) {
    if (sz[i] < 0) fail_node(node, "sizes must not be negative");
    plan.output_shape[axes[i]] = sz[i];
    plan.scales[axes[i]] = static_cast<float>(sz[i]) / static_cast<float>(input_shape[axes[i]]);
  }
  if (policy != "stretch" && n > 0) {
    // One scale for all resized axes: the smallest (not_larger) or largest (not_smaller).
    float scale = plan.scales[axes[0]];
    for (int64_t a : axes)
      scale = policy == "not_larger" ? std::min(scale, plan.scales[a])
                                     : std::max(scale, plan.scales[a]);
    for (int64_t a : axes) {
      plan.scales[a] = scale;
      plan.output_shape[a] =
          static_cast<int64_t>(scale * static_cast<float>(input_shape[a]) + 0.5f);
    }
  }
  return plan;
}

}  // namespace

ResizePlan resolve_resize(const ir::Node& node, const std::vector<int64_t>& input_shape,
                          const Tensor* roi, const Tensor* scales, const Tensor* sizes) {
  ResizePlan plan = resolve_resize_unchecked(node, input_shape, roi, scales, sizes);
  for (size_t d = 0; d < input_shape.size(); ++d)
    if (input_shape[d] == 0 && plan.output_shape[d] != 0)
      fail_node(node, "cannot resize the empty dim " + std::to_string(d) + " to " +
                          std::to_string(plan.output_shape[d]));
  return plan;
}

namespace {

// An input that is present and not empty.
const Tensor* given(const ir::InferContext& ctx, size_t i, const char* what) {
  if (!ctx.has_input(i) || shape_numel(ctx.shape(i)) == 0) return nullptr;
  return &ctx.require_value(i, what);
}

void infer_resize(const ir::InferContext& ctx, std::vector<ir::TensorType>& outputs) {
  const std::vector<int64_t>& x = ctx.shape(0);
  if (x.empty()) ctx.fail("input X must have rank >= 1");
  // The roi does not affect the shape: use it only when known, to validate it early.
  const Tensor* roi = ctx.has_input(1) && shape_numel(ctx.shape(1)) > 0 ? ctx.value(1) : nullptr;
  const ResizePlan plan =
      resolve_resize(ctx.node(), x, roi, given(ctx, 2, "scales"), given(ctx, 3, "sizes"));
  outputs[0] = {ctx.dtype(0), plan.output_shape};
}

}  // namespace

QRT_REGISTER_OP("Resize", infer_resize);

}  // namespace qrt::ops
