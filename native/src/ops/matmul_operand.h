// How a matmul operand reaches a BLAS call, shared by the CPU kernel (OpenBLAS) and the CUDA kernel (cuBLAS): each
// matrix of the operand is read in place when its rows are contiguous (NoTrans, ld = the row stride) or its columns
// are (a transposed view: Trans, ld = the column stride); any other layout is copied contiguous first. Header-only,
// so the CUDA plugin compiles the same code.
#pragma once

#include <algorithm>
#include <cstdint>

#include "neurite/tensor.hpp"

namespace nr {

// One operand seen as a batch of rows x cols matrices, with batch strides aligned to the output's batch dims
// (0 where the operand is broadcast).
struct MatmulOperand {
  Tensor t;  // keeps a copy alive when one was needed
  int64_t rows = 0, cols = 0, row_stride = 0, col_stride = 0;
  Shape batch_strides;
  bool trans = false;
  int64_t ld = 0;

  // Whether BLAS can read each matrix in place; sets trans and ld. A dim of size 1 never steps, so its stride is
  // free, and BLAS requires ld >= 1 and >= the length of the contiguous dim.
  bool blas_readable() {
    if ((cols <= 1 || col_stride == 1) && (rows <= 1 || row_stride >= std::max<int64_t>(1, cols))) {
      trans = false;
      ld = rows <= 1 ? std::max<int64_t>(1, cols) : row_stride;
      return true;
    }
    if ((rows <= 1 || row_stride == 1) && (cols <= 1 || col_stride >= std::max<int64_t>(1, rows))) {
      trans = true;
      ld = cols <= 1 ? std::max<int64_t>(1, rows) : col_stride;
      return true;
    }
    return false;
  }
};

// `is_left`: a 1-D operand is a row vector [1, K]; otherwise a column vector [K, 1].
inline MatmulOperand prepare_matmul_operand(const Tensor& x, bool is_left, size_t batch_rank) {
  MatmulOperand op;
  for (int attempt = 0; attempt < 2; ++attempt) {
    op.t = attempt == 0 ? x : x.contiguous();
    const Shape& s = op.t.shape();
    const Shape& st = op.t.strides();
    const size_t nd = s.size();
    if (nd == 1) {
      op.rows = is_left ? 1 : s[0];
      op.cols = is_left ? s[0] : 1;
      op.row_stride = is_left ? 0 : st[0];
      op.col_stride = is_left ? st[0] : 0;
    } else {
      op.rows = s[nd - 2];
      op.cols = s[nd - 1];
      op.row_stride = st[nd - 2];
      op.col_stride = st[nd - 1];
    }
    if (op.blas_readable()) break;
  }
  const Shape& s = op.t.shape();
  const size_t matrix_dims = s.size() == 1 ? 1 : 2, own_batch = s.size() - matrix_dims;
  op.batch_strides.assign(batch_rank, 0);
  for (size_t i = 0; i < own_batch; ++i)
    if (s[i] != 1) op.batch_strides[batch_rank - own_batch + i] = op.t.strides()[i];
  return op;
}

// True when every matrix of `a`'s batch follows the previous one at the same row stride, so the whole batch reads
// as one [batch * rows, cols] matrix.
inline bool batch_folds_into_rows(const MatmulOperand& a, const Shape& batch) {
  if (a.trans) return false;
  int64_t expected = a.rows * a.ld;
  for (size_t d = batch.size(); d-- > 0;) {
    if (batch[d] == 1) continue;
    if (a.batch_strides[d] != expected) return false;
    expected *= batch[d];
  }
  return true;
}

}  // namespace nr
