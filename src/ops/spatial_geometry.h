// Window geometry shared by Conv, ConvTranspose and the pooling ops (schemas and kernels):
// kernel, strides, dilations and the resolved begin/end pads of each spatial axis, with
// auto_pad / output_shape already applied, so shape inference and kernels agree by
// construction.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "ir/op_schema.h"

namespace qrt::ops {

// Throws qrt::Error "<op> '<name>': <message>" (what InferContext::fail does, for code that
// runs outside shape inference too).
[[noreturn]] void fail_node(const ir::Node& node, const std::string& message);

struct SpatialGeometry {
  std::vector<int64_t> input;   // spatial dims of the op's input
  std::vector<int64_t> output;  // spatial dims of the op's output
  std::vector<int64_t> kernel;
  std::vector<int64_t> strides;
  std::vector<int64_t> dilations;
  std::vector<int64_t> pads_begin;  // may be negative for ConvTranspose with output_shape
  std::vector<int64_t> pads_end;
  size_t rank() const { return input.size(); }
};

// Conv / MaxPool / AveragePool: output[i] from input[i], the kernel (from the weights for Conv,
// kernel_shape for pooling), strides, dilations, pads, auto_pad and (pooling only) ceil_mode.
SpatialGeometry sliding_window_geometry(const ir::Node& node, std::span<const int64_t> input,
                                        std::vector<int64_t> kernel, bool ceil_mode);

// ConvTranspose: output dims and pads from pads / output_padding / output_shape / auto_pad.
SpatialGeometry conv_transpose_geometry(const ir::Node& node, std::span<const int64_t> input,
                                        std::vector<int64_t> kernel);

// The kernel_shape attribute checked against the weights' spatial dims (Conv, ConvTranspose).
std::vector<int64_t> kernel_from_weights(const ir::Node& node,
                                         std::span<const int64_t> weight_spatial);

// Checks shared by the Conv and ConvTranspose schemas: X has rank >= 3, W the same rank and
// element type, group >= 1. Returns group.
int64_t check_conv_operands(const ir::InferContext& ctx);

// The optional bias (input 2) must be a 1-D tensor of out_channels values.
void check_conv_bias(const ir::InferContext& ctx, int64_t out_channels);

// The output shape (N x M x O1..On) of a Conv-like node from X (input 0) and W (input 1,
// M x C/group x k..), after check_conv_operands and the channel checks.
std::vector<int64_t> conv_output_shape(const ir::InferContext& ctx);
// The same for a ConvTranspose-like node (W: C x M/group x k..).
std::vector<int64_t> conv_transpose_output_shape(const ir::InferContext& ctx);

}  // namespace qrt::ops
