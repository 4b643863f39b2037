// The engine's pool is the only source of parallelism: OpenBLAS stays on one thread whatever the pool's size, and a
// product large enough to split runs as panels over the pool (cpu/blas.h).
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "check.h"
#include "core/thread_pool.h"
#include "cpu/blas.h"

extern "C" int openblas_get_num_threads(void);
extern "C" void openblas_set_num_threads(int num_threads);

TEST(openblas_stays_on_one_thread) {
  nr::set_num_threads(1);
  CHECK(nr::num_threads() == 1);
  CHECK(openblas_get_num_threads() == 1);
  nr::set_num_threads(2);
  CHECK(nr::num_threads() == 2);
  CHECK(openblas_get_num_threads() == 1);
  CHECK_THROWS(nr::set_num_threads(0), nr::Status::InvalidArgument, "set_num_threads");
  // Something else in the process threads OpenBLAS: the next product puts it back on one thread.
  openblas_set_num_threads(2);
  float a[4] = {1, 2, 3, 4}, b[4] = {1, 0, 0, 1}, c[4] = {};
  nr::cpu::gemm("test", false, false, 2, 2, 2, a, 2, b, 2, 0.0f, c, 2);
  CHECK(openblas_get_num_threads() == 1);
  CHECK(c[0] == 1 && c[1] == 2 && c[2] == 3 && c[3] == 4);
}

// C = op(A)·op(B) + beta·C at 1 and at 3 threads (so panels are split) against a float64 loop. The two need not agree
// bit for bit: OpenBLAS picks its kernel by the size of the product it is given (small products take a different
// path), so a panel may sum in another order than the whole.
void check_split_gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float beta) {
  std::mt19937 rng(static_cast<uint32_t>(m * 131 + n * 7 + k + (ta ? 1 : 0) + (tb ? 2 : 0)));
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  const int64_t lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 5, ldc = n + 2;  // padded rows: strides are honoured
  std::vector<float> a(static_cast<size_t>((ta ? k : m) * lda)), b(static_cast<size_t>((tb ? n : k) * ldb)),
      c0(static_cast<size_t>(m * ldc));
  for (float& v : a) v = u(rng);
  for (float& v : b) v = u(rng);
  for (float& v : c0) v = u(rng);
  auto run = [&](int threads) {
    nr::set_num_threads(threads);
    std::vector<float> c = c0;
    nr::cpu::gemm("test", ta, tb, m, n, k, a.data(), lda, b.data(), ldb, beta, c.data(), ldc);
    return c;
  };
  const std::vector<float> one = run(1), three = run(3);
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double ref = beta * static_cast<double>(c0[static_cast<size_t>(i * ldc + j)]);
      for (int64_t p = 0; p < k; ++p)
        ref += static_cast<double>(a[static_cast<size_t>(ta ? p * lda + i : i * lda + p)]) *
               b[static_cast<size_t>(tb ? j * ldb + p : p * ldb + j)];
      const size_t at = static_cast<size_t>(i * ldc + j);
      // The standard bound for a float32 sum of k + 1 terms each at most 1 in magnitude: (k + 1)·eps, doubled.
      const double tol = 2.0 * static_cast<double>(k + 1) * FLT_EPSILON;
      CHECK(std::fabs(one[at] - ref) <= tol);
      CHECK(std::fabs(three[at] - ref) <= tol);
    }
    for (const std::vector<float>* c : {&one, &three})  // the padding past column n is untouched
      CHECK((*c)[static_cast<size_t>(i * ldc + n)] == c0[static_cast<size_t>(i * ldc + n)]);
  }
}

// Each shape is at least 2·kGemmFlopsPerPanel, so three threads split it.
TEST(split_gemm_matches_reference) {
  check_split_gemm(false, false, 600, 64, 288, 0.0f);  // tall: split by rows
  check_split_gemm(true, false, 576, 64, 300, 1.0f);   // a transposed, accumulating
  check_split_gemm(false, true, 40, 700, 300, 0.0f);   // wide: split by columns
  check_split_gemm(true, true, 33, 1000, 512, 0.5f);   // three column panels, the last one ragged
  check_split_gemm(false, false, 7, 5, 0, 0.5f);       // k = 0: beta·C
}

TEST_MAIN()
