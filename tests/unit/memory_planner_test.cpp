#include "runtime/memory_planner.h"

#include <gtest/gtest.h>

#include <random>

namespace qrt::runtime {
namespace {

bool overlaps(const BufferRequest& a, const BufferRequest& b) {
  return !(a.last < b.first || b.last < a.first);
}

TEST(MemoryPlanner, ChainReusesBuffers) {
  // A chain a->b->c->d: each buffer lives two steps; only two need to coexist.
  std::vector<BufferRequest> reqs = {{1000, 0, 1}, {1000, 1, 2}, {1000, 2, 3}, {1000, 3, 4}};
  MemoryPlan plan = plan_memory(reqs);
  EXPECT_EQ(plan.unshared_bytes, 4 * 1024u);
  EXPECT_EQ(plan.arena_bytes, 2 * 1024u);
}

TEST(MemoryPlanner, OverlappingLifetimesNeverShareBytes) {
  std::mt19937 gen(7);
  std::uniform_int_distribution<int> step(0, 40);
  std::uniform_int_distribution<size_t> size(1, 5000);
  std::vector<BufferRequest> reqs;
  for (int i = 0; i < 200; ++i) {
    int a = step(gen), b = step(gen);
    reqs.push_back({size(gen), std::min(a, b), std::max(a, b)});
  }
  MemoryPlan plan = plan_memory(reqs);
  for (size_t i = 0; i < reqs.size(); ++i) {
    EXPECT_EQ(plan.offsets[i] % 64, 0u);
    EXPECT_LE(plan.offsets[i] + reqs[i].bytes, plan.arena_bytes);
    for (size_t j = i + 1; j < reqs.size(); ++j) {
      if (!overlaps(reqs[i], reqs[j])) continue;
      const bool disjoint = plan.offsets[i] + reqs[i].bytes <= plan.offsets[j] ||
                            plan.offsets[j] + reqs[j].bytes <= plan.offsets[i];
      EXPECT_TRUE(disjoint) << i << " and " << j;
    }
  }
  EXPECT_LT(plan.arena_bytes, plan.unshared_bytes);
}

}  // namespace
}  // namespace qrt::runtime
