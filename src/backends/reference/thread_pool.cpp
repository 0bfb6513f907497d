#include "backends/reference/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <string>

namespace qrt::reference {

struct ThreadPool::Job {
  int64_t count = 0;
  const std::function<void(int64_t)>* task = nullptr;
  std::atomic<int64_t> next{0};
  std::mutex error_mutex;
  std::exception_ptr error;
};

namespace {

int default_threads() {
  if (const char* env = std::getenv("QRT_THREADS")) {
    char* end = nullptr;
    const long n = std::strtol(env, &end, 10);
    if (end != env && *end == '\0' && n > 0) return static_cast<int>(std::min(n, 1024L));
  }
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

// True on the pool's worker threads and on a caller while it runs a job's tasks.
thread_local bool t_inside_job = false;

}  // namespace

ThreadPool& ThreadPool::instance() {
  static ThreadPool pool(default_threads());
  return pool;
}

ThreadPool::ThreadPool(int threads) { start_workers(threads); }

ThreadPool::~ThreadPool() { stop_workers(); }

int ThreadPool::threads() const { return static_cast<int>(workers_.size()) + 1; }

void ThreadPool::set_threads(int threads) {
  std::lock_guard<std::mutex> job_lock(job_mutex_);
  stop_workers();
  start_workers(threads);
}

void ThreadPool::start_workers(int threads) {
  stopping_ = false;
  for (int i = 1; i < std::max(threads, 1); ++i) workers_.emplace_back([this] { worker_loop(); });
}

void ThreadPool::stop_workers() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
  workers_.clear();
}

void ThreadPool::work_on(Job& job) {
  for (int64_t i; (i = job.next.fetch_add(1)) < job.count;) {
    try {
      (*job.task)(i);
    } catch (...) {
      std::lock_guard<std::mutex> lock(job.error_mutex);
      if (!job.error) job.error = std::current_exception();
      job.next = job.count;  // skip the tasks nobody has started
    }
  }
}

void ThreadPool::worker_loop() {
  t_inside_job = true;  // tasks that start jobs of their own run them inline
  uint64_t seen = 0;
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
    if (stopping_) return;
    seen = generation_;
    Job* job = job_;
    if (!job) continue;  // woke after that job ended
    ++busy_workers_;
    lock.unlock();
    work_on(*job);
    lock.lock();
    if (--busy_workers_ == 0) done_.notify_all();
  }
}

void ThreadPool::run(int64_t count, const std::function<void(int64_t)>& task) {
  if (count <= 0) return;
  std::unique_lock<std::mutex> job_lock(job_mutex_, std::defer_lock);
  if (count == 1 || workers_.empty() || t_inside_job || !job_lock.try_lock()) {
    for (int64_t i = 0; i < count; ++i) task(i);
    return;
  }
  Job job;
  job.count = count;
  job.task = &task;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job_ = &job;
    ++generation_;
  }
  wake_.notify_all();
  t_inside_job = true;
  work_on(job);
  t_inside_job = false;
  {
    // Workers that woke for this job leave it before it goes out of scope; those that had not
    // woken yet find no task left once they do.
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [&] { return busy_workers_ == 0; });
    job_ = nullptr;
  }
  if (job.error) std::rethrow_exception(job.error);
}

}  // namespace qrt::reference
