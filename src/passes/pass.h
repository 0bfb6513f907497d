// Graph rewrites run by the builder before planning. Each pass is one small rule; the pipeline
// runs them to a fixed point.
//
// Passes rely on every value's dtype and symbolic shape being filled in (the builder's
// symbolic shape inference does this; graph inputs and initializers always have them), and
// keep graph input and output names stable.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "ir/graph.h"

namespace qrt::passes {

struct PassResult {
  bool changed = false;
  int rewrites = 0;
};

// Drops Identity nodes and Dropout nodes whose mask output is unused.
PassResult remove_identity(ir::Graph& graph);
// Evaluates foldable nodes whose inputs are all constants, turns Constant nodes into constant
// values and resolves Shape/Gather/Slice chains over static dimensions.
PassResult constant_folding(ir::Graph& graph);
// Merges a BatchNormalization into the Conv / ConvTranspose feeding it.
PassResult fold_batchnorm_into_conv(ir::Graph& graph);
// Removes nodes that contribute to no graph output, then values nothing uses.
PassResult dead_node_elimination(ir::Graph& graph);

struct PassStats {
  std::vector<std::pair<std::string, int>> rewrites_per_pass;
};

// Runs the default passes until none changes the graph (at most kMaxPassRounds rounds), then
// sorts the nodes topologically.
inline constexpr int kMaxPassRounds = 8;
PassStats run_default_passes(ir::Graph& graph);

}  // namespace qrt::passes
