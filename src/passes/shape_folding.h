// Resolves the Shape -> Gather / Slice chains PyTorch exports emit, using the symbolic shapes
// filled in before the passes run: a chain that reads only static dimensions is a constant
// even though the tensor it measures is not.
#pragma once

#include "ir/graph.h"

namespace qrt::passes {

// Replaces `node` (Shape, or Gather / Slice reading a Shape's output) by a constant when the
// dimensions it yields are static; returns whether it did.
bool fold_shape_node(ir::Graph& graph, ir::Node* node);

}  // namespace qrt::passes
