#include "runtime/optimize.h"

#include "passes/pass.h"

namespace qrt {

void optimize_graph(ir::Graph& graph) { passes::run_default_passes(graph); }

}  // namespace qrt
