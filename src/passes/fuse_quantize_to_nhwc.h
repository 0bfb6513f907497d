// QuantizeLinear -> Transpose(perm 0,2,3,1) becomes one qrt.QuantizeToNhwc: the INT8 engine's
// input quantization (quant::lower_to_int8's "<input>_quantize") followed by the channels_last
// pass's "<input>_int8:nhwc" Transpose, one pass over memory (read f32 NCHW, write int8 NHWC)
// instead of two.
//
// Fires when the QuantizeLinear quantizes a 4-D f32 value per tensor (constant one-element
// scale, constant one-element int8 zero point) and its output, no graph output, is read only by
// that Transpose. The fused node takes the Transpose's output (name, shape, scales) and the
// QuantizeLinear's inputs and attributes; it is named "<quantize>:nhwc". Run it after
// convert_to_channels_last; the caller re-annotates shapes afterwards.
#pragma once

#include "ir/graph.h"

namespace qrt::passes {

// Returns the number of QuantizeToNhwc nodes made.
int fuse_quantize_to_nhwc(ir::Graph& graph);

}  // namespace qrt::passes
