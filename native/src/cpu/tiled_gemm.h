// Register-tiled matrix products for the conv kernels, written once for any vector width: the library is built for
// AVX2 (32-byte vectors), and tiled_gemm_avx512.cpp compiles the same templates with AVX-512 (64-byte vectors) for
// CPUs that have it (tiled_gemm_dispatch.cpp picks at run time).
//
// C[m, n] = Σ_p A(m, p)·B[p, n] with A(m, p) = a[m·a_row + p·a_col] (so A may be read transposed), B and C row-major,
// n a multiple of 32 bytes of T. Each element of C is one running sum over p in order, whatever the tiling and the
// vector width, so both builds give the same bits.
//
// The templates are in a namespace named after the instruction set of the including file (NEURITE_TILED_ISA, default
// isa_avx2), and in an anonymous one inside it: each translation unit compiles its own copy for its own instruction
// set, the copies must not be merged at link time, and the AVX-512 ones must be recognisable in the binary (the
// avx512_confined_to_dispatched_kernels test looks for zmm registers outside nr::cpu::isa_avx512).
#pragma once

#include <cstdint>
#include <cstring>

#ifndef NEURITE_TILED_ISA
#define NEURITE_TILED_ISA isa_avx2
#endif

namespace nr::cpu::NEURITE_TILED_ISA {
namespace {

// MT rows of C by NV vectors of VB bytes: MT·NV accumulator registers, one broadcast of A and NV loads of B per step.
template <class T, int VB, int MT, int NV>
void tile(int64_t depth, const T* a, int64_t a_row, int64_t a_col, const T* b, int64_t ldb, T* c, int64_t ldc) {
  typedef T Vec __attribute__((vector_size(VB)));
  constexpr int64_t L = VB / sizeof(T);
  Vec acc[MT][NV];
  for (int i = 0; i < MT; ++i)
    for (int j = 0; j < NV; ++j) acc[i][j] = Vec{};
  for (int64_t p = 0; p < depth; ++p) {
    Vec bv[NV];
    for (int j = 0; j < NV; ++j) std::memcpy(&bv[j], b + p * ldb + j * L, sizeof(Vec));
    for (int i = 0; i < MT; ++i) {
      const Vec av = Vec{} + a[i * a_row + p * a_col];
      for (int j = 0; j < NV; ++j) acc[i][j] += av * bv[j];
    }
  }
  for (int i = 0; i < MT; ++i)
    for (int j = 0; j < NV; ++j) std::memcpy(c + i * ldc + j * L, &acc[i][j], sizeof(Vec));
}

// The last rows - 1 .. MT - 1 rows of a column strip, by one tile of exactly that height.
template <class T, int VB, int MT, int NV>
void tile_rows_tail(int64_t rows, int64_t depth, const T* a, int64_t a_row, int64_t a_col, const T* b, int64_t ldb,
                    T* c, int64_t ldc) {
  if constexpr (MT > 0) {
    if (rows == MT) tile<T, VB, MT, NV>(depth, a, a_row, a_col, b, ldb, c, ldc);
    else tile_rows_tail<T, VB, MT - 1, NV>(rows, depth, a, a_row, a_col, b, ldb, c, ldc);
  }
}

// Every row of one strip of NV vectors of columns: full MT-row tiles, then one shorter tile.
template <class T, int VB, int MT, int NV>
void strip(int64_t m, int64_t depth, const T* a, int64_t a_row, int64_t a_col, const T* b, int64_t ldb, T* c,
           int64_t ldc) {
  int64_t i = 0;
  for (; i + MT <= m; i += MT) tile<T, VB, MT, NV>(depth, a + i * a_row, a_row, a_col, b, ldb, c + i * ldc, ldc);
  if (i < m) tile_rows_tail<T, VB, MT - 1, NV>(m - i, depth, a + i * a_row, a_row, a_col, b, ldb, c + i * ldc, ldc);
}

// AVX2 (16 registers): strips of two vectors, six rows (12 accumulators, 2 of B, 1 broadcast).
template <class T>
void tiled_gemm_avx2(int64_t m, int64_t n, int64_t depth, const T* a, int64_t a_row, int64_t a_col, const T* b,
                     int64_t ldb, T* c, int64_t ldc) {
  constexpr int64_t L = 32 / sizeof(T);
  for (int64_t j = 0; j < n;) {
    if (n - j >= 2 * L) {
      strip<T, 32, 6, 2>(m, depth, a, a_row, a_col, b + j, ldb, c + j, ldc);
      j += 2 * L;
    } else {
      strip<T, 32, 6, 1>(m, depth, a, a_row, a_col, b + j, ldb, c + j, ldc);
      j += L;
    }
  }
}

// AVX-512 (32 registers): strips of four vectors by six rows (24 accumulators), two or one by twelve, and a last
// half-width (32-byte) strip when n is an odd number of 32-byte lanes.
template <class T>
void tiled_gemm_avx512(int64_t m, int64_t n, int64_t depth, const T* a, int64_t a_row, int64_t a_col, const T* b,
                       int64_t ldb, T* c, int64_t ldc) {
  constexpr int64_t L = 64 / sizeof(T);
  for (int64_t j = 0; j < n;) {
    const int64_t left = n - j;
    if (left >= 4 * L) {
      strip<T, 64, 6, 4>(m, depth, a, a_row, a_col, b + j, ldb, c + j, ldc);
      j += 4 * L;
    } else if (left >= 2 * L) {
      strip<T, 64, 12, 2>(m, depth, a, a_row, a_col, b + j, ldb, c + j, ldc);
      j += 2 * L;
    } else if (left >= L) {
      strip<T, 64, 12, 1>(m, depth, a, a_row, a_col, b + j, ldb, c + j, ldc);
      j += L;
    } else {
      strip<T, 32, 12, 1>(m, depth, a, a_row, a_col, b + j, ldb, c + j, ldc);
      j += L / 2;
    }
  }
}

}  // namespace
}  // namespace nr::cpu::NEURITE_TILED_ISA

namespace nr::cpu {

// tiled_gemm_avx512 compiled with AVX-512 (tiled_gemm_avx512.cpp). Call only when cpu_has_avx512().
void tiled_gemm_wide(int64_t m, int64_t n, int64_t depth, const float* a, int64_t a_row, int64_t a_col,
                     const float* b, int64_t ldb, float* c, int64_t ldc);
void tiled_gemm_wide(int64_t m, int64_t n, int64_t depth, const double* a, int64_t a_row, int64_t a_col,
                     const double* b, int64_t ldb, double* c, int64_t ldc);

// Whether this CPU and OS run AVX-512F and the kernels may use it: the answer of the CPU, capped by the environment
// variable NEURITE_MAX_CPU_ISA=avx2 (to compare the two paths, or to match results with an AVX2-only machine).
bool cpu_has_avx512();

}  // namespace nr::cpu
