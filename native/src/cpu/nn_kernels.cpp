// Kernels of the nn family: batch normalisation (training forward and its fused backward, inference) and dropout
// here; the fused losses in nn_losses.cpp.
//
// Batch norm reads the contiguous x as [outer, C, inner] with C the channel axis: inner == 1 for channels-last
// (NHWC, [N, features]), inner > 1 when the channel axis has dims after it. Per-channel sums are taken in double,
// two-pass (the mean, then the squared deviations from it). The work is cut into tasks whose bounds depend only on
// the shape, each writing its own partial sums, and the partials are added in task order: the statistics are
// bit-identical for any thread count.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

#include "core/philox.h"
#include "core/thread_pool.h"
#include "cpu/cpu_backend.h"
#include "ops/shape_util.h"

namespace nr::cpu {

void register_nn_loss_kernels();

namespace {

// Elements one statistics task sums.
constexpr int64_t kChunk = 65536;
// At most this many blocks of outer rows, so the partial sums stay small (kMaxRowBlocks · C doubles).
constexpr int64_t kMaxRowBlocks = 64;
// Interleaved accumulators along a contiguous run: independent chains, and enough of them that the loop over lanes
// stays a loop the vectoriser takes (a short one is unrolled first and then often left scalar).
constexpr int kLanes = 32;
// A dropout element costs a Philox block (ten rounds of multiplies), so smaller chunks already pay for a thread.
constexpr int64_t kRandomGrain = 4096;

struct Layout {
  int64_t outer, C, inner;
};

Layout channel_layout(const Tensor& x, const Attrs& attrs, const char* op) {
  int axis = normalize_axis(op, attrs.get_int("axis", -1), x.ndim(), x.shape());
  Layout l{1, x.dim(axis), 1};
  for (int d = 0; d < x.ndim(); ++d)
    if (d != axis) (d < axis ? l.outer : l.inner) *= x.dim(d);
  return l;
}

// Σ over the contiguous run i in [base, base + n) of channel c of the q-th value term(i, c, v) writes.
template <int q, int Q, class Term>
double run_sum(int64_t base, int64_t n, int64_t c, const Term& term) {
  double lanes[kLanes] = {};
  int64_t k = 0;
  for (; k + kLanes <= n; k += kLanes)
    for (int j = 0; j < kLanes; ++j) {
      double v[Q];
      term(base + k + j, c, v);
      lanes[j] += v[q];
    }
  double s = 0;
  for (; k < n; ++k) {
    double v[Q];
    term(base + k, c, v);
    s += v[q];
  }
  for (int j = 0; j < kLanes; ++j) s += lanes[j];
  return s;
}

// Adds the Q run sums to out[q][c], one pass per sum: the run is in L1 after the first, and a single sum vectorises
// where interleaving several does not.
template <int Q, class Term, int... q>
void run_sums(int64_t base, int64_t n, int64_t c, const Term& term, double* const* out,
              std::integer_sequence<int, q...>) {
  ((out[q][c] += run_sum<q, Q>(base, n, c, term)), ...);
}

// Q per-channel sums of term(i, c, v) over every element, i its flat index and c its channel, term writing its Q
// contributions to v (terms capture their pointers by value, so the compiler sees they are loop-invariant). The
// tasks (a block of outer rows × a chunk of channels) are fixed by the shape, each adds into its own row of partial
// sums, and the partials are combined in block order.
template <int Q, class Term>
std::vector<double> sum_per_channel(const Layout& l, Term term) {
  const int64_t slab = std::max<int64_t>(1, l.C * l.inner);
  const int64_t rows_per_block =
      std::clamp<int64_t>(std::max((kChunk + slab - 1) / slab, (l.outer + kMaxRowBlocks - 1) / kMaxRowBlocks), 1,
                          std::max<int64_t>(1, l.outer));
  const int64_t blocks = (l.outer + rows_per_block - 1) / rows_per_block;
  const int64_t chan_per_task =
      std::clamp<int64_t>(kChunk / std::max<int64_t>(1, rows_per_block * l.inner), 1, std::max<int64_t>(1, l.C));
  const int64_t chunks = (l.C + chan_per_task - 1) / chan_per_task;
  std::vector<double> partial(static_cast<size_t>(Q * blocks * l.C), 0.0);
  parallel_for(blocks * chunks, 1, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const int64_t blk = t / chunks, o1 = std::min(l.outer, (blk + 1) * rows_per_block);
      const int64_t c0 = t % chunks * chan_per_task, c1 = std::min(l.C, c0 + chan_per_task);
      double* acc[Q];
      for (int q = 0; q < Q; ++q) acc[q] = partial.data() + (q * blocks + blk) * l.C;
      int64_t o = blk * rows_per_block;
      if (l.inner > 1) {
        for (; o < o1; ++o)
          for (int64_t c = c0; c < c1; ++c)
            run_sums<Q>((o * l.C + c) * l.inner, l.inner, c, term, acc, std::make_integer_sequence<int, Q>());
        continue;
      }
      // Channels-last: four rows per pass over the accumulators, which live in memory, so each is loaded and
      // stored a quarter as often.
      for (; o + 4 <= o1; o += 4)
        for (int64_t c = c0; c < c1; ++c) {
          double v0[Q], v1[Q], v2[Q], v3[Q];
          term(o * l.C + c, c, v0);
          term((o + 1) * l.C + c, c, v1);
          term((o + 2) * l.C + c, c, v2);
          term((o + 3) * l.C + c, c, v3);
          for (int q = 0; q < Q; ++q) acc[q][c] += (v0[q] + v1[q]) + (v2[q] + v3[q]);
        }
      for (; o < o1; ++o)
        for (int64_t c = c0; c < c1; ++c) {
          double v[Q];
          term(o * l.C + c, c, v);
          for (int q = 0; q < Q; ++q) acc[q][c] += v[q];
        }
    }
  });
  std::vector<double> sums(static_cast<size_t>(Q * l.C), 0.0);
  for (int q = 0; q < Q; ++q)
    for (int64_t blk = 0; blk < blocks; ++blk)
      for (int64_t c = 0; c < l.C; ++c)
        sums[static_cast<size_t>(q * l.C + c)] += partial[static_cast<size_t>((q * blocks + blk) * l.C + c)];
  return sums;
}

// y[i] = f(i, c) over every element; split by rows (channels-last) or by (row, channel) runs.
template <class F>
void map_per_channel(const Layout& l, F f) {
  if (l.inner == 1) {
    const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, l.C));
    parallel_for(l.outer, grain, [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o)
        for (int64_t c = 0; c < l.C; ++c) f(o * l.C + c, c);
    });
    return;
  }
  const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, l.inner));
  parallel_for(l.outer * l.C, grain, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t c = r % l.C, base = r * l.inner;
      for (int64_t k = 0; k < l.inner; ++k) f(base + k, c);
    }
  });
}

template <class T>
void batch_norm_train_typed(KernelContext& ctx, const Layout& l, double eps) {
  const T* x = ctx.inputs[0].data<T>();
  const T* gamma = ctx.inputs[1].data<T>();
  const T* beta = ctx.inputs[2].data<T>();
  T* y = ctx.outputs[0].data<T>();
  T* mean_out = ctx.outputs[1].data<T>();
  T* var_out = ctx.outputs[2].data<T>();
  const double count = static_cast<double>(l.outer * l.inner);
  std::vector<double> mean = sum_per_channel<1>(l, [x](int64_t i, int64_t, double* v) { v[0] = x[i]; });
  for (double& m : mean) m /= count;
  std::vector<double> var = sum_per_channel<1>(l, [x, m = mean.data()](int64_t i, int64_t c, double* v) {
    double d = static_cast<double>(x[i]) - m[c];
    v[0] = d * d;
  });
  std::vector<T> centre(static_cast<size_t>(l.C)), scale(centre.size());
  for (size_t c = 0; c < centre.size(); ++c) {
    var[c] /= count;
    mean_out[c] = static_cast<T>(mean[c]);
    var_out[c] = static_cast<T>(var[c]);
    centre[c] = static_cast<T>(mean[c]);
    scale[c] = static_cast<T>(static_cast<double>(gamma[c]) / std::sqrt(var[c] + eps));
  }
  map_per_channel(l, [y, x, beta, m = centre.data(), s = scale.data()](int64_t i, int64_t c) {
    y[i] = (x[i] - m[c]) * s[c] + beta[c];
  });
}

void batch_norm_train_kernel(KernelContext& ctx) {
  Layout l = channel_layout(ctx.inputs[0], ctx.attrs, ctx.def.name);
  if (l.C == 0) return;
  double eps = ctx.attrs.get_float("epsilon", 1e-3);
  dispatch_floating(ctx.inputs[0].dtype(), [&](auto tag) { batch_norm_train_typed<decltype(tag)>(ctx, l, eps); });
}

// With xc = x - mean, s = 1/sqrt(var + eps) and M values per channel, the gradient of (y, mean, var) is
//   dbeta = Σ dy,  dgamma = s · Σ dy·xc,
//   dx = gamma·s·dy - gamma·s³·(Σ dy·xc)/M · xc - gamma·s·(Σ dy)/M + d_mean/M + 2·d_var/M · xc,
// the last two terms being the paths through the returned batch statistics: one elementwise pass after the sums.
template <class T>
void batch_norm_train_grad_typed(KernelContext& ctx, const Layout& l, double eps) {
  const T* x = ctx.inputs[0].data<T>();
  const T* gamma = ctx.inputs[1].data<T>();
  const T* mean = ctx.inputs[2].data<T>();
  const T* var = ctx.inputs[3].data<T>();
  const T* dy = ctx.inputs[4].data<T>();
  const T* dmean = ctx.inputs[5].data<T>();
  const T* dvar = ctx.inputs[6].data<T>();
  T* dx = ctx.outputs[0].data<T>();
  T* dgamma = ctx.outputs[1].data<T>();
  T* dbeta = ctx.outputs[2].data<T>();
  const double count = static_cast<double>(l.outer * l.inner);
  std::vector<double> sums = sum_per_channel<2>(l, [x, dy, mean](int64_t i, int64_t c, double* v) {
    v[0] = dy[i];
    v[1] = static_cast<double>(dy[i]) * (static_cast<double>(x[i]) - static_cast<double>(mean[c]));
  });
  std::vector<T> a(static_cast<size_t>(l.C)), b(a.size()), d(a.size());
  for (size_t c = 0; c < a.size(); ++c) {
    double s = 1.0 / std::sqrt(static_cast<double>(var[c]) + eps), g = gamma[c];
    double sum_dy = sums[c], sum_dy_xc = sums[a.size() + c];
    dbeta[c] = static_cast<T>(sum_dy);
    dgamma[c] = static_cast<T>(sum_dy_xc * s);
    a[c] = static_cast<T>(g * s);
    b[c] = static_cast<T>((-g * s * s * s * sum_dy_xc + 2.0 * static_cast<double>(dvar[c])) / count);
    d[c] = static_cast<T>((-g * s * sum_dy + static_cast<double>(dmean[c])) / count);
  }
  map_per_channel(l, [dx, dy, x, mean, pa = a.data(), pb = b.data(), pd = d.data()](int64_t i, int64_t c) {
    dx[i] = pa[c] * dy[i] + pb[c] * (x[i] - mean[c]) + pd[c];
  });
}

void batch_norm_train_grad_kernel(KernelContext& ctx) {
  Layout l = channel_layout(ctx.inputs[0], ctx.attrs, ctx.def.name);
  if (l.C == 0) return;
  double eps = ctx.attrs.get_float("epsilon", 1e-3);
  if (l.outer * l.inner == 0) {  // no values: zero gradients for gamma and beta
    for (Tensor& t : ctx.outputs) std::memset(t.raw_data(), 0, t.nbytes());
    return;
  }
  dispatch_floating(ctx.inputs[0].dtype(),
                    [&](auto tag) { batch_norm_train_grad_typed<decltype(tag)>(ctx, l, eps); });
}

template <class T>
void batch_norm_inference_typed(KernelContext& ctx, const Layout& l, double eps) {
  const T* x = ctx.inputs[0].data<T>();
  const T* gamma = ctx.inputs[1].data<T>();
  const T* beta = ctx.inputs[2].data<T>();
  const T* mean = ctx.inputs[3].data<T>();
  const T* var = ctx.inputs[4].data<T>();
  T* y = ctx.outputs[0].data<T>();
  std::vector<T> scale(static_cast<size_t>(l.C));
  for (size_t c = 0; c < scale.size(); ++c)
    scale[c] = static_cast<T>(static_cast<double>(gamma[c]) / std::sqrt(static_cast<double>(var[c]) + eps));
  map_per_channel(l, [y, x, mean, beta, s = scale.data()](int64_t i, int64_t c) {
    y[i] = (x[i] - mean[c]) * s[c] + beta[c];
  });
}

void batch_norm_inference_kernel(KernelContext& ctx) {
  Layout l = channel_layout(ctx.inputs[0], ctx.attrs, ctx.def.name);
  if (l.C == 0) return;
  double eps = ctx.attrs.get_float("epsilon", 1e-3);
  dispatch_floating(ctx.inputs[0].dtype(), [&](auto tag) { batch_norm_inference_typed<decltype(tag)>(ctx, l, eps); });
}

// Element i is kept when philox::unit_f64 of its block, (w0 · 2^21 + w1 / 2^11) · 2^-53, is >= rate, whatever x's
// dtype: one (seed, offset) gives the same mask in f32 and f64, equal to random_uniform(dtype f64) >= rate. The test
// runs on the 53-bit integer against ceil(rate · 2^53), which is exact and vectorises (AVX2 has no u64 -> double).
// Dropped elements are x · 0, so NaN and Inf stay NaN, as in TensorFlow and PyTorch.
// Everything arrives by value, so the compiler knows the stores to y cannot change the scale or threshold.
template <class T>
void dropout_run(const T* x, T* y, int64_t begin, int64_t end, uint64_t seed, uint64_t offset, uint64_t threshold,
                 T scale) {
  for (int64_t i = begin; i < end; ++i) {
    philox::Block bits = philox::element_bits(seed, offset + static_cast<uint64_t>(i), 0);
    uint64_t u53 = (static_cast<uint64_t>(bits.w[0]) << 21) | (bits.w[1] >> 11);
    y[i] = x[i] * (u53 >= threshold ? scale : T(0));
  }
}

template <class T>
void dropout_typed(const T* x, T* y, int64_t n, double rate, uint64_t seed, uint64_t offset) {
  if (n == 0) return;
  if (rate == 0) {
    std::memcpy(y, x, static_cast<size_t>(n) * sizeof(T));
    return;
  }
  const T scale = static_cast<T>(1.0 / (1.0 - rate));
  const uint64_t threshold = static_cast<uint64_t>(std::ceil(std::ldexp(rate, 53)));
  parallel_for(n, kRandomGrain,
               [&](int64_t b, int64_t e) { dropout_run<T>(x, y, b, e, seed, offset, threshold, scale); });
}

void dropout_kernel(KernelContext& ctx) {
  double rate = ctx.attrs.get_float("rate", 0);
  uint64_t seed = static_cast<uint64_t>(ctx.attrs.get_int("seed", 0));
  uint64_t offset = static_cast<uint64_t>(ctx.attrs.get_int("offset", 0));
  const Tensor& x = ctx.inputs[0];
  dispatch_floating(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    dropout_typed<T>(x.data<T>(), ctx.outputs[0].data<T>(), x.numel(), rate, seed, offset);
  });
}

}  // namespace

void register_nn_kernels() {
  register_kernel(OpId::BatchNormTrain, batch_norm_train_kernel, kFloatTypes);
  register_kernel(OpId::BatchNormTrainGrad, batch_norm_train_grad_kernel, kFloatTypes);
  register_kernel(OpId::BatchNormInference, batch_norm_inference_kernel, kFloatTypes);
  register_kernel(OpId::Dropout, dropout_kernel, kFloatTypes);
  register_nn_loss_kernels();
}

}  // namespace nr::cpu
