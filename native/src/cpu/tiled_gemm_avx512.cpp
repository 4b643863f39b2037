// The tiled products of tiled_gemm.h with 64-byte vectors. CMake compiles this file, and only this file, with
// -mavx512f; nothing here runs unless cpu_has_avx512() said so.
#define NEURITE_TILED_ISA isa_avx512
#include "cpu/tiled_gemm.h"

namespace nr::cpu {

void tiled_gemm_wide(int64_t m, int64_t n, int64_t depth, const float* a, int64_t a_row, int64_t a_col,
                     const float* b, int64_t ldb, float* c, int64_t ldc) {
  isa_avx512::tiled_gemm_avx512(m, n, depth, a, a_row, a_col, b, ldb, c, ldc);
}

void tiled_gemm_wide(int64_t m, int64_t n, int64_t depth, const double* a, int64_t a_row, int64_t a_col,
                     const double* b, int64_t ldb, double* c, int64_t ldc) {
  isa_avx512::tiled_gemm_avx512(m, n, depth, a, a_row, a_col, b, ldb, c, ldc);
}

}  // namespace nr::cpu
