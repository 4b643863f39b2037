// Fused recurrent cells on the GPU, as cpu/rnn_kernels.cpp computes them: the matrix products through cuBLAS on the
// compute stream, everything elementwise (bias, gate activations, state update) in one kernel over [N, H] that reads
// a row's gate pre-activations once.
//
// The backward kernels recompute the gate pre-activations with the forward's gemms (the forward keeps nothing),
// overwrite them with the pre-activation gradients dz in one elementwise pass, then get every weight and input
// gradient from dz with four more gemms and a column sum. Outputs a `needs` mask leaves out are zeros.
#include "cuda/cuda_backend.h"
#include "cuda/cuda_common.h"

namespace nr::cuda {
namespace {

#define NR_GRID_LOOP(i, n) \
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < (n); i += int64_t(gridDim.x) * blockDim.x)

// As the sigmoid op: exp(-|x|) cannot overflow, and large |x| saturate to exactly 0 or 1.
template <class T>
__device__ inline T sigmoid(T x) {
  const T e = d_exp(-d_fabs(x));
  return x >= T(0) ? T(1) / (T(1) + e) : e / (T(1) + e);
}

// c [m, n] (contiguous) = op(a)·op(b) (+ c when accumulate) for contiguous row-major a ([k, m] when transposed) and
// b ([n, k] when transposed). Empty products are handled here: cuBLAS wants every leading dimension >= 1.
template <class T>
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const T* a, const T* b, T* c, bool accumulate) {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    if (!accumulate) NR_CUDA_CHECK(cudaMemsetAsync(c, 0, static_cast<size_t>(m * n) * sizeof(T), stream()));
    return;
  }
  gemm_row_major<T>(trans_a, trans_b, m, n, k, a, trans_a ? m : k, b, trans_b ? k : n, c, n, accumulate);
}

bool wanted(const KernelContext& ctx, size_t output) {
  const int64_t all = (int64_t(1) << ctx.outputs.size()) - 1;
  return (ctx.attrs.get_int("needs", all) >> output) & 1;
}

void zero_unwanted(KernelContext& ctx) {
  for (size_t k = 0; k < ctx.outputs.size(); ++k)
    if (!wanted(ctx, k) && ctx.outputs[k].nbytes())
      NR_CUDA_CHECK(cudaMemsetAsync(ctx.outputs[k].raw_data(), 0, ctx.outputs[k].nbytes(), stream()));
}

// db[j] = Σ over rows of dz[r, j], rows added in order as the CPU does; threads of a warp read adjacent columns.
template <class T>
__global__ void column_sums_of(const T* dz, int64_t rows, int64_t cols, T* db) {
  NR_GRID_LOOP(j, cols) {
    T acc = T(0);
    for (int64_t r = 0; r < rows; ++r) acc += dz[r * cols + j];
    db[j] = acc;
  }
}

template <class T>
void column_sums(const T* dz, int64_t rows, int64_t cols, T* db) {
  if (cols == 0) return;
  column_sums_of<<<grid_for(cols), 256, 0, stream()>>>(dz, rows, cols, db);
  check_launch("rnn bias gradient");
}

// A device buffer of rows x cols elements of T for a kernel's temporaries.
template <class T>
struct Buffer {
  Scratch mem;
  Buffer(int64_t rows, int64_t cols) : mem(static_cast<size_t>(rows * cols) * sizeof(T)) {}
  T* get() const { return mem.as<T>(); }
};

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
  if (wanted(ctx, 0)) gemm<T>(false, true, n, in, gates_width, dz_x, w, ctx.outputs[0].data<T>(), false);
  if (wanted(ctx, 1))
    gemm<T>(false, true, n, hid, gates_width, dz_h, u, ctx.outputs[1].data<T>(), dh_has_direct_term);
  if (wanted(ctx, w_at)) gemm<T>(true, false, in, gates_width, n, x.data<T>(), dz_x, ctx.outputs[w_at].data<T>(), false);
  if (wanted(ctx, w_at + 1))
    gemm<T>(true, false, hid, gates_width, n, h.data<T>(), dz_h, ctx.outputs[w_at + 1].data<T>(), false);
}

// z [N, G] = x·w + h·u for the weights at inputs w_at and w_at + 1.
template <class T>
void preactivations(const KernelContext& ctx, size_t w_at, int64_t gates_width, T* z) {
  const int64_t n = ctx.inputs[0].dim(0), in = ctx.inputs[0].dim(1), hid = ctx.inputs[1].dim(1);
  gemm<T>(false, false, n, gates_width, in, ctx.inputs[0].data<T>(), ctx.inputs[w_at].data<T>(), z, false);
  gemm<T>(false, false, n, gates_width, hid, ctx.inputs[1].data<T>(), ctx.inputs[w_at + 1].data<T>(), z, true);
}

// ---- simple RNN: h' = act(x·w + h·u + b) ----

template <class T>
__global__ void rnn_activate(T* z, const T* b, int64_t n, int64_t hid, bool relu) {
  NR_GRID_LOOP(q, n * hid) {
    const T v = z[q] + b[q % hid];
    z[q] = relu ? (v < T(0) ? T(0) : v) : d_tanh(v);  // relu keeps NaN
  }
}

template <class T>
void rnn_cell_typed(KernelContext& ctx) {
  const int64_t n = ctx.inputs[0].dim(0), hid = ctx.inputs[1].dim(1);
  T* out = ctx.outputs[0].data<T>();
  if (n * hid == 0) return;
  preactivations<T>(ctx, 2, hid, out);
  rnn_activate<<<grid_for(n * hid), 256, 0, stream()>>>(out, ctx.inputs[4].data<T>(), n, hid,
                                                        ctx.attrs.get_int("activation", 0) == 1);
  check_launch("rnn_cell");
}

// act' from h': 1 - h'² for tanh, h' > 0 for relu.
template <class T>
__global__ void rnn_dz(const T* hn, const T* dhn, T* dz, int64_t count, bool relu) {
  NR_GRID_LOOP(q, count) dz[q] = relu ? (hn[q] > T(0) ? dhn[q] : T(0)) : dhn[q] * (T(1) - hn[q] * hn[q]);
}

// Inputs (x, h, w, u, h', dh'); outputs (dx, dh, dw, du, db).
template <class T>
void rnn_cell_grad_typed(KernelContext& ctx) {
  const int64_t n = ctx.inputs[0].dim(0), hid = ctx.inputs[1].dim(1);
  Buffer<T> dz(n, hid);
  if (n * hid) {
    rnn_dz<<<grid_for(n * hid), 256, 0, stream()>>>(ctx.inputs[4].data<T>(), ctx.inputs[5].data<T>(), dz.get(),
                                                    n * hid, ctx.attrs.get_int("activation", 0) == 1);
    check_launch("rnn_cell_grad");
  }
  zero_unwanted(ctx);
  linear_grads<T>(ctx, dz.get(), dz.get(), hid, 2, false);
  if (wanted(ctx, 4)) column_sums(dz.get(), n, hid, ctx.outputs[4].data<T>());
}

// ---- LSTM, Keras gate order i, f, c, o ----

// z row r holds the pre-activations of i, f, g (the candidate) and o, each H wide, without the bias.
template <class T>
struct LstmGates {
  T i, f, g, o;
};

template <class T>
__device__ inline LstmGates<T> lstm_gates(const T* zr, const T* b, int64_t hid, int64_t j) {
  return {sigmoid(zr[j] + b[j]), sigmoid(zr[hid + j] + b[hid + j]), d_tanh(zr[2 * hid + j] + b[2 * hid + j]),
          sigmoid(zr[3 * hid + j] + b[3 * hid + j])};
}

template <class T>
__global__ void lstm_forward(const T* z, const T* b, const T* c, T* h_out, T* c_out, int64_t n, int64_t hid) {
  NR_GRID_LOOP(q, n * hid) {
    const int64_t r = q / hid, j = q - r * hid;
    const LstmGates<T> a = lstm_gates(z + r * 4 * hid, b, hid, j);
    const T cn = a.f * c[q] + a.i * a.g;
    c_out[q] = cn;
    h_out[q] = a.o * d_tanh(cn);
  }
}

template <class T>
void lstm_cell_typed(KernelContext& ctx) {
  const int64_t n = ctx.inputs[0].dim(0), hid = ctx.inputs[1].dim(1);
  if (n * hid == 0) return;
  Buffer<T> z(n, 4 * hid);
  preactivations<T>(ctx, 3, 4 * hid, z.get());
  lstm_forward<<<grid_for(n * hid), 256, 0, stream()>>>(z.get(), ctx.inputs[5].data<T>(), ctx.inputs[2].data<T>(),
                                                        ctx.outputs[0].data<T>(), ctx.outputs[1].data<T>(), n, hid);
  check_launch("lstm_cell");
}

// The gates become the gradients of their pre-activations, in place. The cell state's total gradient dct is what
// came for c' plus what came through h' = o·tanh(c'); dc = dct·f.
template <class T>
__global__ void lstm_backward(T* z, const T* b, const T* c, const T* dhn, const T* dcn, T* dc, int64_t n,
                              int64_t hid) {
  NR_GRID_LOOP(q, n * hid) {
    const int64_t r = q / hid, j = q - r * hid;
    T* zr = z + r * 4 * hid;
    const LstmGates<T> a = lstm_gates(zr, b, hid, j);
    const T t = d_tanh(a.f * c[q] + a.i * a.g), d = dhn[q];
    const T dct = dcn[q] + d * a.o * (T(1) - t * t);
    zr[j] = dct * a.g * a.i * (T(1) - a.i);
    zr[hid + j] = dct * c[q] * a.f * (T(1) - a.f);
    zr[2 * hid + j] = dct * a.i * (T(1) - a.g * a.g);
    zr[3 * hid + j] = d * t * a.o * (T(1) - a.o);
    if (dc) dc[q] = dct * a.f;
  }
}

// Inputs (x, h, c, w, u, b, dh', dc'); outputs (dx, dh, dc, dw, du, db).
template <class T>
void lstm_cell_grad_typed(KernelContext& ctx) {
  const int64_t n = ctx.inputs[0].dim(0), hid = ctx.inputs[1].dim(1);
  Buffer<T> z(n, 4 * hid);
  if (n * hid) {
    preactivations<T>(ctx, 3, 4 * hid, z.get());
    T* dc = wanted(ctx, 2) ? ctx.outputs[2].data<T>() : nullptr;
    lstm_backward<<<grid_for(n * hid), 256, 0, stream()>>>(z.get(), ctx.inputs[5].data<T>(), ctx.inputs[2].data<T>(),
                                                           ctx.inputs[6].data<T>(), ctx.inputs[7].data<T>(), dc, n,
                                                           hid);
    check_launch("lstm_cell_grad");
  }
  zero_unwanted(ctx);
  linear_grads<T>(ctx, z.get(), z.get(), 4 * hid, 3, false);
  if (wanted(ctx, 5)) column_sums(z.get(), n, 4 * hid, ctx.outputs[5].data<T>());
}

// ---- GRU, Keras reset_after=True, gate order z, r, h ----

// xz [N, 3H] = x·w and hz [N, 3H] = h·u are kept apart because the reset gate scales only h's candidate part;
// b [2, 3H] holds the input biases, then the recurrent ones.
template <class T>
struct GruGates {
  T z, r, hc, cand;  // hc = (h·u)_h + b_hh, the recurrent part the reset gate scales
};

template <class T>
__device__ inline GruGates<T> gru_gates(const T* xr, const T* hr, const T* b, int64_t hid, int64_t j) {
  const T* bh = b + 3 * hid;
  GruGates<T> g;
  g.z = sigmoid(xr[j] + b[j] + hr[j] + bh[j]);
  g.r = sigmoid(xr[hid + j] + b[hid + j] + hr[hid + j] + bh[hid + j]);
  g.hc = hr[2 * hid + j] + bh[2 * hid + j];
  g.cand = d_tanh(xr[2 * hid + j] + b[2 * hid + j] + g.r * g.hc);
  return g;
}

template <class T>
__global__ void gru_forward(const T* xz, const T* hz, const T* b, const T* h, T* out, int64_t n, int64_t hid) {
  NR_GRID_LOOP(q, n * hid) {
    const int64_t r = q / hid, j = q - r * hid;
    const GruGates<T> g = gru_gates(xz + r * 3 * hid, hz + r * 3 * hid, b, hid, j);
    out[q] = g.z * h[q] + (T(1) - g.z) * g.cand;
  }
}

template <class T>
void gru_preactivations(const KernelContext& ctx, T* xz, T* hz) {
  const int64_t n = ctx.inputs[0].dim(0), in = ctx.inputs[0].dim(1), hid = ctx.inputs[1].dim(1);
  gemm<T>(false, false, n, 3 * hid, in, ctx.inputs[0].data<T>(), ctx.inputs[2].data<T>(), xz, false);
  gemm<T>(false, false, n, 3 * hid, hid, ctx.inputs[1].data<T>(), ctx.inputs[3].data<T>(), hz, false);
}

template <class T>
void gru_cell_typed(KernelContext& ctx) {
  const int64_t n = ctx.inputs[0].dim(0), hid = ctx.inputs[1].dim(1);
  if (n * hid == 0) return;
  Buffer<T> xz(n, 3 * hid), hz(n, 3 * hid);
  gru_preactivations<T>(ctx, xz.get(), hz.get());
  gru_forward<<<grid_for(n * hid), 256, 0, stream()>>>(xz.get(), hz.get(), ctx.inputs[4].data<T>(),
                                                       ctx.inputs[1].data<T>(), ctx.outputs[0].data<T>(), n, hid);
  check_launch("gru_cell");
}

// The activations become the gradients of the pre-activations: of x·w's part in xz, of h·u's in hz. dh gets h's
// direct path (dh'·z); linear_grads adds the path through u.
template <class T>
__global__ void gru_backward(T* xz, T* hz, const T* b, const T* h, const T* dhn, T* dh, int64_t n, int64_t hid) {
  NR_GRID_LOOP(q, n * hid) {
    const int64_t r = q / hid, j = q - r * hid;
    T *xr = xz + r * 3 * hid, *hr = hz + r * 3 * hid;
    const GruGates<T> g = gru_gates(xr, hr, b, hid, j);
    const T d = dhn[q];
    if (dh) dh[q] = d * g.z;
    const T dcand = d * (T(1) - g.z) * (T(1) - g.cand * g.cand);
    const T dz = d * (h[q] - g.cand) * g.z * (T(1) - g.z);
    const T dr = dcand * g.hc * g.r * (T(1) - g.r);
    xr[j] = dz;
    hr[j] = dz;
    xr[hid + j] = dr;
    hr[hid + j] = dr;
    xr[2 * hid + j] = dcand;
    hr[2 * hid + j] = dcand * g.r;
  }
}

// Inputs (x, h, w, u, b, dh'); outputs (dx, dh, dw, du, db [2, 3H]).
template <class T>
void gru_cell_grad_typed(KernelContext& ctx) {
  const int64_t n = ctx.inputs[0].dim(0), hid = ctx.inputs[1].dim(1);
  Buffer<T> xz(n, 3 * hid), hz(n, 3 * hid);
  if (n * hid) {
    gru_preactivations<T>(ctx, xz.get(), hz.get());
    T* dh = wanted(ctx, 1) ? ctx.outputs[1].data<T>() : nullptr;
    gru_backward<<<grid_for(n * hid), 256, 0, stream()>>>(xz.get(), hz.get(), ctx.inputs[4].data<T>(),
                                                          ctx.inputs[1].data<T>(), ctx.inputs[5].data<T>(), dh, n, hid);
    check_launch("gru_cell_grad");
  }
  zero_unwanted(ctx);
  linear_grads<T>(ctx, xz.get(), hz.get(), 3 * hid, 2, true);
  if (wanted(ctx, 4)) {
    T* db = ctx.outputs[4].data<T>();
    column_sums(xz.get(), n, 3 * hid, db);
    column_sums(hz.get(), n, 3 * hid, db + 3 * hid);
  }
}

#undef NR_GRID_LOOP

template <void (*F32)(KernelContext&), void (*F64)(KernelContext&)>
void floating_kernel(KernelContext& ctx) {
  dispatch_floating(ctx.inputs[0].dtype(), [&](auto tag) {
    if constexpr (sizeof(tag) == 4) F32(ctx);
    else F64(ctx);
  });
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

}  // namespace nr::cuda
