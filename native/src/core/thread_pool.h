// One intra-op thread pool for the whole engine, sized by NEURITE_NUM_THREADS (default: hardware threads).
// It is the only source of parallelism: OpenBLAS is kept on one thread and large products are split over this pool
// (cpu/blas.h), so two pools never compete for the same cores.
#pragma once

#include <cstdint>
#include <functional>

namespace nr {

int num_threads();
// Resizes the pool. n < 1 is an InvalidArgument error.
void set_num_threads(int n);

// Runs fn(begin, end) over [0, n) split into at most num_threads() chunks of at least `grain` items. Work smaller
// than two grains runs inline on the calling thread, as does any call made from inside a worker.
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

// Elements below which an elementwise kernel stays on one thread: waking a worker costs a few microseconds.
constexpr int64_t kElementwiseGrain = 32768;

}  // namespace nr
