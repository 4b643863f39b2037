// The fused losses: softmax cross-entropy with probability targets or integer labels (forward and logits gradient),
// and elementwise sigmoid cross-entropy.
//
// The contiguous logits are read as [outer, K, inner] with K the class axis; a row is the K values of one
// (outer, inner) position, `inner` apart (1 for the usual class-last layout, which gets its own unit-stride
// instantiation so the loops vectorise). Each row takes a pass for its maximum, then exponentiates the shifted logits
// (a block at a time into a buffer, or straight into the gradient) and sums, in double, what the loss needs:
// log-sum-exp is max + log Σ e^(x - max), so logits of ±1000 give finite, exact losses. A NaN logit makes its row's
// loss and gradient NaN. Rows are independent, so results do not depend on the thread count.
//
// The exponentials are the cost: f32 uses exp_nonpositive below, a polynomial exp the compiler vectorises (within
// 1.02 ulp of e^z over all of [-88, 0], checked exhaustively), where std::exp stays a scalar call; f64 uses std::exp.
// Sums over a row use kLanes interleaved double accumulators, so they vectorise too and keep a fixed order.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "core/thread_pool.h"
#include "cpu/cpu_backend.h"
#include "ops/shape_util.h"

namespace nr::cpu {
namespace {

constexpr int kLanes = 8;
// Row elements exponentiated into a stack buffer at a time by the forward losses.
constexpr int64_t kBlock = 512;

float from_bits(uint32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}
uint32_t to_bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

// e^z for z <= 0 or NaN (a logit minus its row's maximum): Cephes' expf, z = n·ln2 + r with |r| <= ln2/2 and a
// degree-7 polynomial in r, scaled by 2^n built in the exponent bits. The clamp to [-88, 0] works on the bits
// (forcing the sign, then an integer min, so -inf and NaN land on -88), because GCC keeps a float select followed by
// arithmetic as a branch under -ftrapping-math and would not vectorise. At -88, n = -127 makes the scale 0, so
// results below the normal range flush to 0. NaN is put back at the end.
inline float exp_nonpositive(float z) {
  constexpr float kLog2e = 1.44269504088896341f, kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;
  constexpr float kRound = 12582912.0f;  // 1.5·2^23: adding and subtracting it rounds to an integer
  constexpr int32_t kMinBits = static_cast<int32_t>(0xC2B00000u);  // -88.0f
  const float zc = from_bits(static_cast<uint32_t>(std::min(static_cast<int32_t>(to_bits(z) | 0x80000000u), kMinBits)));
  const float n = (zc * kLog2e + kRound) - kRound;
  const float r = (zc - n * kLn2Hi) - n * kLn2Lo;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float y = (p * r * r + r + 1.0f) * from_bits(static_cast<uint32_t>(static_cast<int32_t>(n) + 127) << 23);
  const uint32_t nan = z != z ? 0xFFFFFFFFu : 0u;
  return from_bits(to_bits(y) | (nan & to_bits(z)));
}
inline double exp_nonpositive(double z) { return std::exp(z); }

// Σ term(k) over [0, n) in double, kLanes interleaved partial sums combined in a fixed order.
template <class F>
double lane_sum(int64_t n, F term) {
  double lanes[kLanes] = {};
  int64_t k = 0;
  for (; k + kLanes <= n; k += kLanes)
    for (int j = 0; j < kLanes; ++j) lanes[j] += term(k + j);
  double s = 0;
  for (; k < n; ++k) s += term(k);
  for (int j = 0; j < kLanes; ++j) s += lanes[j];
  return s;
}

struct Rows {
  int64_t outer, K, inner;
  int64_t count() const { return outer * inner; }
  // Offset of row r's first element.
  int64_t base(int64_t r) const { return inner == 1 ? r * K : (r / inner) * K * inner + r % inner; }
};

Rows rows_of(const Tensor& logits, const Attrs& attrs, const char* op) {
  int axis = normalize_axis(op, attrs.get_int("axis", -1), logits.ndim(), logits.shape());
  Rows r{1, logits.dim(axis), 1};
  for (int d = 0; d < logits.ndim(); ++d)
    if (d != axis) (d < axis ? r.outer : r.inner) *= logits.dim(d);
  return r;
}

// Runs row_fn(r, stride) over every row, with the stride a compile-time 1 in the class-last layout.
template <class F>
void for_each_row(const Rows& rows, F row_fn) {
  const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, rows.K));
  if (rows.inner == 1)
    parallel_for(rows.count(), grain, [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) row_fn(r, std::integral_constant<int64_t, 1>());
    });
  else
    parallel_for(rows.count(), grain, [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) row_fn(r, rows.inner);
    });
}

// NaN is skipped (the comparison fails); it reaches the loss through its own exponential.
template <class T, class S>
T row_max(const T* x, int64_t K, S stride) {
  T lanes[kLanes];
  std::fill(lanes, lanes + kLanes, -std::numeric_limits<T>::infinity());
  int64_t k = 0;
  for (; k + kLanes <= K; k += kLanes)
    for (int j = 0; j < kLanes; ++j) lanes[j] = x[(k + j) * stride] > lanes[j] ? x[(k + j) * stride] : lanes[j];
  T m = -std::numeric_limits<T>::infinity();
  for (; k < K; ++k) m = x[k * stride] > m ? x[k * stride] : m;
  for (int j = 0; j < kLanes; ++j) m = lanes[j] > m ? lanes[j] : m;
  return m;
}

// Σ e^(x_k - max) over a row, exponentiating a block at a time into a buffer the compiler can vectorise over.
template <class T, class S>
double exp_sum(const T* x, int64_t K, S stride, T max) {
  T e[kBlock];
  double sum = 0;
  for (int64_t k0 = 0; k0 < K; k0 += kBlock) {
    const int64_t len = std::min(kBlock, K - k0);
    const T* xb = x + k0 * stride;
    for (int64_t j = 0; j < len; ++j) e[j] = exp_nonpositive(xb[j * stride] - max);
    sum += lane_sum(len, [&](int64_t j) { return static_cast<double>(e[j]); });
  }
  return sum;
}

// Writes e^(x_k - max) to out and returns their sum.
template <class T, class S>
double exp_store(const T* x, T* out, int64_t K, S stride, T max) {
  for (int64_t k = 0; k < K; ++k) out[k * stride] = exp_nonpositive(x[k * stride] - max);
  return lane_sum(K, [&](int64_t k) { return static_cast<double>(out[k * stride]); });
}

// loss = Σ t·(lse - x) = Σt · log Σ e^(x - max) - Σ t·(x - max).
template <class T>
void softmax_ce_forward(const T* x, const T* t, T* loss, const Rows& rows) {
  for_each_row(rows, [&](int64_t r, auto stride) {
    const T* xr = x + rows.base(r);
    const T* tr = t + rows.base(r);
    const T max = row_max(xr, rows.K, stride);
    const double sum = exp_sum(xr, rows.K, stride, max);
    const double t_sum = lane_sum(rows.K, [&](int64_t k) { return static_cast<double>(tr[k * stride]); });
    const double t_dot = lane_sum(rows.K, [&](int64_t k) {
      return static_cast<double>(tr[k * stride]) * static_cast<double>(xr[k * stride] - max);
    });
    loss[r] = static_cast<T>(t_sum * std::log(sum) - t_dot);
  });
}

// dlogits = (softmax · Σt - t) · g: the exponentials are written first, then scaled in place.
template <class T>
void softmax_ce_backward(const T* x, const T* t, const T* g, T* dx, const Rows& rows) {
  for_each_row(rows, [&](int64_t r, auto stride) {
    const int64_t base = rows.base(r);
    const T* xr = x + base;
    const T* tr = t + base;
    T* dr = dx + base;
    const double sum = exp_store(xr, dr, rows.K, stride, row_max(xr, rows.K, stride));
    const double t_sum = lane_sum(rows.K, [&](int64_t k) { return static_cast<double>(tr[k * stride]); });
    const T gr = g[r], scale = static_cast<T>(t_sum / sum * static_cast<double>(gr));
    for (int64_t k = 0; k < rows.K; ++k) dr[k * stride] = dr[k * stride] * scale - tr[k * stride] * gr;
  });
}

// Every label is checked before any row is computed.
template <class I>
void check_labels(const I* labels, int64_t n, int64_t K, const char* op) {
  for (int64_t r = 0; r < n; ++r)
    if (labels[r] < 0 || labels[r] >= K)
      fail(Status::Index, op, ": label ", static_cast<int64_t>(labels[r]), " of row ", r,
           " is out of range for ", K, " classes [0, ", K, ")");
}

template <class T, class I>
void sparse_ce_forward(const T* x, const I* labels, T* loss, const Rows& rows) {
  for_each_row(rows, [&](int64_t r, auto stride) {
    const T* xr = x + rows.base(r);
    const T max = row_max(xr, rows.K, stride);
    const double sum = exp_sum(xr, rows.K, stride, max);
    loss[r] = static_cast<T>(std::log(sum) - static_cast<double>(xr[static_cast<int64_t>(labels[r]) * stride] - max));
  });
}

template <class T, class I>
void sparse_ce_backward(const T* x, const I* labels, const T* g, T* dx, const Rows& rows) {
  for_each_row(rows, [&](int64_t r, auto stride) {
    const int64_t base = rows.base(r);
    const T* xr = x + base;
    T* dr = dx + base;
    const double sum = exp_store(xr, dr, rows.K, stride, row_max(xr, rows.K, stride));
    const T scale = static_cast<T>(static_cast<double>(g[r]) / sum);
    for (int64_t k = 0; k < rows.K; ++k) dr[k * stride] *= scale;
    dr[static_cast<int64_t>(labels[r]) * stride] -= g[r];
  });
}

void softmax_ce_kernel(KernelContext& ctx) {
  const Tensor &x = ctx.inputs[0], &t = ctx.inputs[1];
  Rows rows = rows_of(x, ctx.attrs, ctx.def.name);
  dispatch_floating(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* out = ctx.outputs[0].data<T>();
    if (rows.K == 0) std::fill(out, out + rows.count(), T(0));  // an empty sum
    else softmax_ce_forward<T>(x.data<T>(), t.data<T>(), out, rows);
  });
}

void softmax_ce_grad_kernel(KernelContext& ctx) {
  const Tensor &x = ctx.inputs[0], &t = ctx.inputs[1], &g = ctx.inputs[2];
  Rows rows = rows_of(x, ctx.attrs, ctx.def.name);
  if (rows.K == 0) return;
  dispatch_floating(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    softmax_ce_backward<T>(x.data<T>(), t.data<T>(), g.data<T>(), ctx.outputs[0].data<T>(), rows);
  });
}

template <class F>
void with_labels(const Tensor& labels, const Rows& rows, const char* op, F f) {
  if (labels.dtype() == DType::I32) {
    check_labels(labels.data<int32_t>(), rows.count(), rows.K, op);
    f(labels.data<int32_t>());
  } else {
    check_labels(labels.data<int64_t>(), rows.count(), rows.K, op);
    f(labels.data<int64_t>());
  }
}

void sparse_ce_kernel(KernelContext& ctx) {
  const Tensor &x = ctx.inputs[0], &labels = ctx.inputs[1];
  Rows rows = rows_of(x, ctx.attrs, ctx.def.name);
  dispatch_floating(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    with_labels(labels, rows, ctx.def.name,
                [&](auto* lp) { sparse_ce_forward<T>(x.data<T>(), lp, ctx.outputs[0].data<T>(), rows); });
  });
}

void sparse_ce_grad_kernel(KernelContext& ctx) {
  const Tensor &x = ctx.inputs[0], &labels = ctx.inputs[1], &g = ctx.inputs[2];
  Rows rows = rows_of(x, ctx.attrs, ctx.def.name);
  dispatch_floating(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    with_labels(labels, rows, ctx.def.name, [&](auto* lp) {
      sparse_ce_backward<T>(x.data<T>(), lp, g.data<T>(), ctx.outputs[0].data<T>(), rows);
    });
  });
}

// max(x, 0) - x·z + log1p(e^-|x|): the exponent is never positive, so nothing overflows.
void sigmoid_ce_kernel(KernelContext& ctx) {
  const Tensor &x = ctx.inputs[0], &z = ctx.inputs[1];
  dispatch_floating(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data<T>();
    const T* zp = z.data<T>();
    T* out = ctx.outputs[0].data<T>();
    parallel_for(x.numel(), kElementwiseGrain / 8, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i)
        out[i] = std::max(xp[i], T(0)) - xp[i] * zp[i] + std::log1p(std::exp(-std::fabs(xp[i])));
    });
  });
}

}  // namespace

void register_nn_loss_kernels() {
  register_kernel(OpId::SoftmaxCrossEntropy, softmax_ce_kernel, kFloatTypes);
  register_kernel(OpId::SoftmaxCrossEntropyGrad, softmax_ce_grad_kernel, kFloatTypes);
  register_kernel(OpId::SparseSoftmaxCrossEntropy, sparse_ce_kernel, kFloatTypes);
  register_kernel(OpId::SparseSoftmaxCrossEntropyGrad, sparse_ce_grad_kernel, kFloatTypes);
  register_kernel(OpId::SigmoidCrossEntropy, sigmoid_ce_kernel, kFloatTypes);
}

}  // namespace nr::cpu
