// Build-time weight repacking for the CUDA int8 ops (backend passes): the repacked tensor keeps
// the input's logical shape, so shape inference is unchanged; the attribute weight_layout tells
// the kernel the order of its data.
#pragma once

#include <string>

#include "ir/graph.h"

namespace qrt::cuda {

// Points input `index` of `node` at a new constant holding `packed` and sets weight_layout =
// `layout`; the old constant goes once nothing else uses it.
void replace_weights(ir::Graph& graph, ir::Node& node, size_t index, Tensor packed,
                     const std::string& layout);

}  // namespace qrt::cuda
