// Activation memory planning by liveness: buffers whose lifetimes do not overlap share bytes.
#pragma once

#include <cstddef>
#include <vector>

namespace qrt::runtime {

// A buffer needed from step `first` to step `last` (inclusive, in node execution order).
struct BufferRequest {
  size_t bytes = 0;
  int first = 0;
  int last = 0;
};

struct MemoryPlan {
  std::vector<size_t> offsets;  // one per request, aligned
  size_t arena_bytes = 0;       // the arena that holds them all
  size_t unshared_bytes = 0;    // the sum of all (aligned) requests: the arena without reuse
};

// Greedy by size (largest first, lowest fitting offset among lifetime-overlapping buffers):
// simple and within a few percent of optimal on CNNs.
MemoryPlan plan_memory(const std::vector<BufferRequest>& requests, size_t alignment = 64);

}  // namespace qrt::runtime
