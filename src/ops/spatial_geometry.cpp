#include "ops/spatial_geometry.h"

#include <algorithm>

namespace qrt::ops {

void fail_node(const ir::Node& node, const std::string& message) {
  throw Error(node.describe() + ": " + message);
}

namespace {

std::string ints_to_string(const std::vector<int64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

// An int list attribute of one value per spatial axis (default `fill` each), all >= min_value.
std::vector<int64_t> per_axis_attr(const ir::Node& node, const char* name, size_t rank,
                                   int64_t fill, int64_t min_value) {
  std::vector<int64_t> v = node.attr_ints(name, std::vector<int64_t>(rank, fill));
  if (v.size() != rank)
    fail_node(node, std::string(name) + " " + ints_to_string(v) + " must have " +
                        std::to_string(rank) + " values (one per spatial axis)");
  for (int64_t x : v)
    if (x < min_value)
      fail_node(node, std::string(name) + " " + ints_to_string(v) +
                          " must be >= " + std::to_string(min_value));
  return v;
}

// Floor division (Python's //), for pads that may be negative.
int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

SpatialGeometry common_geometry(const ir::Node& node, std::span<const int64_t> input,
                                std::vector<int64_t> kernel) {
  SpatialGeometry g;
  const size_t rank = input.size();
  g.input.assign(input.begin(), input.end());
  if (kernel.size() != rank)
    fail_node(node, "kernel " + ints_to_string(kernel) + " must have " + std::to_string(rank) +
                        " values (one per spatial axis)");
  for (int64_t k : kernel)
    if (k < 1) fail_node(node, "kernel " + ints_to_string(kernel) + " must be positive");
  g.kernel = std::move(kernel);
  g.strides = per_axis_attr(node, "strides", rank, 1, 1);
  g.dilations = per_axis_attr(node, "dilations", rank, 1, 1);
  g.pads_begin.assign(rank, 0);
  g.pads_end.assign(rank, 0);
  g.output.assign(rank, 0);
  return g;
}

// Explicit pads ([begin..., end...]) from the attribute; only used when auto_pad is NOTSET.
void read_pads(const ir::Node& node, SpatialGeometry& g) {
  const size_t rank = g.rank();
  const std::vector<int64_t> pads = node.attr_ints("pads", std::vector<int64_t>(2 * rank, 0));
  if (pads.size() != 2 * rank)
    fail_node(node, "pads " + ints_to_string(pads) + " must have " + std::to_string(2 * rank) +
                        " values (begin and end of each spatial axis)");
  for (int64_t p : pads)
    if (p < 0) fail_node(node, "pads " + ints_to_string(pads) + " must not be negative");
  for (size_t i = 0; i < rank; ++i) {
    g.pads_begin[i] = pads[i];
    g.pads_end[i] = pads[rank + i];
  }
}

// Splits a total pad: SAME_UPPER puts the odd extra at the end, everything else at the start.
void split_pad(bool upper, int64_t total, int64_t& begin, int64_t& end) {
  if (upper) {
    begin = floor_div(total, 2);
    end = total - begin;
  } else {
    end = floor_div(total, 2);
    begin = total - end;
  }
}

std::string auto_pad_of(const ir::Node& node) {
  std::string auto_pad = node.attr_string("auto_pad", "NOTSET");
  if (auto_pad != "NOTSET" && auto_pad != "VALID" && auto_pad != "SAME_UPPER" &&
      auto_pad != "SAME_LOWER")
    fail_node(node, "unknown auto_pad '" + auto_pad + "'");
  return auto_pad;
}

}  // namespace

std::vector<int64_t> kernel_from_weights(const ir::Node& node,
                                         std::span<const int64_t> weight_spatial) {
  std::vector<int64_t> kernel(weight_spatial.begin(), weight_spatial.end());
  if (node.has_attr("kernel_shape") && node.attr_ints("kernel_shape") != kernel)
    fail_node(node, "kernel_shape " + ints_to_string(node.attr_ints("kernel_shape")) +
                        " does not match the weights' spatial dims " + ints_to_string(kernel));
  return kernel;
}

SpatialGeometry sliding_window_geometry(const ir::Node& node, std::span<const int64_t> input,
                                        std::vector<int64_t> kernel, bool ceil_mode) {
  SpatialGeometry g = common_geometry(node, input, std::move(kernel));
  const std::string auto_pad = auto_pad_of(node);
  if (auto_pad == "NOTSET") read_pads(node, g);
  for (size_t i = 0; i < g.rank(); ++i) {
    const int64_t in = g.input[i], s = g.strides[i];
    const int64_t window = (g.kernel[i] - 1) * g.dilations[i] + 1;
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      g.output[i] = (in + s - 1) / s;
      const int64_t total = std::max<int64_t>(0, (g.output[i] - 1) * s + window - in);
      split_pad(auto_pad == "SAME_UPPER", total, g.pads_begin[i], g.pads_end[i]);
      continue;
    }
    // NOTSET (explicit pads) or VALID (no pads); ceil_mode only applies to explicit pads.
    const int64_t span = in + g.pads_begin[i] + g.pads_end[i] - window;
    if (span < 0)
      fail_node(node, "the window (" + std::to_string(window) +
                          " after dilation) is larger than "
                          "the padded input (" +
                          std::to_string(in + g.pads_begin[i] + g.pads_end[i]) +
                          ") on spatial axis " + std::to_string(i));
    if (ceil_mode && auto_pad == "NOTSET") {
      g.output[i] = (span + s - 1) / s + 1;
      // A last window starting in the end padding is dropped (PyTorch's rule, per the spec).
      if ((g.output[i] - 1) * s >= in + g.pads_begin[i]) --g.output[i];
    } else {
      g.output[i] = span / s + 1;
    }
  }
  return g;
}

SpatialGeometry conv_transpose_geometry(const ir::Node& node, std::span<const int64_t> input,
                                        std::vector<int64_t> kernel) {
  SpatialGeometry g = common_geometry(node, input, std::move(kernel));
  const size_t rank = g.rank();
  const std::string auto_pad = auto_pad_of(node);
  const std::vector<int64_t> output_padding = per_axis_attr(node, "output_padding", rank, 0, 0);
  std::vector<int64_t> output_shape = node.attr_ints("output_shape");
  // Some exporters give output_shape with the batch and channel dims too.
  if (output_shape.size() == rank + 2)
    output_shape.erase(output_shape.begin(), output_shape.begin() + 2);
  if (!output_shape.empty() && output_shape.size() != rank)
    fail_node(node, "output_shape " + ints_to_string(output_shape) + " must have " +
                        std::to_string(rank) + " values (one per spatial axis)");
  const bool same = auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER";
  if (output_shape.empty() && auto_pad == "NOTSET") read_pads(node, g);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t full = g.strides[i] * (g.input[i] - 1) + output_padding[i] +
                         (g.kernel[i] - 1) * g.dilations[i] + 1;
    if (!output_shape.empty() || same) {
      // Pads are derived from the requested output size.
      g.output[i] = !output_shape.empty() ? output_shape[i] : g.input[i] * g.strides[i];
      split_pad(auto_pad == "SAME_UPPER", full - g.output[i], g.pads_begin[i], g.pads_end[i]);
    } else {
      g.output[i] = full - g.pads_begin[i] - g.pads_end[i];
    }
    if (g.output[i] < 1)
      fail_node(node, "output size " + std::to_string(g.output[i]) + " on spatial axis " +
                          std::to_string(i) + " is not positive");
  }
  return g;
}

int64_t check_conv_operands(const ir::InferContext& ctx) {
  const auto& x = ctx.shape(0);
  const std::vector<int64_t> w = ir::logical_weights_shape(ctx);
  if (x.size() < 3)
    ctx.fail("input X must have rank >= 3 (N x C x spatial dims), got " + shape_to_string(x));
  if (w.size() != x.size())
    ctx.fail("weights W " + shape_to_string(w) + " must have the same rank as X " +
             shape_to_string(x));
  if (ctx.dtype(1) != ctx.dtype(0))
    ctx.fail("X and W have different element types (" + std::string(dtype_name(ctx.dtype(0))) +
             " vs " + std::string(dtype_name(ctx.dtype(1))) + ")");
  const int64_t group = ctx.node().attr_int("group", 1);
  if (group < 1) ctx.fail("group must be >= 1, got " + std::to_string(group));
  return group;
}

void check_conv_bias(const ir::InferContext& ctx, int64_t out_channels) {
  if (!ctx.has_input(2)) return;
  if (ctx.dtype(2) != ctx.dtype(0)) ctx.fail("bias B has a different element type than X");
  if (ctx.shape(2) != std::vector<int64_t>{out_channels})
    ctx.fail("bias B " + shape_to_string(ctx.shape(2)) + " must have shape [" +
             std::to_string(out_channels) + "] (one value per output channel)");
}

std::vector<int64_t> conv_output_shape(const ir::InferContext& ctx) {
  const int64_t group = check_conv_operands(ctx);
  const std::vector<int64_t>& x = ctx.shape(0);
  const std::vector<int64_t> w = ir::logical_weights_shape(ctx);
  if (x[1] != w[1] * group)
    ctx.fail("input has " + std::to_string(x[1]) + " channels but W " + shape_to_string(w) +
             " with group " + std::to_string(group) + " expects " + std::to_string(w[1] * group));
  if (w[0] % group != 0)
    ctx.fail("W has " + std::to_string(w[0]) + " output channels, not divisible by group " +
             std::to_string(group));
  const std::span<const int64_t> w_spatial(w.begin() + 2, w.end());
  const SpatialGeometry g =
      sliding_window_geometry(ctx.node(), std::span<const int64_t>(x.begin() + 2, x.end()),
                              kernel_from_weights(ctx.node(), w_spatial), false);
  std::vector<int64_t> shape{x[0], w[0]};
  shape.insert(shape.end(), g.output.begin(), g.output.end());
  return shape;
}

std::vector<int64_t> conv_transpose_output_shape(const ir::InferContext& ctx) {
  const int64_t group = check_conv_operands(ctx);
  const std::vector<int64_t>& x = ctx.shape(0);
  const std::vector<int64_t>& w = ctx.shape(1);
  if (x[1] != w[0])
    ctx.fail("input has " + std::to_string(x[1]) + " channels but W " + shape_to_string(w) +
             " expects " + std::to_string(w[0]));
  if (x[1] % group != 0)
    ctx.fail("input channels " + std::to_string(x[1]) + " are not divisible by group " +
             std::to_string(group));
  const std::span<const int64_t> w_spatial(w.begin() + 2, w.end());
  const SpatialGeometry g =
      conv_transpose_geometry(ctx.node(), std::span<const int64_t>(x.begin() + 2, x.end()),
                              kernel_from_weights(ctx.node(), w_spatial));
  std::vector<int64_t> shape{x[0], w[1] * group};
  shape.insert(shape.end(), g.output.begin(), g.output.end());
  return shape;
}

}  // namespace qrt::ops
