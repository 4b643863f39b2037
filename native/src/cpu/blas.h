// Every matrix product the CPU kernels hand to BLAS goes through here.
//
// OpenBLAS is kept on one thread for the life of the process (the thread pool sets that when it starts), and a product
// large enough to share is split here into panels of C that run on the engine's own pool, each a single-threaded
// gemm. Letting OpenBLAS thread its own gemms meant two pools on the same cores: after each threaded gemm, OpenBLAS's
// workers busy-wait for the next one (about 2^28 cycles by default), so while the engine's pool ran the conv kernels
// that came next, a spinning OpenBLAS thread held one of the two cores (a third of a CNN epoch's CPU time was that
// spin loop). With a single pool, nothing spins and nothing oversubscribes.
#pragma once

#include <cstdint>

namespace nr::cpu {

// Row-major C[m, n] = op(A)·op(B) + beta·C, where op(A) is [m, k] (A stored [k, m] with row stride lda when
// trans_a) and op(B) is [k, n] (B stored [n, k] when trans_b). Any dimension may be 0 (k = 0 gives beta·C).
// A dimension or leading dimension beyond 2^31-1 is an Unsupported error naming `op`.
void gemm(const char* op, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc);
void gemm(const char* op, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const double* a, int64_t lda,
          const double* b, int64_t ldb, double beta, double* c, int64_t ldc);

// Products of fewer floating-point operations than this per panel stay whole: a panel must be worth waking a worker.
// Measured on the 2-core VM this was tuned on, where a wake-up crosses the hypervisor: with 2^21 the MLP's 6.4 MFLOP
// products split in two and a W1 epoch at 2 threads took 1.16-1.25 s against 0.74-0.80 s at 1 thread.
constexpr int64_t kGemmFlopsPerPanel = int64_t(1) << 23;

}  // namespace nr::cpu
