// The optimisation step of the builder: graph passes in a fixed order.
#pragma once

#include "ir/graph.h"

namespace qrt {

void optimize_graph(ir::Graph& graph);

}  // namespace qrt
