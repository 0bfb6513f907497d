#include <iterator>

#include "passes/pass.h"

namespace qrt::passes {

PassStats run_default_passes(ir::Graph& graph) {
  using PassFn = PassResult (*)(ir::Graph&);
  const std::pair<const char*, PassFn> passes[] = {
      {"constant_folding", constant_folding},
      {"remove_identity", remove_identity},
      {"fold_batchnorm_into_conv", fold_batchnorm_into_conv},
      {"dead_node_elimination", dead_node_elimination},
  };
  PassStats stats;
  for (const auto& [name, fn] : passes) stats.rewrites_per_pass.emplace_back(name, 0);
  // Sorted first so constant folding resolves whole chains in one sweep.
  graph.topological_sort();
  for (int round = 0; round < kMaxPassRounds; ++round) {
    bool changed = false;
    for (size_t i = 0; i < std::size(passes); ++i) {
      const PassResult r = passes[i].second(graph);
      stats.rewrites_per_pass[i].second += r.rewrites;
      changed = changed || r.changed;
    }
    if (!changed) break;
  }
  graph.topological_sort();
  return stats;
}

}  // namespace qrt::passes
