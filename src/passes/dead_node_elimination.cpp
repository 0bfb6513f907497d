#include <unordered_set>

#include "passes/pass.h"

namespace qrt::passes {

PassResult dead_node_elimination(ir::Graph& graph) {
  // Walk backwards from the graph outputs through producers.
  std::unordered_set<const ir::Node*> live;
  std::vector<const ir::Value*> pending(graph.outputs.begin(), graph.outputs.end());
  while (!pending.empty()) {
    const ir::Value* v = pending.back();
    pending.pop_back();
    if (!v || !v->producer || !live.insert(v->producer).second) continue;
    for (const ir::Value* in : v->producer->inputs) pending.push_back(in);
  }
  PassResult result;
  for (ir::Node* node : graph.nodes()) {
    if (live.count(node)) continue;
    graph.remove_node(node);
    ++result.rewrites;
  }
  graph.remove_unused_values();
  result.changed = result.rewrites > 0;
  return result;
}

}  // namespace qrt::passes
