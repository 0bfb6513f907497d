// The partitioner: which backend runs each node, and an execution order in which each backend's
// subgraph is one contiguous run (one CUDA graph per GPU subgraph, copies only at borders).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace qrt {

// What the backends of the user's list say about one node: per backend (in list order) whether
// its kernels take the node, and if not, why.
struct NodeSupport {
  std::vector<bool> supported;
  std::vector<std::string> why_not;
};

struct Partition {
  std::vector<size_t> backend;               // per node: index into the backend list
  std::vector<std::string> fallback_reason;  // per node: why not the first backend; "" if it is
  std::vector<ir::Node*> order;              // execution order, each run contiguous
};

// `nodes` in topological order, `support` parallel to it; every node must be supported by some
// backend. Each node goes to the first backend that supports it; same-backend neighbours grow
// into maximal subgraphs, refusing a merge that would leave the subgraph and re-enter it (the
// contracted graph stays acyclic); runs of fewer than `min_subgraph_size` nodes move to their
// nodes' next supporting backend, unless the run is the whole graph.
Partition partition_nodes(const std::vector<ir::Node*>& nodes,
                          const std::vector<NodeSupport>& support,
                          const std::vector<std::string>& backends, int64_t min_subgraph_size);

// Runs of consecutive nodes with the same backend: per node, the index of its run.
std::vector<size_t> subgraph_runs(const std::vector<const ir::Node*>& nodes);

}  // namespace qrt
