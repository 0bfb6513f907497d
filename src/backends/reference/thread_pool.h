// The reference backend's shared worker threads. Kernels split their work into independent
// tasks whose results do not depend on which thread runs them (each task owns a disjoint part
// of the output and computes it in a fixed order), so outputs are identical for any thread
// count.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace qrt::reference {

class ThreadPool {
 public:
  // The process-wide pool: QRT_THREADS threads if that is set to a positive number, else
  // std::thread::hardware_concurrency().
  static ThreadPool& instance();

  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Threads that work on a job, the caller included.
  int threads() const;
  // Restarts the pool with `threads` threads (at least 1); waits for a running job to finish,
  // so never call it from a task.
  void set_threads(int threads);

  // Runs task(i) for every i in [0, count) and returns when all are done; the first exception
  // a task throws is rethrown here. The caller works too. One job runs at a time: a call made
  // while another job runs (another ExecutionContext's, or from inside a task) runs its tasks
  // on the calling thread alone, so nothing waits for a busy pool.
  void run(int64_t count, const std::function<void(int64_t)>& task);

 private:
  struct Job;
  void start_workers(int threads);
  void stop_workers();
  void worker_loop();
  static void work_on(Job& job);

  std::mutex job_mutex_;  // held by the caller for the whole of a job
  std::mutex mutex_;      // guards the fields below
  std::condition_variable wake_, done_;
  Job* job_ = nullptr;
  uint64_t generation_ = 0;
  int busy_workers_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

// Runs fn(begin, end) over consecutive chunks of [0, count) on the shared pool; chunks hold at
// least `grain` items. The chunking depends on count and grain only, never on the thread count.
template <typename Fn>
void parallel_for(int64_t count, int64_t grain, Fn&& fn) {
  if (count <= 0) return;
  grain = grain < 1 ? 1 : grain;
  const int64_t chunks = (count + grain - 1) / grain;
  if (chunks == 1) {
    fn(int64_t{0}, count);
    return;
  }
  ThreadPool::instance().run(chunks, [&](int64_t c) {
    const int64_t begin = c * grain, end = begin + grain < count ? begin + grain : count;
    fn(begin, end);
  });
}

}  // namespace qrt::reference
