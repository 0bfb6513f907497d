// Timing of enqueued GPU work with CUDA events, for build-time tactic selection (and tests).
#pragma once

#include <cuda_runtime.h>

#include <functional>

namespace qrt::cuda {

// Milliseconds per call of `runs` calls of enqueue() on `stream`, measured between two events
// (waits for them; the caller does any warm-up first).
double time_enqueued_ms(cudaStream_t stream, int runs, const std::function<void()>& enqueue);

}  // namespace qrt::cuda
