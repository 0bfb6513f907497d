// The NHWC ("channels_last") graph form, for backends whose convolutions run NHWC (tensor cores).
//
// Every 4-D node of the conv / pool / normalization family (ops::channels_last_inputs) gets
// channels_last=1 (src/ops/channels_last.h says what it means), and layout-agnostic ops between
// them (elementwise ops, Concat, Split, Slice, Softmax, Reduce*, Resize, Pad, Q/DQ ...) are
// carried along with their axes, pads and constant operands permuted, so activations stay NHWC
// from layer to layer. Where an NHWC value meets an op that stays NCHW (Flatten, Reshape, Gemm,
// a graph output ...) a Transpose(perm 0,3,1,2) named "<value>:nchw" is inserted, and where an
// NCHW value (a graph input, an unconverted op's output) feeds a converted op a
// Transpose(perm 0,2,3,1) named "<value>:nhwc"; each is shared by all consumers of that layout.
// Converted values keep their names (and quantization scales); a graph output keeps its name
// and NCHW layout, the NHWC value feeding its Transpose being "<output>:nhwc". Adjacent inverse
// Transposes cancel.
//
// Needs every value's symbolic shape (as the other passes); the caller re-annotates shapes
// afterwards.
#pragma once

#include "ir/graph.h"

namespace qrt::passes {

// Returns the number of nodes converted to NHWC (0: the graph is unchanged).
int convert_to_channels_last(ir::Graph& graph);

}  // namespace qrt::passes
