// Fused recurrent cells: the matrix products go to BLAS gemm (cpu/blas.h); everything elementwise (bias, gate activations,
// state update) is done row by row while a row of gate pre-activations is in cache, rows split across threads.
//
// The backward kernels recompute the gate pre-activations with the forward's two gemms (the forward keeps nothing),
// turn the incoming gradients into the pre-activation gradients dz in the same kind of pass, overwriting the
// recomputed values, then get every weight and input gradient from dz with four more gemms and a column sum.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "core/thread_pool.h"
#include "cpu/blas.h"
#include "cpu/cpu_backend.h"

namespace nr::cpu {
namespace {

// c [m, n] = op(a)·op(b) + beta·c for contiguous row-major operands (a is [k, m] when transposed, b is [n, k]).
template <class T>
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const T* a, const T* b, T beta, T* c) {
  cpu::gemm("rnn", trans_a, trans_b, m, n, k, a, trans_a ? m : k, b, trans_b ? k : n, beta, c, n);
}

// ---- gate activations over arrays ----
//
// The float versions run eight lanes at a time on GCC/Clang vector types: with IEEE trapping semantics the compiler
// will not vectorise a clamp or select followed by arithmetic on its own, and these passes would otherwise cost more
// than the gemms. The double versions are the library functions, as in the sigmoid and tanh ops.

typedef float F8 __attribute__((vector_size(32)));
typedef int32_t I8 __attribute__((vector_size(32)));

inline F8 splat(float v) { return F8{} + v; }

// Clamped to [lo, hi]; NaN fails both comparisons and stays NaN.
inline F8 clamp(F8 x, float lo, float hi) {
  x = x < lo ? splat(lo) : x;
  return x > hi ? splat(hi) : x;
}

// Cephes's expf: reduction by ln 2, a degree-6 polynomial, within 2 ulp. Inputs are clamped to [-87, 88], where 2^n
// is a normal float.
inline F8 exp8(F8 x) {
  x = clamp(x, -87.0f, 88.0f);
  const float kShift = 12582912.0f;  // 1.5·2^23: adding and removing it rounds |v| < 2^22 to an integer
  F8 n = (x * 1.44269504088896341f + kShift) - kShift;
  F8 r = x - n * 0.693359375f + n * 2.12194440e-4f;
  F8 p = splat(1.9875691500e-4f);
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  F8 y = p * r * r + r + 1.0f;
  I8 exponent = (__builtin_convertvector(n == n ? n : splat(0), I8) + 127) << 23;  // 2^n; NaN is carried by y
  F8 scale;
  std::memcpy(&scale, &exponent, sizeof scale);
  return y * scale;
}

// Relative error below 2e-7 everywhere; saturates to exactly 0 and 1.
inline F8 sigmoid8(F8 x) { return 1.0f / (1.0f + exp8(-x)); }

// Eigen's rational approximation of tanh on [-9, 9] (beyond, tanh rounds to ±1 in float); relative error below 3e-7,
// also near 0 where 1 - 2/(e^2x + 1) would cancel.
inline F8 tanh8(F8 x) {
  x = clamp(x, -9.0f, 9.0f);
  F8 x2 = x * x;
  F8 p = splat(-2.76076847742355e-16f);
  p = p * x2 + 2.00018790482477e-13f;
  p = p * x2 - 8.60467152213735e-11f;
  p = p * x2 + 5.12229709037114e-08f;
  p = p * x2 + 1.48572235717979e-05f;
  p = p * x2 + 6.37261928875436e-04f;
  p = p * x2 + 4.89352455891786e-03f;
  F8 q = splat(1.19825839466702e-06f);
  q = q * x2 + 1.18534705686654e-04f;
  q = q * x2 + 2.26843463243900e-03f;
  q = q * x2 + 4.89352518554385e-03f;
  return x * p / q;
}

// out[k] = f(in[k]) for k < n; in may equal out. The last partial group runs padded with zeros.
template <F8 (*F)(F8)>
void map8(const float* in, float* out, int64_t n) {
  int64_t k = 0;
  for (; k + 8 <= n; k += 8) {
    F8 v;
    std::memcpy(&v, in + k, sizeof v);
    v = F(v);
    std::memcpy(out + k, &v, sizeof v);
  }
  if (k < n) {
    F8 v = {};
    const size_t bytes = static_cast<size_t>(n - k) * sizeof(float);
    std::memcpy(&v, in + k, bytes);
    v = F(v);
    std::memcpy(out + k, &v, bytes);
  }
}

// Runs body(j, V{}) over [0, width): for float on eight lanes at a time (V = F8) and the rest one by one (V = float),
// for double one by one. For passes that read and write several rows of one buffer, where the compiler cannot
// prove the rows apart and so would not vectorise. body moves data with load<V> and store.
template <class T, class F>
void for_lanes(int64_t width, F&& body) {
  int64_t j = 0;
  if constexpr (std::is_same_v<T, float>)
    for (; j + 8 <= width; j += 8) body(j, F8{});
  for (; j < width; ++j) body(j, T{});
}

template <class V, class T>
inline V load(const T* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

template <class V, class T>
inline void store(T* p, V v) {
  std::memcpy(p, &v, sizeof v);
}

void sigmoid_array(const float* in, float* out, int64_t n) { map8<sigmoid8>(in, out, n); }
void tanh_array(const float* in, float* out, int64_t n) { map8<tanh8>(in, out, n); }

// As the sigmoid op: exp(-|x|) cannot overflow, and large |x| saturate to exactly 0 or 1.
void sigmoid_array(const double* in, double* out, int64_t n) {
  for (int64_t k = 0; k < n; ++k) {
    double e = std::exp(-std::abs(in[k]));
    double s = 1 / (1 + e);
    out[k] = in[k] >= 0 ? s : e * s;
  }
}
void tanh_array(const double* in, double* out, int64_t n) {
  for (int64_t k = 0; k < n; ++k) out[k] = std::tanh(in[k]);
}

// Runs fn(n0, n1) over row ranges of an [rows, width] pass that costs a few transcendentals per element.
template <class F>
void for_rows(int64_t rows, int64_t width, F&& fn) {
  int64_t grain = std::max<int64_t>(1, kElementwiseGrain / 8 / std::max<int64_t>(1, width));
  parallel_for(rows, grain, [&](int64_t n0, int64_t n1) { fn(n0, n1); });
}

// db[j] = sum over rows of dz[n, j], rows added in order so the result does not depend on the thread count.
template <class T>
void column_sums(const T* dz, int64_t rows, int64_t cols, T* db) {
  parallel_for(cols, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, rows)), [&](int64_t j0, int64_t j1) {
    std::fill(db + j0, db + j1, T(0));
    for (int64_t n = 0; n < rows; ++n) {
      const T* row = dz + n * cols;
      for (int64_t j = j0; j < j1; ++j) db[j] += row[j];
    }
  });
}

// Outputs of a backward kernel that its `needs` attribute did not ask for are zeros.
bool wanted(const KernelContext& ctx, size_t output) {
  int64_t all = (int64_t(1) << ctx.outputs.size()) - 1;
  return (ctx.attrs.get_int("needs", all) >> output) & 1;
}

void zero_unwanted(KernelContext& ctx) {
  for (size_t k = 0; k < ctx.outputs.size(); ++k)
    if (!wanted(ctx, k)) std::memset(ctx.outputs[k].raw_data(), 0, ctx.outputs[k].nbytes());
}

template <class T>
Tensor scratch(int64_t rows, int64_t cols) {
  return Tensor::empty({rows, cols}, dtype_of<T>());
}

// The gradients of x·w + h·u from the pre-activation gradients: dx = dz_x·wᵀ, dw = xᵀ·dz_x, dh (+)= dz_h·uᵀ,
// du = hᵀ·dz_h, where w and u are inputs w_at and w_at + 1, and output k is the gradient of input k.
// `dh_has_direct_term`: dh already holds the gradient of h's direct use, to add to.
template <class T>
void linear_grads(KernelContext& ctx, const T* dz_x, const T* dz_h, int64_t gates_width, size_t w_at,
                  bool dh_has_direct_term) {
  const Tensor &x = ctx.inputs[0], &h = ctx.inputs[1];
  const int64_t n = x.dim(0), in = x.dim(1), hid = h.dim(1);
  const T* w = ctx.inputs[w_at].data<T>();
  const T* u = ctx.inputs[w_at + 1].data<T>();
  if (wanted(ctx, 0)) gemm<T>(false, true, n, in, gates_width, dz_x, w, T(0), ctx.outputs[0].data<T>());
  if (wanted(ctx, 1))
    gemm<T>(false, true, n, hid, gates_width, dz_h, u, dh_has_direct_term ? T(1) : T(0), ctx.outputs[1].data<T>());
  if (wanted(ctx, w_at)) gemm<T>(true, false, in, gates_width, n, x.data<T>(), dz_x, T(0), ctx.outputs[w_at].data<T>());
  if (wanted(ctx, w_at + 1))
    gemm<T>(true, false, hid, gates_width, n, h.data<T>(), dz_h, T(0), ctx.outputs[w_at + 1].data<T>());
}

// ---- simple RNN: h' = act(x·w + h·u + b) ----

template <class T>
void rnn_cell_typed(KernelContext& ctx) {
  const Tensor &x = ctx.inputs[0], &h = ctx.inputs[1];
  const int64_t n = x.dim(0), in = x.dim(1), hid = h.dim(1);
  const bool relu = ctx.attrs.get_int("activation", 0) == 1;
  T* out = ctx.outputs[0].data<T>();
  gemm<T>(false, false, n, hid, in, x.data<T>(), ctx.inputs[2].data<T>(), T(0), out);
  gemm<T>(false, false, n, hid, hid, h.data<T>(), ctx.inputs[3].data<T>(), T(1), out);
  const T* b = ctx.inputs[4].data<T>();
  for_rows(n, hid, [&](int64_t n0, int64_t n1) {
    for (int64_t r = n0; r < n1; ++r) {
      T* row = out + r * hid;
      for (int64_t j = 0; j < hid; ++j) row[j] += b[j];
      if (relu)
        for (int64_t j = 0; j < hid; ++j) row[j] = row[j] < T(0) ? T(0) : row[j];  // NaN stays NaN
      else
        tanh_array(row, row, hid);
    }
  });
}

// Inputs (x, h, w, u, h', dh'); outputs (dx, dh, dw, du, db). act' comes from h': 1 - h'² for tanh, h' > 0 for relu.
template <class T>
void rnn_cell_grad_typed(KernelContext& ctx) {
  const int64_t n = ctx.inputs[0].dim(0), hid = ctx.inputs[1].dim(1);
  const bool relu = ctx.attrs.get_int("activation", 0) == 1;
  const T* hn = ctx.inputs[4].data<T>();
  const T* dhn = ctx.inputs[5].data<T>();
  Tensor dz_t = scratch<T>(n, hid);
  T* dz = dz_t.data<T>();
  for_rows(n, hid, [&](int64_t n0, int64_t n1) {
    if (relu)
      for_lanes<T>((n1 - n0) * hid, [&](int64_t j, auto lane) {
        using V = decltype(lane);
        const int64_t at = n0 * hid + j;
        store(dz + at, load<V>(hn + at) > V{} ? load<V>(dhn + at) : V{});
      });
    else
      for (int64_t i = n0 * hid; i < n1 * hid; ++i) dz[i] = dhn[i] * (T(1) - hn[i] * hn[i]);
  });
  zero_unwanted(ctx);
  linear_grads<T>(ctx, dz, dz, hid, 2, false);
  if (wanted(ctx, 4)) column_sums(dz, n, hid, ctx.outputs[4].data<T>());
}

// ---- LSTM, Keras gate order i, f, c, o ----

// z [N, 4H] = x·w + h·u + b activated in place: row r holds i, f, g (the candidate, tanh), o.
template <class T>
void lstm_gates(const KernelContext& ctx, int64_t hid, T* zr) {
  const T* b = ctx.inputs[5].data<T>();
  for (int64_t k = 0; k < 4 * hid; ++k) zr[k] += b[k];
  sigmoid_array(zr, zr, 2 * hid);
  tanh_array(zr + 2 * hid, zr + 2 * hid, hid);
  sigmoid_array(zr + 3 * hid, zr + 3 * hid, hid);
}

template <class T>
Tensor lstm_preactivations(const KernelContext& ctx) {
  const int64_t n = ctx.inputs[0].dim(0), in = ctx.inputs[0].dim(1), hid = ctx.inputs[1].dim(1);
  Tensor z = scratch<T>(n, 4 * hid);
  gemm<T>(false, false, n, 4 * hid, in, ctx.inputs[0].data<T>(), ctx.inputs[3].data<T>(), T(0), z.data<T>());
  gemm<T>(false, false, n, 4 * hid, hid, ctx.inputs[1].data<T>(), ctx.inputs[4].data<T>(), T(1), z.data<T>());
  return z;
}

template <class T>
void lstm_cell_typed(KernelContext& ctx) {
  const int64_t n = ctx.inputs[0].dim(0), hid = ctx.inputs[1].dim(1);
  Tensor z_t = lstm_preactivations<T>(ctx);
  T* z = z_t.data<T>();
  const T* c = ctx.inputs[2].data<T>();
  T* h_out = ctx.outputs[0].data<T>();
  T* c_out = ctx.outputs[1].data<T>();
  for_rows(n, 4 * hid, [&](int64_t n0, int64_t n1) {
    for (int64_t r = n0; r < n1; ++r) {
      T* zr = z + r * 4 * hid;
      lstm_gates(ctx, hid, zr);
      const T *cr = c + r * hid, *ig = zr, *fg = zr + hid, *gg = zr + 2 * hid, *og = zr + 3 * hid;
      T *cn = c_out + r * hid, *hn = h_out + r * hid;
      for (int64_t j = 0; j < hid; ++j) cn[j] = fg[j] * cr[j] + ig[j] * gg[j];
      tanh_array(cn, hn, hid);
      for (int64_t j = 0; j < hid; ++j) hn[j] *= og[j];
    }
  });
}

// Inputs (x, h, c, w, u, b, dh', dc'); outputs (dx, dh, dc, dw, du, db).
template <class T>
void lstm_cell_grad_typed(KernelContext& ctx) {
  const int64_t n = ctx.inputs[0].dim(0), hid = ctx.inputs[1].dim(1);
  Tensor z_t = lstm_preactivations<T>(ctx), tc_t = scratch<T>(n, hid);
  T *z = z_t.data<T>(), *tc = tc_t.data<T>();
  const T* c = ctx.inputs[2].data<T>();
  const T* dhn = ctx.inputs[6].data<T>();
  const T* dcn = ctx.inputs[7].data<T>();
  T* dc = wanted(ctx, 2) ? ctx.outputs[2].data<T>() : nullptr;
  for_rows(n, 4 * hid, [&](int64_t n0, int64_t n1) {
    for (int64_t r = n0; r < n1; ++r) {
      T* zr = z + r * 4 * hid;
      lstm_gates(ctx, hid, zr);
      T *ig = zr, *fg = zr + hid, *gg = zr + 2 * hid, *og = zr + 3 * hid, *tcr = tc + r * hid;
      const T *cr = c + r * hid, *dh = dhn + r * hid, *dcr = dcn + r * hid;
      for (int64_t j = 0; j < hid; ++j) tcr[j] = fg[j] * cr[j] + ig[j] * gg[j];
      tanh_array(tcr, tcr, hid);
      // The gates become the gradients of their pre-activations. The cell state's total gradient dct is what came
      // for c' plus what came through h' = o·tanh(c'); it overwrites tc, which is not needed after.
      for_lanes<T>(hid, [&](int64_t j, auto lane) {
        using V = decltype(lane);
        V i = load<V>(ig + j), f = load<V>(fg + j), g = load<V>(gg + j), o = load<V>(og + j), t = load<V>(tcr + j);
        V d = load<V>(dh + j), dct = load<V>(dcr + j) + d * o * (T(1) - t * t);
        store(ig + j, dct * g * i * (T(1) - i));
        store(fg + j, dct * load<V>(cr + j) * f * (T(1) - f));
        store(gg + j, dct * i * (T(1) - g * g));
        store(og + j, d * t * o * (T(1) - o));
        store(tcr + j, dct * f);
      });
      if (dc) std::copy(tcr, tcr + hid, dc + r * hid);
    }
  });
  zero_unwanted(ctx);
  linear_grads<T>(ctx, z, z, 4 * hid, 3, false);
  if (wanted(ctx, 5)) column_sums(z, n, 4 * hid, ctx.outputs[5].data<T>());
}

// ---- GRU, Keras reset_after=True, gate order z, r, h ----

// xz [N, 3H] = x·w and hz [N, 3H] = h·u, kept apart because the reset gate scales only h's candidate part.
template <class T>
std::pair<Tensor, Tensor> gru_preactivations(const KernelContext& ctx) {
  const int64_t n = ctx.inputs[0].dim(0), in = ctx.inputs[0].dim(1), hid = ctx.inputs[1].dim(1);
  Tensor xz = scratch<T>(n, 3 * hid), hz = scratch<T>(n, 3 * hid);
  gemm<T>(false, false, n, 3 * hid, in, ctx.inputs[0].data<T>(), ctx.inputs[2].data<T>(), T(0), xz.data<T>());
  gemm<T>(false, false, n, 3 * hid, hid, ctx.inputs[1].data<T>(), ctx.inputs[3].data<T>(), T(0), hz.data<T>());
  return {xz, hz};
}

// Activates row r in place: xr holds z, r, and the candidate h~ = tanh(x_h + r·hc); hr's last third holds
// hc = (h·u)_h + b_hh, the recurrent part the reset gate scaled.
template <class T>
void gru_gates(const KernelContext& ctx, int64_t hid, T* xr, T* hr) {
  const T* bx = ctx.inputs[4].data<T>();
  const T* bh = bx + 3 * hid;
  for (int64_t k = 0; k < 2 * hid; ++k) xr[k] = xr[k] + bx[k] + hr[k] + bh[k];
  sigmoid_array(xr, xr, 2 * hid);
  T *rg = xr + hid, *xh = xr + 2 * hid, *hc = hr + 2 * hid;
  for (int64_t j = 0; j < hid; ++j) {
    hc[j] += bh[2 * hid + j];
    xh[j] = xh[j] + bx[2 * hid + j] + rg[j] * hc[j];
  }
  tanh_array(xh, xh, hid);
}

template <class T>
void gru_cell_typed(KernelContext& ctx) {
  const int64_t n = ctx.inputs[0].dim(0), hid = ctx.inputs[1].dim(1);
  auto [xz_t, hz_t] = gru_preactivations<T>(ctx);
  T *xz = xz_t.template data<T>(), *hz = hz_t.template data<T>();
  const T* h = ctx.inputs[1].data<T>();
  T* out = ctx.outputs[0].data<T>();
  for_rows(n, 3 * hid, [&](int64_t n0, int64_t n1) {
    for (int64_t r = n0; r < n1; ++r) {
      T* xr = xz + r * 3 * hid;
      gru_gates(ctx, hid, xr, hz + r * 3 * hid);
      const T *zg = xr, *cand = xr + 2 * hid, *hr = h + r * hid;
      T* o = out + r * hid;
      for (int64_t j = 0; j < hid; ++j) o[j] = zg[j] * hr[j] + (T(1) - zg[j]) * cand[j];
    }
  });
}

// Inputs (x, h, w, u, b, dh'); outputs (dx, dh, dw, du, db [2, 3H]).
template <class T>
void gru_cell_grad_typed(KernelContext& ctx) {
  const int64_t n = ctx.inputs[0].dim(0), hid = ctx.inputs[1].dim(1);
  auto [xz_t, hz_t] = gru_preactivations<T>(ctx);
  T *xz = xz_t.template data<T>(), *hz = hz_t.template data<T>();
  const T* h = ctx.inputs[1].data<T>();
  const T* dhn = ctx.inputs[5].data<T>();
  T* dh = wanted(ctx, 1) ? ctx.outputs[1].data<T>() : nullptr;
  for_rows(n, 3 * hid, [&](int64_t n0, int64_t n1) {
    for (int64_t r = n0; r < n1; ++r) {
      T *xr = xz + r * 3 * hid, *hr = hz + r * 3 * hid;
      gru_gates(ctx, hid, xr, hr);
      const T *hp = h + r * hid, *d = dhn + r * hid;
      if (dh)  // h's direct path; linear_grads adds the path through u
        for (int64_t j = 0; j < hid; ++j) dh[r * hid + j] = d[j] * xr[j];
      // The activations become the gradients of the pre-activations: of x·w's part in xr, of h·u's in hr.
      for_lanes<T>(hid, [&](int64_t j, auto lane) {
        using V = decltype(lane);
        V z = load<V>(xr + j), rg = load<V>(xr + hid + j), cand = load<V>(xr + 2 * hid + j);
        V hc = load<V>(hr + 2 * hid + j), dj = load<V>(d + j);
        V dcand = dj * (T(1) - z) * (T(1) - cand * cand);
        V dz = dj * (load<V>(hp + j) - cand) * z * (T(1) - z);
        V dr = dcand * hc * rg * (T(1) - rg);
        store(xr + j, dz);
        store(hr + j, dz);
        store(xr + hid + j, dr);
        store(hr + hid + j, dr);
        store(xr + 2 * hid + j, dcand);
        store(hr + 2 * hid + j, dcand * rg);
      });
    }
  });
  zero_unwanted(ctx);
  linear_grads<T>(ctx, xz, hz, 3 * hid, 2, true);
  if (wanted(ctx, 4)) {
    T* db = ctx.outputs[4].data<T>();
    column_sums(xz, n, 3 * hid, db);
    column_sums(hz, n, 3 * hid, db + 3 * hid);
  }
}

template <void (*F32)(KernelContext&), void (*F64)(KernelContext&)>
void floating_kernel(KernelContext& ctx) {
  if (ctx.inputs[0].dtype() == DType::F32) F32(ctx);
  else F64(ctx);
}

}  // namespace

void register_rnn_kernels() {
  register_kernel(OpId::RnnCell, floating_kernel<rnn_cell_typed<float>, rnn_cell_typed<double>>, kFloatTypes);
  register_kernel(OpId::RnnCellGrad, floating_kernel<rnn_cell_grad_typed<float>, rnn_cell_grad_typed<double>>,
                  kFloatTypes);
  register_kernel(OpId::LstmCell, floating_kernel<lstm_cell_typed<float>, lstm_cell_typed<double>>, kFloatTypes);
  register_kernel(OpId::LstmCellGrad, floating_kernel<lstm_cell_grad_typed<float>, lstm_cell_grad_typed<double>>,
                  kFloatTypes);
  register_kernel(OpId::GruCell, floating_kernel<gru_cell_typed<float>, gru_cell_typed<double>>, kFloatTypes);
  register_kernel(OpId::GruCellGrad, floating_kernel<gru_cell_grad_typed<float>, gru_cell_grad_typed<double>>,
                  kFloatTypes);
}

}  // namespace nr::cpu
