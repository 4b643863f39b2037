// The conv kernels' register-tiled products (cpu/tiled_gemm.h): the AVX2 build against a float64 loop, and the
// AVX-512 build (where this CPU has it) against the AVX2 one bit for bit, over shapes that reach every strip width
// and every short last tile of rows, with A read both row-major and transposed.
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "check.h"
#include "cpu/tiled_gemm.h"

template <class T>
void check_shape(int64_t m, int64_t n, int64_t depth, bool a_transposed) {
  std::mt19937 rng(static_cast<uint32_t>(m * 1000 + n * 10 + depth));
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  // A(i, p) = a[i·a_row + p·a_col]; B is [depth, n] with a padded row; C rows padded too.
  const int64_t a_row = a_transposed ? 1 : depth + 1, a_col = a_transposed ? m + 3 : 1;
  const int64_t ldb = n + 8, ldc = n + 16;
  std::vector<T> a(static_cast<size_t>((a_transposed ? depth * a_col : m * a_row) + 1)), b(static_cast<size_t>(depth * ldb));
  for (T& v : a) v = static_cast<T>(u(rng));
  for (T& v : b) v = static_cast<T>(u(rng));
  std::vector<T> c2(static_cast<size_t>(m * ldc), T(7)), c512 = c2;
  nr::cpu::isa_avx2::tiled_gemm_avx2(m, n, depth, a.data(), a_row, a_col, b.data(), ldb, c2.data(), ldc);
  const bool wide = nr::cpu::cpu_has_avx512();
  if (wide) nr::cpu::tiled_gemm_wide(m, n, depth, a.data(), a_row, a_col, b.data(), ldb, c512.data(), ldc);
  // The standard bound for a sum of depth products each at most 1 in magnitude: depth·eps, doubled.
  const double tol = 2.0 * static_cast<double>(depth) * (sizeof(T) == 4 ? FLT_EPSILON : DBL_EPSILON);
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < ldc; ++j) {
      const size_t at = static_cast<size_t>(i * ldc + j);
      if (j >= n) {  // past column n: untouched
        CHECK(c2[at] == T(7));
        if (wide) CHECK(c512[at] == T(7));
        continue;
      }
      double ref = 0;
      for (int64_t p = 0; p < depth; ++p)
        ref += static_cast<double>(a[static_cast<size_t>(i * a_row + p * a_col)]) * b[static_cast<size_t>(p * ldb + j)];
      CHECK(std::fabs(c2[at] - ref) <= tol);
      if (wide) CHECK(c512[at] == c2[at]);
    }
  }
}

TEST(tiled_products_match_reference_and_each_other) {
  std::printf("AVX-512 path %s\n", nr::cpu::cpu_has_avx512() ? "tested" : "not used (the CPU lacks it, or NEURITE_MAX_CPU_ISA=avx2)");
  for (bool t : {false, true}) {
    // n = 8, 24, 32, 40, 64, 72, 288 floats: a half-width strip, 1/2/4-vector strips and mixtures of them.
    for (int64_t n : {8, 24, 32, 40, 64, 72, 288})
      for (int64_t m : {1, 5, 6, 7, 11, 12, 13, 25}) check_shape<float>(m, n, 9, t);
    check_shape<float>(37, 64, 288, t);
    for (int64_t n : {4, 8, 12, 32, 36}) check_shape<double>(13, n, 17, t);
  }
}

TEST_MAIN()
