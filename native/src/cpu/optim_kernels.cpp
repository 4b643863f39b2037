// Kernels of the optim family: fused in-place optimizer updates (one pass over the elements, reading the gradient and
// updating parameter and state together), the orthogonal initializer and the global norm.
//
// The dispatcher hands update kernels their written inputs as the caller's own contiguous memory (it refuses views)
// and the read-only ones packed contiguous. Each element's update depends on that element alone, so splitting the
// range over threads cannot change a result.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <new>
#include <vector>

#include "core/philox.h"
#include "core/thread_pool.h"
#include "cpu/cpu_backend.h"
#include "ops/shape_util.h"

namespace nr::cpu {
namespace {

// Elements below which an update stays on one thread. An update is memory-bound (Adam streams 28 bytes an element, at
// roughly 1 ns), and a second thread only pays when its share outlasts waking it: tens of microseconds on a VM, where
// the wake is an interrupt through the hypervisor. With 8192 (the old value) the MLP's 100k-weight Adam step ran on
// two threads and a whole W1 epoch took 7% longer at 2 threads than at 1.
constexpr int64_t kUpdateGrain = int64_t(1) << 16;

// The hyperparameters of one step, in the tensors' type. The loops below take them by value: captured by reference,
// a store to the parameter might (for all the compiler knows) change them, and the loop would not vectorise.
template <class T>
struct Hyper {
  T lr, wd, mu, rho, one_minus_rho, eps;
  T b1, b2, one_minus_b1, one_minus_b2, step_size, inv_sqrt_bc2, shrink;
  bool nesterov;
};

template <class T>
void sgd_range(int64_t b, int64_t e, T* p, const T* g, T*, T*, Hyper<T> h) {
  for (int64_t i = b; i < e; ++i) p[i] -= h.lr * (g[i] + h.wd * p[i]);
}

// torch.optim.SGD with dampening 0: the velocity accumulates raw gradients and lr scales the step, so changing lr
// between steps rescales the whole step (Keras folds lr into the velocity instead).
template <class T>
void momentum_range(int64_t b, int64_t e, T* p, const T* g, T* v, T*, Hyper<T> h) {
  if (h.nesterov) {
    for (int64_t i = b; i < e; ++i) {
      T gi = g[i] + h.wd * p[i], vi = h.mu * v[i] + gi;
      v[i] = vi;
      p[i] -= h.lr * (gi + h.mu * vi);
    }
  } else {
    for (int64_t i = b; i < e; ++i) {
      T gi = g[i] + h.wd * p[i], vi = h.mu * v[i] + gi;
      v[i] = vi;
      p[i] -= h.lr * vi;
    }
  }
}

// Keras's RMSprop and Adagrad put epsilon inside the square root (PyTorch adds it after); with Keras's default 1e-7
// that is the formulation Keras models were tuned with.
template <class T>
void rmsprop_range(int64_t b, int64_t e, T* p, const T* g, T* s, T*, Hyper<T> h) {
  for (int64_t i = b; i < e; ++i) {
    T gi = g[i] + h.wd * p[i], si = h.rho * s[i] + h.one_minus_rho * gi * gi;
    s[i] = si;
    p[i] -= h.lr * gi / std::sqrt(si + h.eps);
  }
}

template <class T>
void adagrad_range(int64_t b, int64_t e, T* p, const T* g, T* acc, T*, Hyper<T> h) {
  for (int64_t i = b; i < e; ++i) {
    T gi = g[i] + h.wd * p[i], ai = acc[i] + gi * gi;
    acc[i] = ai;
    p[i] -= h.lr * gi / std::sqrt(ai + h.eps);
  }
}

// Algorithm 1 of Kingma & Ba as torch.optim.Adam/AdamW compute it: epsilon is added to the bias-corrected sqrt(v̂).
// (Keras adds its epsilon to the uncorrected sqrt(v); passing epsilon_keras / sqrt(1 - beta2^step) here gives
// Keras's step up to rounding.) AdamW shrinks the parameter by (1 - lr·wd) (`shrink`) and has no L2 term (`wd` 0).
template <class T>
void adam_range(int64_t b, int64_t e, T* p, const T* g, T* m, T* v, Hyper<T> h) {
  for (int64_t i = b; i < e; ++i) {
    T gi = g[i] + h.wd * p[i];
    T mi = h.b1 * m[i] + h.one_minus_b1 * gi, vi = h.b2 * v[i] + h.one_minus_b2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = h.shrink * p[i] - h.step_size * mi / (std::sqrt(vi) * h.inv_sqrt_bc2 + h.eps);
  }
}

// Every hyperparameter of any update op, read with its default and rounded to T once; scalars such as Adam's bias
// corrections are computed in f64 first.
template <class T>
Hyper<T> read_hyper(const KernelContext& ctx) {
  const Attrs& a = ctx.attrs;
  const bool adamw = ctx.def.id == OpId::AdamwUpdate;
  const double lr = a.get_float("lr", 0), wd = a.get_float("weight_decay", adamw ? 0.004 : 0.0);
  const double rho = a.get_float("rho", 0.9), beta1 = a.get_float("beta1", 0.9), beta2 = a.get_float("beta2", 0.999);
  const double step = static_cast<double>(a.get_int("step", 1));
  const double bc1 = 1 - std::pow(beta1, step), bc2 = 1 - std::pow(beta2, step);
  auto t = [](double x) { return static_cast<T>(x); };
  return {t(lr), t(adamw ? 0.0 : wd), t(a.get_float("momentum", 0)), t(rho), t(1 - rho), t(a.get_float("epsilon", 1e-7)),
          t(beta1), t(beta2), t(1 - beta1), t(1 - beta2), t(lr / bc1), t(1 / std::sqrt(bc2)),
          t(adamw ? 1 - lr * wd : 1.0), a.get_int("nesterov", 0) != 0};
}

// One fused pass of `range` over the elements, split over threads. Inputs: param, grad, then up to two states.
template <class Range>
void run_update(KernelContext& ctx, Range range) {
  dispatch_floating(ctx.inputs[0].dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* p = ctx.inputs[0].data<T>();
    const T* g = ctx.inputs[1].data<T>();
    T* s0 = ctx.inputs.size() > 2 ? ctx.inputs[2].data<T>() : nullptr;
    T* s1 = ctx.inputs.size() > 3 ? ctx.inputs[3].data<T>() : nullptr;
    const Hyper<T> h = read_hyper<T>(ctx);
    parallel_for(ctx.inputs[0].numel(), kUpdateGrain,
                 [=](int64_t b, int64_t e) { range(b, e, p, g, s0, s1, h); });
  });
}

void sgd_kernel(KernelContext& ctx) { run_update(ctx, [](auto... a) { sgd_range(a...); }); }
void momentum_kernel(KernelContext& ctx) { run_update(ctx, [](auto... a) { momentum_range(a...); }); }
void rmsprop_kernel(KernelContext& ctx) { run_update(ctx, [](auto... a) { rmsprop_range(a...); }); }
void adagrad_kernel(KernelContext& ctx) { run_update(ctx, [](auto... a) { adagrad_range(a...); }); }
void adam_kernel(KernelContext& ctx) { run_update(ctx, [](auto... a) { adam_range(a...); }); }

// ---- orthogonal ----

// Sum of squares with eight partial sums, so the compiler vectorises without reassociating (no -ffast-math).
double sum_of_squares(const double* x, int64_t n) {
  double acc[8] = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) acc[j] += x[i + j] * x[i + j];
  for (int64_t j = 0; i + j < n; ++j) acc[j] += x[i + j] * x[i + j];
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

// c_w -= s·(vᵀc_w)·v for W columns of length n, column w at c + w·ld; the W columns share every load of v. Written
// with explicit FMAs so that each column's arithmetic (eight partial sums of the dot product, combined in a fixed
// order) is the same for every W: how columns happen to be grouped, which follows the thread split, never changes a
// result.
template <int W>
void reflect_group(const double* v, double s, double* c, int64_t ld, int64_t n) {
  __m256d lo[W], hi[W];
  for (int w = 0; w < W; ++w) lo[w] = hi[w] = _mm256_setzero_pd();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256d v0 = _mm256_loadu_pd(v + i), v1 = _mm256_loadu_pd(v + i + 4);
    for (int w = 0; w < W; ++w) {
      lo[w] = _mm256_fmadd_pd(v0, _mm256_loadu_pd(c + w * ld + i), lo[w]);
      hi[w] = _mm256_fmadd_pd(v1, _mm256_loadu_pd(c + w * ld + i + 4), hi[w]);
    }
  }
  double a[W];
  for (int w = 0; w < W; ++w) {
    alignas(32) double part[8];
    _mm256_store_pd(part, lo[w]);
    _mm256_store_pd(part + 4, hi[w]);
    for (int64_t j = 0; i + j < n; ++j) part[j] = std::fma(v[i + j], c[w * ld + i + j], part[j]);
    a[w] = -s * (((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7])));
  }
  for (i = 0; i + 4 <= n; i += 4) {
    __m256d vi = _mm256_loadu_pd(v + i);
    for (int w = 0; w < W; ++w) {
      double* cw = c + w * ld + i;
      _mm256_storeu_pd(cw, _mm256_fmadd_pd(_mm256_set1_pd(a[w]), vi, _mm256_loadu_pd(cw)));
    }
  }
  for (; i < n; ++i)
    for (int w = 0; w < W; ++w) c[w * ld + i] = std::fma(a[w], v[i], c[w * ld + i]);
}

// Reflectors applied per column in panels of this many: a group of columns stays in cache while a panel's reflectors
// stream past, instead of the whole trailing matrix streaming once per reflector.
constexpr int64_t kPanel = 32;
constexpr int64_t kGroup = 4;

// Householder QR of a column-major m x n matrix (m >= n) in double, with Q formed explicitly. Every column sees the
// same reflectors in the same order whichever thread updates it, so the result is independent of the thread count.
class HouseholderQr {
 public:
  HouseholderQr(std::vector<double> a, int64_t m, int64_t n) : a_(std::move(a)), m_(m), n_(n), diag_(n), scale_(n) {}

  void factor() {
    for (int64_t k0 = 0; k0 < n_; k0 += kPanel) {
      int64_t k1 = std::min(k0 + kPanel, n_);
      for (int64_t k = k0; k < k1; ++k) {
        make_reflector(k);
        reflect_columns(a_.data(), k + 1, k1, k, k);
      }
      over_columns(k1, [&](int64_t jb, int64_t je) { reflect_columns(a_.data(), jb, je, k0, k1 - 1); });
    }
  }

  // The first n columns of H_0 · H_1 ··· H_{n-1}, accumulated backwards: H_k only touches rows >= k, where the
  // columns j < k of the partial product are still zero, so column j needs the reflectors k <= j only.
  std::vector<double> q() const {
    std::vector<double> q(static_cast<size_t>(m_ * n_), 0.0);
    for (int64_t j = 0; j < n_; ++j) q[static_cast<size_t>(j * m_ + j)] = 1;
    for (int64_t k0 = (n_ - 1) / kPanel * kPanel; k0 >= 0; k0 -= kPanel) {
      int64_t k1 = std::min(k0 + kPanel, n_);
      over_columns(k0, [&](int64_t jb, int64_t je) {
        for (int64_t j = jb; j < std::min(je, k1); ++j) reflect_columns(q.data(), j, j + 1, std::min(k1 - 1, j), k0);
        reflect_columns(q.data(), std::max(jb, k1), je, k1 - 1, k0);
      });
    }
    return q;
  }

  // R's diagonal: the sign Keras multiplies Q's columns by, making the factorisation unique.
  double r_diag(int64_t k) const { return diag_[static_cast<size_t>(k)]; }

 private:
  // Turns column k from the diagonal down into the reflector v with H = I - scale·v·vᵀ mapping it onto beta·e_k;
  // beta takes the sign opposite to the leading entry so v's leading entry does not cancel. A column already zero
  // below the diagonal keeps H = I (as LAPACK's dlarfg), so R's entry is exact and a 1 x 1 Q is exactly ±1.
  void make_reflector(int64_t k) {
    double* x = a_.data() + k * m_ + k;
    double below = sum_of_squares(x + 1, m_ - k - 1);
    if (below == 0) {
      diag_[static_cast<size_t>(k)] = x[0];
      scale_[static_cast<size_t>(k)] = 0;
      return;
    }
    double norm = std::sqrt(x[0] * x[0] + below);
    double beta = x[0] >= 0 ? -norm : norm;
    diag_[static_cast<size_t>(k)] = beta;
    scale_[static_cast<size_t>(k)] = 1 / (norm * (norm + std::fabs(x[0])));  // 2 / vᵀv
    x[0] -= beta;
  }

  // Applies reflectors k_from, ..., k_to (either direction) to the columns [jb, je) of `data`, a group at a time.
  void reflect_columns(double* data, int64_t jb, int64_t je, int64_t k_from, int64_t k_to) const {
    int64_t dk = k_from <= k_to ? 1 : -1;
    for (int64_t j = jb; j < je; j += kGroup) {
      int64_t w = std::min(kGroup, je - j);
      for (int64_t k = k_from; k != k_to + dk; k += dk) {
        double s = scale_[static_cast<size_t>(k)];
        if (s == 0) continue;
        const double* v = a_.data() + k * m_ + k;
        double* c = data + j * m_ + k;
        switch (w) {
          case 4: reflect_group<4>(v, s, c, m_, m_ - k); break;
          case 3: reflect_group<3>(v, s, c, m_, m_ - k); break;
          case 2: reflect_group<2>(v, s, c, m_, m_ - k); break;
          default: reflect_group<1>(v, s, c, m_, m_ - k); break;
        }
      }
    }
  }

  // f(jb, je) over the columns [from, n) split over threads: a panel costs about m·kPanel multiply-adds per column.
  template <class F>
  void over_columns(int64_t from, F f) const {
    int64_t grain = std::max<int64_t>(kGroup, 4 * kElementwiseGrain / (m_ * kPanel));
    parallel_for(n_ - from, grain, [&](int64_t b, int64_t e) { f(from + b, from + e); });
  }

  std::vector<double> a_;
  int64_t m_, n_;
  std::vector<double> diag_, scale_;
};

// gain·Q·diag(sign(diag R)) for the QR of an m x n normal matrix, column-major. Element (r, c) of the normal matrix
// is philox normal number offset + r·n + c of `seed` in f64, so the drawn matrix equals random_normal(shape [m, n],
// f64, seed, offset), and the f32 and f64 results of the op agree to rounding.
std::vector<double> scaled_q(int64_t m, int64_t n, uint64_t seed, uint64_t offset, double gain) {
  std::vector<double> a(static_cast<size_t>(m * n));
  parallel_for(m * n, 4096, [&](int64_t b, int64_t e) {
    for (int64_t idx = b; idx < e; ++idx)
      a[static_cast<size_t>(idx % n * m + idx / n)] =
          philox::normal<double>(seed, offset + static_cast<uint64_t>(idx), 0.0, 1.0);
  });
  HouseholderQr qr(std::move(a), m, n);
  qr.factor();
  std::vector<double> q = qr.q();
  parallel_for(n, std::max<int64_t>(1, kElementwiseGrain / m), [&](int64_t b, int64_t e) {
    for (int64_t k = b; k < e; ++k) {
      double f = qr.r_diag(k) < 0 ? -gain : gain;
      for (int64_t i = 0; i < m; ++i) q[static_cast<size_t>(k * m + i)] *= f;
    }
  });
  return q;
}

void orthogonal_kernel(KernelContext& ctx) {
  Tensor& out = ctx.outputs[0];
  if (out.numel() == 0) return;
  const int64_t cols = out.shape().back(), rows = out.numel() / cols;
  const int64_t m = std::max(rows, cols), n = std::min(rows, cols);
  std::vector<double> q;
  try {
    q = scaled_q(m, n, static_cast<uint64_t>(ctx.attrs.get_int("seed", 0)),
                 static_cast<uint64_t>(ctx.attrs.get_int("offset", 0)), ctx.attrs.get_float("gain", 1));
  } catch (const std::bad_alloc&) {
    fail(Status::OutOfMemory, ctx.def.name, ": the two ", m, " x ", n, " f64 matrices of the QR do not fit in memory");
  }
  // A tall result is Q itself; a wide one is Qᵀ, whose rows are then orthonormal.
  const bool tall = rows >= cols;
  dispatch_floating(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* o = out.data<T>();
    parallel_for(rows, std::max<int64_t>(1, kElementwiseGrain / cols), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r)
        for (int64_t c = 0; c < cols; ++c)
          o[r * cols + c] = static_cast<T>(q[static_cast<size_t>(tall ? c * m + r : r * m + c)]);
    });
  });
}

// ---- global_norm ----

// Blocks of a fixed size, summed separately and then in order: the grouping depends on the sizes alone, never on
// the thread count.
constexpr int64_t kNormBlock = 8192;

template <class T>
double sum_squares(const T* x, int64_t n) {
  double acc[8] = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) {
      double v = static_cast<double>(x[i + j]);
      acc[j] += v * v;
    }
  for (int j = 0; i < n; ++i, ++j) {
    double v = static_cast<double>(x[i]);
    acc[j] += v * v;
  }
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

void global_norm_kernel(KernelContext& ctx) {
  struct Block {
    size_t input;
    int64_t begin, end;
  };
  std::vector<Block> blocks;
  for (size_t t = 0; t < ctx.inputs.size(); ++t)
    for (int64_t b = 0, n = ctx.inputs[t].numel(); b < n; b += kNormBlock) blocks.push_back({t, b, std::min(n, b + kNormBlock)});
  std::vector<double> partial(blocks.size());
  dispatch_floating(ctx.inputs[0].dtype(), [&](auto tag) {
    using T = decltype(tag);
    parallel_for(static_cast<int64_t>(blocks.size()), std::max<int64_t>(1, kElementwiseGrain / kNormBlock),
                 [&](int64_t b, int64_t e) {
                   for (int64_t i = b; i < e; ++i) {
                     const Block& blk = blocks[static_cast<size_t>(i)];
                     partial[static_cast<size_t>(i)] =
                         sum_squares(ctx.inputs[blk.input].data<T>() + blk.begin, blk.end - blk.begin);
                   }
                 });
    double total = 0;
    for (double s : partial) total += s;
    ctx.outputs[0].data<T>()[0] = static_cast<T>(std::sqrt(total));
  });
}

// dst is contiguous (the dispatcher refuses other views of a mutated input); src may be any view, broadcasts included.
void assign_kernel(KernelContext& ctx) {
  Tensor dst = ctx.inputs[0];
  const Tensor& src = ctx.inputs[1];
  Tensor from = src.view(dst.shape(), broadcast_strides(dst.shape(), src.shape(), src.strides()), src.offset());
  copy_into(from, dst);
}

}  // namespace

void register_optim_kernels() {
  register_kernel(OpId::SgdUpdate, sgd_kernel, kFloatTypes);
  register_kernel(OpId::MomentumUpdate, momentum_kernel, kFloatTypes);
  register_kernel(OpId::RmspropUpdate, rmsprop_kernel, kFloatTypes);
  register_kernel(OpId::AdagradUpdate, adagrad_kernel, kFloatTypes);
  register_kernel(OpId::AdamUpdate, adam_kernel, kFloatTypes);
  register_kernel(OpId::AdamwUpdate, adam_kernel, kFloatTypes);
  register_kernel(OpId::Orthogonal, orthogonal_kernel, kFloatTypes);
  register_kernel(OpId::GlobalNorm, global_norm_kernel, kFloatTypes);
  register_kernel(OpId::Assign, assign_kernel, kAllCpuTypes, /*contiguous_inputs=*/false);
}

}  // namespace nr::cpu
