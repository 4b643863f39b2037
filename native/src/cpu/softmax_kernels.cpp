// softmax and log_softmax over one axis, computed stably: the row's max is subtracted before exponentiating, and
// log_softmax is (x - max) - log(sum(exp(x - max))) rather than log(softmax), which would underflow to -inf.
//
// Like PyTorch, a row that is all -inf gives NaN (x - max is -inf - -inf): there is no distribution to return, and
// a NaN surfaces the masking bug that produced the row instead of hiding it. A NaN anywhere in a row makes the row
// NaN. Sums of exponentials accumulate in double.
//
// The input is contiguous and read as [outer, n, inner], normalising over n: inner == 1 works on contiguous rows;
// inner > 1 handles a block of columns at once so the inner loops run over consecutive memory.
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/thread_pool.h"
#include "cpu/cpu_backend.h"
#include "ops/shape_util.h"

namespace nr::cpu {
namespace {

constexpr int64_t kColumnBlock = 256;

template <class T>
void softmax_rows(const T* x, T* y, int64_t rows, int64_t n, bool log) {
  parallel_for(rows, std::max<int64_t>(1, kElementwiseGrain / n), [&](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; ++o) {
      const T* xr = x + o * n;
      T* yr = y + o * n;
      T max = -std::numeric_limits<T>::infinity();
      for (int64_t i = 0; i < n; ++i) max = xr[i] > max ? xr[i] : max;
      double sum = 0;
      if (log) {
        for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(std::exp(xr[i] - max));
        // (x - max) - log(sum), not x - (max + log(sum)): the latter rounds max + log(sum) at max's magnitude and
        // loses up to half an ulp of max (3e-5 at 800 in f32) in every result.
        T log_sum = static_cast<T>(std::log(sum));
        for (int64_t i = 0; i < n; ++i) yr[i] = (xr[i] - max) - log_sum;
      } else {
        for (int64_t i = 0; i < n; ++i) {
          yr[i] = std::exp(xr[i] - max);
          sum += static_cast<double>(yr[i]);
        }
        T scale = static_cast<T>(1.0 / sum);
        for (int64_t i = 0; i < n; ++i) yr[i] *= scale;
      }
    }
  });
}

template <class T>
void softmax_columns(const T* x, T* y, int64_t outer, int64_t n, int64_t inner, bool log) {
  const int64_t blocks = (inner + kColumnBlock - 1) / kColumnBlock;
  const int64_t task_elems = n * std::min(inner, kColumnBlock);
  parallel_for(outer * blocks, std::max<int64_t>(1, kElementwiseGrain / task_elems), [&](int64_t b, int64_t e) {
    T max[kColumnBlock], shift[kColumnBlock];
    double sum[kColumnBlock];
    for (int64_t t = b; t < e; ++t) {
      int64_t o = t / blocks, i0 = t % blocks * kColumnBlock, len = std::min(kColumnBlock, inner - i0);
      const T* xs = x + o * n * inner + i0;
      T* ys = y + o * n * inner + i0;
      for (int64_t j = 0; j < len; ++j) max[j] = -std::numeric_limits<T>::infinity(), sum[j] = 0;
      for (int64_t r = 0; r < n; ++r)
        for (int64_t j = 0; j < len; ++j) max[j] = xs[r * inner + j] > max[j] ? xs[r * inner + j] : max[j];
      for (int64_t r = 0; r < n; ++r)
        for (int64_t j = 0; j < len; ++j) {
          T v = std::exp(xs[r * inner + j] - max[j]);
          if (!log) ys[r * inner + j] = v;
          sum[j] += static_cast<double>(v);
        }
      if (log) {
        for (int64_t j = 0; j < len; ++j) shift[j] = static_cast<T>(std::log(sum[j]));
        for (int64_t r = 0; r < n; ++r)
          for (int64_t j = 0; j < len; ++j) ys[r * inner + j] = (xs[r * inner + j] - max[j]) - shift[j];
      } else {
        for (int64_t j = 0; j < len; ++j) shift[j] = static_cast<T>(1.0 / sum[j]);
        for (int64_t r = 0; r < n; ++r)
          for (int64_t j = 0; j < len; ++j) ys[r * inner + j] *= shift[j];
      }
    }
  });
}

void run_softmax(KernelContext& ctx, bool log) {
  const Tensor& x = ctx.inputs[0];
  int axis = normalize_axis(ctx.def.name, ctx.attrs.get_int("axis", -1), x.ndim(), x.shape());
  int64_t outer = 1, n = x.dim(axis), inner = 1;
  for (int d = 0; d < x.ndim(); ++d)
    if (d != axis) (d < axis ? outer : inner) *= x.dim(d);
  if (outer * n * inner == 0) return;
  dispatch_floating(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* in = x.data<T>();
    T* out = ctx.outputs[0].data<T>();
    if (inner == 1) softmax_rows(in, out, outer, n, log);
    else softmax_columns(in, out, outer, n, inner, log);
  });
}

void softmax_kernel(KernelContext& ctx) { run_softmax(ctx, false); }
void log_softmax_kernel(KernelContext& ctx) { run_softmax(ctx, true); }

}  // namespace

void register_softmax_kernels() {
  register_kernel(OpId::Softmax, softmax_kernel, kFloatTypes);
  register_kernel(OpId::LogSoftmax, log_softmax_kernel, kFloatTypes);
}

}  // namespace nr::cpu
