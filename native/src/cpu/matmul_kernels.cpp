// matmul with numpy.matmul semantics on BLAS gemm (cpu/blas.h): a 1-D first operand is a row vector, a 1-D second operand a
// column vector (the added dim is absent from the result), and batch dims broadcast.
//
// Operands are taken with their strides (the kernel registers contiguous_inputs=false): a matrix whose rows are
// contiguous is passed as NoTrans with its row stride as the leading dimension, one whose columns are contiguous
// (a transposed view) as Trans; only other layouts are copied. A batch that lies evenly spaced in memory against a
// single right-hand matrix becomes one tall gemm instead of many small ones.
#include <algorithm>
#include <climits>
#include <cstring>

#include "core/strided_loop.h"
#include "core/thread_pool.h"
#include "cpu/blas.h"
#include "cpu/cpu_backend.h"
#include "ops/matmul_operand.h"

namespace nr::cpu {
namespace {

void check_blas_dim(int64_t v, const Tensor& a, const Tensor& b) {
  if (v > INT_MAX)
    fail(Status::Unsupported, "matmul: ", shape_str(a.shape()), " x ", shape_str(b.shape()), ": a dimension of ", v,
         " exceeds the 2^31-1 that BLAS indexes");
}

template <class T>
void matmul_typed(const Tensor& a_in, const Tensor& b_in, Tensor& out) {
  const bool a_vec = a_in.ndim() == 1, b_vec = b_in.ndim() == 1;
  const Shape batch(out.shape().begin(), out.shape().end() - (a_vec ? 0 : 1) - (b_vec ? 0 : 1));
  MatmulOperand a = prepare_matmul_operand(a_in, true, batch.size());
  MatmulOperand b = prepare_matmul_operand(b_in, false, batch.size());
  const int64_t m = a.rows, k = a.cols, n = b.cols;
  T* c = out.data<T>();
  if (out.numel() == 0) return;
  if (k == 0) {  // an empty sum: gemm is not asked, BLAS need not accept K = 0
    std::memset(c, 0, out.nbytes());
    return;
  }
  const T* ap = a.t.data<T>();
  const T* bp = b.t.data<T>();
  const int64_t count = numel_of(batch);
  bool b_shared = true;
  for (int64_t s : b.batch_strides) b_shared = b_shared && s == 0;
  // BLAS indexes with int: an overflow is reported here, where the operands' shapes are known.
  for (int64_t v : {m, n, k, a.ld, b.ld}) check_blas_dim(v, a_in, b_in);
  if (count == 1 || (b_shared && batch_folds_into_rows(a, batch))) {
    check_blas_dim(count * m, a_in, b_in);
    cpu::gemm("matmul", a.trans, b.trans, count * m, n, k, ap, a.ld, bp, b.ld, T(0), c, n);
    return;
  }
  // Matrices of the batch are spread over the pool when each is too small for gemm to split on its own; inside a
  // task every gemm runs on one thread.
  const int64_t flops = 2 * m * n * k;
  const int64_t grain = flops >= kGemmFlopsPerPanel ? count : std::max<int64_t>(1, kGemmFlopsPerPanel / flops);
  StridedLoop<2> loop(batch, {&a.batch_strides, &b.batch_strides});
  parallel_for(count, grain, [&](int64_t begin, int64_t end) {
    T* cm = c + begin * m * n;
    loop.run(begin, end, [&](const std::array<int64_t, 2>& off, int64_t len, const std::array<int64_t, 2>& st) {
      for (int64_t i = 0; i < len; ++i, cm += m * n)
        cpu::gemm("matmul", a.trans, b.trans, m, n, k, ap + off[0] + i * st[0], a.ld, bp + off[1] + i * st[1], b.ld,
                  T(0), cm, n);
    });
  });
}

void matmul_kernel(KernelContext& ctx) {
  dispatch_floating(ctx.inputs[0].dtype(), [&](auto tag) {
    matmul_typed<decltype(tag)>(ctx.inputs[0], ctx.inputs[1], ctx.outputs[0]);
  });
}

}  // namespace

void register_matmul_kernels() { register_kernel(OpId::Matmul, matmul_kernel, kFloatTypes, false); }

}  // namespace nr::cpu
