// The reference backend's thread pool: every task once, from concurrent and nested callers,
// errors passed on.
#include "backends/reference/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

namespace qrt {
namespace {

using reference::ThreadPool;

TEST(ThreadPool, RunsEveryTaskOnceFromConcurrentAndNestedCallers) {
  ThreadPool pool(3);
  EXPECT_EQ(pool.threads(), 3);
  std::vector<std::atomic<int>> hits(4 * 50 * 20);
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t)
    callers.emplace_back([&, t] {
      pool.run(50, [&](int64_t i) {
        // A nested job runs inline on this thread.
        pool.run(20, [&](int64_t j) { ++hits[static_cast<size_t>((t * 50 + i) * 20 + j)]; });
      });
    });
  for (auto& c : callers) c.join();
  for (const auto& h : hits) ASSERT_EQ(h.load(), 1);
}

TEST(ThreadPool, RethrowsTheFirstTaskError) {
  ThreadPool pool(2);
  EXPECT_THROW(pool.run(100,
                        [](int64_t i) {
                          if (i == 37) throw std::runtime_error("task 37");
                        }),
               std::runtime_error);
  std::atomic<int> count{0};
  pool.run(10, [&](int64_t) { ++count; });  // still usable
  EXPECT_EQ(count.load(), 10);
}

TEST(ThreadPool, ParallelForChunksByGrain) {
  std::vector<int> owner(1000, -1);
  reference::parallel_for(1000, 64, [&](int64_t begin, int64_t end) {
    EXPECT_EQ(begin % 64, 0);
    EXPECT_LE(end - begin, 64);
    for (int64_t i = begin; i < end; ++i) owner[static_cast<size_t>(i)] = static_cast<int>(begin);
  });
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(owner[static_cast<size_t>(i)], i / 64 * 64);
}

}  // namespace
}  // namespace qrt
