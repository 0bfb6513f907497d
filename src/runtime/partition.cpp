#include "runtime/partition.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <set>
#include <unordered_map>

#include "qrt/types.h"

namespace qrt {

namespace {

// Subgraphs grown by union-find over the data edges; the contracted graph (one vertex per
// subgraph) is kept explicitly so a merge can be checked for cycles.
class Clusters {
 public:
  Clusters(const std::vector<ir::Node*>& nodes, const std::vector<size_t>& backend)
      : parent_(nodes.size()), succ_(nodes.size()), pred_(nodes.size()) {
    std::iota(parent_.begin(), parent_.end(), size_t{0});
    std::unordered_map<const ir::Node*, size_t> index;
    for (size_t i = 0; i < nodes.size(); ++i) index[nodes[i]] = i;
    std::vector<std::pair<size_t, size_t>> edges;
    for (size_t i = 0; i < nodes.size(); ++i)
      for (const ir::Value* in : nodes[i]->inputs) {
        if (!in || !in->producer) continue;
        auto it = index.find(in->producer);
        if (it == index.end() || it->second == i) continue;
        succ_[it->second].insert(i);
        pred_[i].insert(it->second);
        edges.emplace_back(it->second, i);
      }
    // Edges in the order of their consumers: subgraphs grow along the topological order.
    for (const auto& [from, to] : edges)
      if (backend[from] == backend[to]) try_merge(find(from), find(to));
  }

  size_t find(size_t i) {
    while (parent_[i] != i) i = parent_[i] = parent_[parent_[i]];
    return i;
  }
  const std::set<size_t>& successors(size_t root) const { return succ_[root]; }
  const std::set<size_t>& predecessors(size_t root) const { return pred_[root]; }

 private:
  // Merging a into b's subgraph (a -> b is an edge) makes a cycle iff b is also reachable from
  // a through some third subgraph: that path would leave the merged subgraph and re-enter it.
  bool reachable_other_than_directly(size_t a, size_t b) const {
    std::vector<size_t> stack;
    std::set<size_t> seen;
    for (size_t s : succ_[a])
      if (s != b) stack.push_back(s), seen.insert(s);
    while (!stack.empty()) {
      const size_t c = stack.back();
      stack.pop_back();
      if (c == b) return true;
      for (size_t s : succ_[c])
        if (seen.insert(s).second) stack.push_back(s);
    }
    return false;
  }

  void try_merge(size_t a, size_t b) {
    if (a == b || reachable_other_than_directly(a, b)) return;
    // b joins a: a takes b's neighbours, and they point at a instead of b.
    parent_[b] = a;
    for (size_t s : succ_[b]) {
      pred_[s].erase(b);
      if (s != a) pred_[s].insert(a), succ_[a].insert(s);
    }
    for (size_t p : pred_[b]) {
      succ_[p].erase(b);
      if (p != a) succ_[p].insert(a), pred_[a].insert(p);
    }
    succ_[a].erase(b);
    pred_[a].erase(b);
    succ_[b].clear();
    pred_[b].clear();
  }

  std::vector<size_t> parent_;
  std::vector<std::set<size_t>> succ_, pred_;
};

// The subgraphs in a topological order of the contracted graph, preferring to continue with
// the backend just emitted (fewer borders), then the earliest node; nodes keep their order
// inside a subgraph.
std::vector<size_t> order_by_subgraph(Clusters& clusters, const std::vector<size_t>& backend) {
  const size_t n = backend.size();
  std::map<size_t, std::vector<size_t>> members;  // root -> nodes, ascending
  for (size_t i = 0; i < n; ++i) members[clusters.find(i)].push_back(i);
  std::map<size_t, size_t> pending;
  for (const auto& [root, list] : members) pending[root] = clusters.predecessors(root).size();
  std::set<size_t> ready;  // roots, ordered by their first node
  auto first_node = [&](size_t root) { return members.at(root).front(); };
  std::map<size_t, size_t> root_of_first;
  for (const auto& [root, list] : members) {
    root_of_first[list.front()] = root;
    if (pending[root] == 0) ready.insert(list.front());
  }
  std::vector<size_t> order;
  size_t last_backend = n == 0 ? 0 : backend[0];
  while (!ready.empty()) {
    auto pick = std::find_if(ready.begin(), ready.end(),
                             [&](size_t first) { return backend[first] == last_backend; });
    if (pick == ready.end()) pick = ready.begin();
    const size_t root = root_of_first.at(*pick);
    ready.erase(pick);
    const auto& list = members.at(root);
    order.insert(order.end(), list.begin(), list.end());
    last_backend = backend[list.front()];
    for (size_t s : clusters.successors(root))
      if (--pending[s] == 0) ready.insert(first_node(s));
  }
  if (order.size() != n) throw Error("partitioner: the subgraphs form a cycle (internal error)");
  return order;
}

}  // namespace

std::vector<size_t> subgraph_runs(const std::vector<const ir::Node*>& nodes) {
  std::vector<size_t> run(nodes.size(), 0);
  for (size_t i = 1; i < nodes.size(); ++i)
    run[i] = run[i - 1] + (nodes[i]->backend != nodes[i - 1]->backend ? 1 : 0);
  return run;
}

Partition partition_nodes(const std::vector<ir::Node*>& nodes,
                          const std::vector<NodeSupport>& support,
                          const std::vector<std::string>& backends, int64_t min_subgraph_size) {
  const size_t n = nodes.size();
  Partition p;
  p.backend.assign(n, 0);
  p.fallback_reason.assign(n, "");
  for (size_t i = 0; i < n; ++i) {
    const NodeSupport& s = support[i];
    size_t b = 0;
    while (b < backends.size() && !s.supported[b]) {
      p.fallback_reason[i] += (p.fallback_reason[i].empty() ? "" : "; ") + s.why_not[b];
      ++b;
    }
    if (b == backends.size())
      throw Error(nodes[i]->describe() + ": no backend supports it (internal error)");
    p.backend[i] = b;
  }
  auto next_supporting = [&](size_t i) {
    size_t b = p.backend[i] + 1;
    while (b < backends.size() && !support[i].supported[b]) ++b;
    return b;
  };
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  // Moving a short run can let runs around it merge, so partition again until nothing moves;
  // nodes only move down the list, so this ends.
  for (bool moved = true; moved;) {
    moved = false;
    Clusters clusters(nodes, p.backend);
    order = order_by_subgraph(clusters, p.backend);
    // Runs in the new order.
    std::vector<std::pair<size_t, size_t>> runs;  // [begin, end) into order
    for (size_t k = 0; k < n; ++k)
      if (k == 0 || p.backend[order[k]] != p.backend[order[k - 1]])
        runs.emplace_back(k, k + 1);
      else
        runs.back().second = k + 1;
    if (runs.size() <= 1) break;  // one subgraph: no borders to save
    auto movable = [&](size_t begin, size_t end) {
      if (static_cast<int64_t>(end - begin) >= min_subgraph_size) return false;
      for (size_t k = begin; k < end; ++k)
        if (next_supporting(order[k]) == backends.size()) return false;
      return true;
    };
    // The most preferred backend decides first: its short runs move, and the runs they join
    // are judged again in the next round, at their new length.
    size_t level = backends.size();
    for (const auto& [begin, end] : runs)
      if (movable(begin, end)) level = std::min(level, p.backend[order[begin]]);
    for (const auto& [begin, end] : runs) {
      if (p.backend[order[begin]] != level || !movable(begin, end)) continue;
      const size_t length = end - begin;
      const std::string why = "run of " + std::to_string(length) + " node" +
                              (length == 1 ? "" : "s") + " on " + backends[level] +
                              " is shorter than --min-subgraph-size " +
                              std::to_string(min_subgraph_size);
      for (size_t k = begin; k < end; ++k) {
        const size_t i = order[k];
        p.fallback_reason[i] += (p.fallback_reason[i].empty() ? "" : "; ") + why;
        p.backend[i] = next_supporting(i);
      }
      moved = true;
    }
  }
  for (size_t k : order) p.order.push_back(nodes[k]);
  return p;
}

}  // namespace qrt
