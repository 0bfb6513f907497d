// The NHWC ("channels_last") form of the 4-D conv / pool / normalization family.
//
// A node of these ops with int attribute channels_last=1 reads its activation inputs (X, and a
// Conv's residual R) and writes its output Y as [N, H, W, C] instead of [N, C, H, W]; weights,
// biases, scales and every attribute keep their ONNX meaning (W stays [Cout, Cin/group, kh, kw],
// pads / strides / kernel_shape list H then W). Only 4-D tensors (two spatial axes) have this
// form. The channels_last pass (src/passes/channels_last.h) sets the attribute; schemas and
// reference kernels honour it by viewing the node through its NCHW twin.
//
// A channels_last node may also have nchw_input=1: its X (input 0) is then read as NCHW while
// the rest stays NHWC. The cpu backend sets it on an image's first convolution, whose oneDNN
// kernel reads the plain NCHW image and writes a blocked layout (there is no fast kernel from
// NHWC with 3 channels to a blocked layout).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "ir/graph.h"
#include "ir/op_schema.h"
#include "qrt/tensor.h"

namespace qrt::ops {

inline constexpr const char* kChannelsLastAttr = "channels_last";
// Transpose perms: out dim i = in dim perm[i].
inline constexpr std::array<int64_t, 4> kNchwToNhwc = {0, 2, 3, 1};
inline constexpr std::array<int64_t, 4> kNhwcToNchw = {0, 3, 1, 2};

inline constexpr const char* kNchwInputAttr = "nchw_input";

bool is_channels_last(const ir::Node& node);
// channels_last=1 and nchw_input=1: X (input 0) is NCHW.
bool reads_nchw_input(const ir::Node& node);

// The inputs of `op_type` that are activations in the node's layout (X, and the residual of
// ConvInt8 / ConvTransposeInt8 / FusedConv); empty for ops without a channels_last form.
const std::vector<size_t>& channels_last_inputs(const std::string& op_type);

// A Transpose with perm 0,2,3,1 (NCHW -> NHWC) and one output.
bool is_to_nhwc_transpose(const ir::Node& t);

// out[i] = dims[perm[i]].
std::vector<int64_t> permute_dims(std::span<const int64_t> dims, std::span<const int64_t> perm);
// `in` transposed by `perm` (any rank and dtype) into `out`, which has the permuted shape.
void transpose_into(const Tensor& in, Tensor& out, std::span<const int64_t> perm);
Tensor transpose_tensor(const Tensor& in, std::span<const int64_t> perm);

// Wraps the NCHW shape inference of a channels_last-capable op: with channels_last=1 the
// layout inputs are checked to be 4-D and seen as NCHW (X as it is with nchw_input=1), and
// output 0 comes back as NHWC.
ir::InferFn channels_last_infer(ir::InferFn nchw);

}  // namespace qrt::ops
