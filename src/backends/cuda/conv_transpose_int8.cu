// CUDA qrt.ConvTransposeInt8 in NHWC (channels_last = 1): each output element gathers the
// inputs its taps reach (int8_gemm.h), then the int8 epilogue. W stays [c, k/g, kh, kw].
#include <algorithm>
#include <string>
#include <vector>

#include "backends/cuda/int8_gemm.h"
#include "ops/spatial_geometry.h"

namespace qrt::cuda {
namespace {

bool supports_conv_transpose_int8(const ir::Node& node, const NodeTypes& types,
                                  std::string* reason) {
  return int8_conv_form_supported(node, types, "transposed convolution", reason);
}

// X [n, h, w, c] and W [c, k/g, kh, kw].
Int8ConvShape conv_transpose_shape(const ir::Node& node, const std::vector<int64_t>& x,
                                   const std::vector<int64_t>& w) {
  const std::vector<int64_t> spatial{x[1], x[2]};
  const ops::SpatialGeometry g = ops::conv_transpose_geometry(
      node, spatial, ops::kernel_from_weights(node, std::vector<int64_t>{w[2], w[3]}));
  Int8ConvShape s;
  s.n = x[0];
  s.h = x[1];
  s.w = x[2];
  s.c = x[3];
  s.group = node.attr_int("group", 1);
  s.k = w[1] * s.group;
  s.out_h = g.output[0];
  s.out_w = g.output[1];
  s.kernel_h = w[2];
  s.kernel_w = w[3];
  s.stride_h = g.strides[0];
  s.stride_w = g.strides[1];
  s.pad_h = g.pads_begin[0];
  s.pad_w = g.pads_begin[1];
  s.dilation_h = g.dilations[0];
  s.dilation_w = g.dilations[1];
  return s;
}

void conv_transpose_int8(const KernelArgs& args) {
  const Int8ConvShape s = conv_transpose_shape(args.node, args.in(0).shape(), args.in(1).shape());
  const std::vector<int64_t> expected{s.n, s.out_h, s.out_w, s.k};
  if (args.out(0).shape() != expected)
    throw Error(args.node.describe() + ": the output " + shape_to_string(args.out(0).shape()) +
                " is not the NHWC shape " + shape_to_string(expected));
  // The tuned tactic; untuned (or tuned for a shape it does not fit): phases where they fit,
  // 7-25x faster than the gather on the U-Net's 2x2 stride-2 upsampling (CudaInt8Bench, H200).
  const std::vector<std::string> fitting = conv_transpose_int8_tactics(s);
  std::string tactic = fitting.size() > 1 ? "phases" : "";
  if (std::find(fitting.begin(), fitting.end(), args.node.tactic) != fitting.end())
    tactic = args.node.tactic;
  conv_transpose_int8_nhwc(s, args.in(0).data_as<int8_t>(), args.in(1).data_as<int8_t>(),
                           int8_epilogue(args, "x_scale"), tactic, resources(args));
}

std::string tune_conv_transpose_int8_node(const ir::Node& node, const NodeTypes& types,
                                          const void* resources) {
  const Int8ConvShape s = conv_transpose_shape(node, types.inputs[0].shape, types.inputs[1].shape);
  const Int8Epilogue form = int8_epilogue_form(node, types);
  return tune_conv_transpose_int8(s, *static_cast<const Resources*>(resources), &form);
}

}  // namespace

QRT_REGISTER_KERNEL("ConvTransposeInt8", "cuda", DataType::kInt8, conv_transpose_int8,
                    supports_conv_transpose_int8, tune_conv_transpose_int8_node);

}  // namespace qrt::cuda
