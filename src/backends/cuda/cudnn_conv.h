// Conv, qrt.FusedConv and ConvTranspose through cuDNN's legacy convolution API, in f32 and f16,
// NCHW (channels_last=0) or NHWC (channels_last=1), 1-D and 2-D.
//
// Tactics: "algo=<cudnn algo>,math=<cudnnMathType_t>", chosen at build time by timing every
// algorithm cuDNN's heuristics offer that fits the workspace; an empty tactic takes the first
// heuristic choice that runs. FP32 never uses TF32 unless Resources::allow_tf32; f16 runs on
// tensor cores with f32 accumulation.
//
// Weights: W keeps its logical shape ([out, in/group, kh, kw] for Conv, [in, out/group, kh, kw]
// for ConvTranspose) because shape inference reruns on the built graph; with the attribute
// weight_layout="OHWI" (set by the cuda backend pass "conv_weights_ohwi" for channels_last nodes)
// its bytes are in [d0, kh, kw, d1] order, the filter layout cuDNN's NHWC kernels read.
#pragma once

#include <string>

#include "backends/kernel_registry.h"

namespace qrt::cuda {

enum class ConvOp { kConv, kFusedConv, kConvTranspose };

// Support predicate of the cuDNN convolution kernels (says why not in *reason).
bool cudnn_conv_supported(ConvOp op, const ir::Node& node, const NodeTypes& types,
                          std::string* reason);
// Runs the node with the tactic in node.tactic (empty: cuDNN's heuristic choice).
void cudnn_conv_run(ConvOp op, const KernelArgs& args);
// Times the candidate algorithms on random data and returns the fastest as a tactic.
std::string cudnn_conv_tune(ConvOp op, const ir::Node& node, const NodeTypes& types,
                            const void* resources);

// Registers the f32 and f16 kernels of `op_type` (returns a dummy for static initialisation).
int register_cudnn_conv(const char* op_type, ConvOp op);

}  // namespace qrt::cuda
