// matmul (numpy.matmul semantics, as the CPU kernel) through cuBLAS. Operands are read in place whenever their
// matrices have contiguous rows (NoTrans) or contiguous columns (a transposed view: Trans), so the gradient
// formulas' transposes cost no copy. A batch whose matrices are evenly spaced becomes one strided-batched call; a
// batch against one shared right-hand matrix whose rows run on becomes one tall gemm.
//
// cuBLAS is column-major: the row-major C = A·B is computed as the column-major Cᵀ = Bᵀ·Aᵀ, which reads the very
// same buffers with the operands swapped.
#include <climits>
#include <mutex>
#include <string>
#include <vector>

#include "core/strided_loop.h"
#include "neurite/autograd.hpp"
#include "cuda/cublas_api.h"
#include "cuda/cuda_backend.h"
#include "cuda/cuda_common.h"
#include "ops/matmul_operand.h"

namespace nr::cuda {
namespace {

struct Blas {
  std::mutex mutex;
  bool tried = false;
  std::string error;
  blas::Api api;
  std::vector<blas::Handle> handles;  // per device
  std::vector<int> modes;
};

Blas& blas_state() {
  static Blas* b = new Blas();
  return *b;
}

// The current device's cuBLAS handle, bound to its stream and set to the math mode asked for now.
blas::Handle handle_for_current(const blas::Api*& api) {
  Blas& b = blas_state();
  std::lock_guard<std::mutex> lock(b.mutex);
  if (!b.tried) {
    b.tried = true;
    if (!b.api.load(b.error)) b.error = "matmul on CUDA needs cuBLAS: " + b.error;
  }
  if (!b.error.empty()) fail(Status::Device, b.error);
  api = &b.api;
  const size_t dev = static_cast<size_t>(current_device_index());
  if (b.handles.size() <= dev) {
    b.handles.resize(dev + 1, nullptr);
    b.modes.resize(dev + 1, -1);
  }
  if (!b.handles[dev]) {
    blas::Status st = b.api.cublasCreate_v2(&b.handles[dev]);
    if (st != blas::kSuccess) fail(Status::Device, "cublasCreate failed: ", b.api.cublasGetStatusString(st));
    b.api.cublasSetStream_v2(b.handles[dev], stream());
  }
  const int mode = allow_tf32() ? blas::kTf32TensorOpMath : blas::kDefaultMath;
  if (b.modes[dev] != mode) {
    b.api.cublasSetMathMode(b.handles[dev], mode);
    b.modes[dev] = mode;
  }
  return b.handles[dev];
}

int blas_int(int64_t v, const Tensor& a, const Tensor& b) {
  if (v > INT_MAX)
    fail(Status::Unsupported, "matmul: ", shape_str(a.shape()), " x ", shape_str(b.shape()), ": a dimension of ", v,
         " exceeds the 2^31-1 that cuBLAS indexes");
  return static_cast<int>(v);
}

// The batch as one dim of uniform strides (per operand), when it is one.
bool single_batch_stride(const Shape& batch, const Shape& sa, const Shape& sb, int64_t& stride_a, int64_t& stride_b) {
  int found = 0;
  for (size_t d = 0; d < batch.size(); ++d) {
    if (batch[d] == 1) continue;
    if (++found > 1) return false;
    stride_a = sa[d];
    stride_b = sb[d];
  }
  return true;
}

void gemm(const blas::Api& api, blas::Handle h, int ta, int tb, int m, int n, int k, const float* a, int lda,
          const float* b, int ldb, float* c, int ldc) {
  const float one = 1, zero = 0;
  blas::Status st = api.cublasSgemm_v2(h, tb, ta, n, m, k, &one, b, ldb, a, lda, &zero, c, ldc);
  if (st != blas::kSuccess) fail(Status::Device, "cublasSgemm failed: ", api.cublasGetStatusString(st));
}
void gemm(const blas::Api& api, blas::Handle h, int ta, int tb, int m, int n, int k, const double* a, int lda,
          const double* b, int ldb, double* c, int ldc) {
  const double one = 1, zero = 0;
  blas::Status st = api.cublasDgemm_v2(h, tb, ta, n, m, k, &one, b, ldb, a, lda, &zero, c, ldc);
  if (st != blas::kSuccess) fail(Status::Device, "cublasDgemm failed: ", api.cublasGetStatusString(st));
}
void gemm_batched(const blas::Api& api, blas::Handle h, int ta, int tb, int m, int n, int k, const float* a, int lda,
                  int64_t sa, const float* b, int ldb, int64_t sb, float* c, int ldc, int64_t sc, int count) {
  const float one = 1, zero = 0;
  blas::Status st = api.cublasSgemmStridedBatched(h, tb, ta, n, m, k, &one, b, ldb, sb, a, lda, sa, &zero, c, ldc, sc,
                                                  count);
  if (st != blas::kSuccess) fail(Status::Device, "cublasSgemmStridedBatched failed: ", api.cublasGetStatusString(st));
}
void gemm_batched(const blas::Api& api, blas::Handle h, int ta, int tb, int m, int n, int k, const double* a, int lda,
                  int64_t sa, const double* b, int ldb, int64_t sb, double* c, int ldc, int64_t sc, int count) {
  const double one = 1, zero = 0;
  blas::Status st = api.cublasDgemmStridedBatched(h, tb, ta, n, m, k, &one, b, ldb, sb, a, lda, sa, &zero, c, ldc, sc,
                                                  count);
  if (st != blas::kSuccess) fail(Status::Device, "cublasDgemmStridedBatched failed: ", api.cublasGetStatusString(st));
}

template <class T>
void matmul_typed(const Tensor& a_in, const Tensor& b_in, Tensor& out) {
  const bool a_vec = a_in.ndim() == 1, b_vec = b_in.ndim() == 1;
  const Shape batch(out.shape().begin(), out.shape().end() - (a_vec ? 0 : 1) - (b_vec ? 0 : 1));
  if (out.numel() == 0) return;
  MatmulOperand a = prepare_matmul_operand(a_in, true, batch.size());
  MatmulOperand b = prepare_matmul_operand(b_in, false, batch.size());
  const int ta = a.trans ? blas::kOpT : blas::kOpN, tb = b.trans ? blas::kOpT : blas::kOpN;
  const int64_t m = a.rows, k = a.cols, n = b.cols;
  T* c = out.data<T>();
  if (k == 0) {
    NR_CUDA_CHECK(cudaMemsetAsync(c, 0, out.nbytes(), stream()));
    return;
  }
  const blas::Api* api = nullptr;
  blas::Handle h = handle_for_current(api);
  const T* ap = a.t.data<T>();
  const T* bp = b.t.data<T>();
  const int64_t count = numel_of(batch);
  bool b_shared = true;
  for (int64_t s : b.batch_strides) b_shared = b_shared && s == 0;
  const int bm = blas_int(m, a_in, b_in), bn = blas_int(n, a_in, b_in), bk = blas_int(k, a_in, b_in);
  const int lda = blas_int(a.ld, a_in, b_in), ldb = blas_int(b.ld, a_in, b_in);
  if (count == 1 || (b_shared && batch_folds_into_rows(a, batch))) {
    gemm(*api, h, ta, tb, blas_int(count * m, a_in, b_in), bn, bk, ap, lda, bp, ldb, c, bn);
    return;
  }
  int64_t sa = 0, sb = 0;
  if (single_batch_stride(batch, a.batch_strides, b.batch_strides, sa, sb)) {
    gemm_batched(*api, h, ta, tb, bm, bn, bk, ap, lda, sa, bp, ldb, sb, c, bn, m * n,
                 blas_int(count, a_in, b_in));
    return;
  }
  StridedLoop<2> loop(batch, {&a.batch_strides, &b.batch_strides});
  int64_t index = 0;
  loop.run(0, count, [&](const std::array<int64_t, 2>& off, int64_t len, const std::array<int64_t, 2>& st) {
    for (int64_t j = 0; j < len; ++j, ++index)
      gemm(*api, h, ta, tb, bm, bn, bk, ap + off[0] + j * st[0], lda, bp + off[1] + j * st[1], ldb,
           c + index * m * n, bn);
  });
}

void matmul_kernel(KernelContext& ctx) {
  NoGradGuard no_grad;  // copies made for unreadable layouts are not part of the graph
  dispatch_floating(ctx.inputs[0].dtype(), [&](auto tag) {
    matmul_typed<decltype(tag)>(ctx.inputs[0], ctx.inputs[1], ctx.outputs[0]);
  });
}

}  // namespace

template <class T>
void gemm_row_major(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b,
                    int64_t ldb, T* c, int64_t ldc, bool accumulate) {
  const blas::Api* api = nullptr;
  blas::Handle h = handle_for_current(api);
  const T one = 1, beta = accumulate ? 1 : 0;
  const int ta = trans_a ? blas::kOpT : blas::kOpN, tb = trans_b ? blas::kOpT : blas::kOpN;
  for (int64_t v : {m, n, k, lda, ldb, ldc})
    if (v > INT_MAX) fail(Status::Unsupported, "a matrix dimension of ", v, " exceeds the 2^31-1 that cuBLAS indexes");
  blas::Status st;
  if constexpr (sizeof(T) == 4)
    st = api->cublasSgemm_v2(h, tb, ta, int(n), int(m), int(k), &one, b, int(ldb), a, int(lda), &beta, c, int(ldc));
  else
    st = api->cublasDgemm_v2(h, tb, ta, int(n), int(m), int(k), &one, b, int(ldb), a, int(lda), &beta, c, int(ldc));
  if (st != blas::kSuccess) fail(Status::Device, "cuBLAS gemm failed: ", api->cublasGetStatusString(st));
}
template void gemm_row_major<float>(bool, bool, int64_t, int64_t, int64_t, const float*, int64_t, const float*,
                                    int64_t, float*, int64_t, bool);
template void gemm_row_major<double>(bool, bool, int64_t, int64_t, int64_t, const double*, int64_t, const double*,
                                     int64_t, double*, int64_t, bool);

void register_matmul_kernels() { register_kernel(OpId::Matmul, matmul_kernel, kFloatTypes, false); }

}  // namespace nr::cuda
