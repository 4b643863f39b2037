#include "cpu/blas.h"

#include <cblas.h>

#include <algorithm>
#include <climits>

#include "core/thread_pool.h"
#include "neurite/error.hpp"

namespace nr::cpu {
namespace {

void cblas_gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, blasint m, blasint n, blasint k, const float* a, blasint lda,
                const float* b, blasint ldb, float beta, float* c, blasint ldc) {
  cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc);
}
void cblas_gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, blasint m, blasint n, blasint k, const double* a, blasint lda,
                const double* b, blasint ldb, double beta, double* c, blasint ldc) {
  cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, 1.0, a, lda, b, ldb, beta, c, ldc);
}

blasint dim(const char* op, int64_t v) {
  if (v > INT_MAX) fail(Status::Unsupported, op, ": a matrix dimension of ", v, " exceeds the 2^31-1 that BLAS indexes");
  return static_cast<blasint>(v);
}

// Panels are whole multiples of this many rows or columns (OpenBLAS's register tiles are 16 and 8 wide for float on
// AVX2/AVX-512, 8 and 4 for double), so no panel ends in a ragged tile that a whole product would not have had.
constexpr int64_t kPanelAlign = 16;

template <class T>
void gemm_impl(const char* op, bool ta, bool tb, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b,
               int64_t ldb, T beta, T* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) {  // an empty sum: BLAS need not accept K = 0
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = beta == T(0) ? T(0) : beta * c[i * ldc + j];
    return;
  }
  // The pool set OpenBLAS to one thread when it started; another library in the process may have changed that since,
  // and threaded gemms inside the panels would oversubscribe the cores again.
  if (openblas_get_num_threads() != 1) openblas_set_num_threads(1);
  const CBLAS_TRANSPOSE cta = ta ? CblasTrans : CblasNoTrans, ctb = tb ? CblasTrans : CblasNoTrans;
  const blasint bk = dim(op, k), blda = dim(op, lda), bldb = dim(op, ldb), bldc = dim(op, ldc);
  dim(op, m);
  dim(op, n);
  // Split C by rows when it is at least as tall as wide (each panel then packs all of B, the smaller share of the
  // work), else by columns; as many panels as the work pays for, at most one per thread.
  const bool by_rows = m >= n;
  const int64_t extent = by_rows ? m : n;
  const int64_t flops = 2 * m * n * k;
  int64_t panels = std::clamp<int64_t>(flops / kGemmFlopsPerPanel, 1, num_threads());
  panels = std::min(panels, (extent + kPanelAlign - 1) / kPanelAlign);
  if (panels <= 1) {
    cblas_gemm(cta, ctb, static_cast<blasint>(m), static_cast<blasint>(n), bk, a, blda, b, bldb, beta, c, bldc);
    return;
  }
  const int64_t step = (extent / kPanelAlign + panels - 1) / panels * kPanelAlign;
  parallel_for(panels, 1, [&](int64_t first, int64_t last) {
    for (int64_t p = first; p < last; ++p) {
      const int64_t lo = std::min(extent, p * step), hi = p + 1 == panels ? extent : std::min(extent, lo + step);
      if (lo >= hi) continue;
      const blasint len = static_cast<blasint>(hi - lo);
      if (by_rows) {
        cblas_gemm(cta, ctb, len, static_cast<blasint>(n), bk, a + (ta ? lo : lo * lda), blda, b, bldb, beta,
                   c + lo * ldc, bldc);
      } else {
        cblas_gemm(cta, ctb, static_cast<blasint>(m), len, bk, a, blda, b + (tb ? lo * ldb : lo), bldb, beta, c + lo,
                   bldc);
      }
    }
  });
}

}  // namespace

void gemm(const char* op, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
          const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  gemm_impl(op, trans_a, trans_b, m, n, k, a, lda, b, ldb, beta, c, ldc);
}
void gemm(const char* op, bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const double* a, int64_t lda,
          const double* b, int64_t ldb, double beta, double* c, int64_t ldc) {
  gemm_impl(op, trans_a, trans_b, m, n, k, a, lda, b, ldb, beta, c, ldc);
}

}  // namespace nr::cpu
