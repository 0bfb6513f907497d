// Conv -> [Add of a same-shape value] -> [Relu | Clip with constant bounds] becomes one
// qrt.FusedConv, so a GPU backend runs the residual and the activation in the convolution's
// epilogue instead of separate passes over memory.
//
// Only float convolutions (f32, f16) are fused: run it after the int8 lowering, which fuses its
// own epilogues into ConvInt8. An intermediate value is fused away only when the next node is
// its sole consumer and it is not a graph output. Values keep their dtype and symbolic shape.
#pragma once

#include "ir/graph.h"

namespace qrt::passes {

// Returns the number of FusedConv nodes made.
int fuse_conv_activation(ir::Graph& graph);

}  // namespace qrt::passes
