#include "backends/cuda/cuda_timing.h"

#include "backends/cuda/cuda_check.h"

namespace qrt::cuda {
namespace {

struct Event {
  cudaEvent_t event = nullptr;
  Event() { QRT_CUDA_CHECK(cudaEventCreate(&event)); }
  ~Event() { cudaEventDestroy(event); }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
};

}  // namespace

double time_enqueued_ms(cudaStream_t stream, int runs, const std::function<void()>& enqueue) {
  const Event start, stop;
  QRT_CUDA_CHECK(cudaEventRecord(start.event, stream));
  for (int i = 0; i < runs; ++i) enqueue();
  QRT_CUDA_CHECK(cudaEventRecord(stop.event, stream));
  QRT_CUDA_CHECK(cudaEventSynchronize(stop.event));
  float ms = 0;
  QRT_CUDA_CHECK(cudaEventElapsedTime(&ms, start.event, stop.event));
  return runs > 0 ? ms / runs : 0.0;
}

}  // namespace qrt::cuda
