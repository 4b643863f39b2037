// upsample2d and its gradient on the GPU over NHWC images, as cpu/conv_pool_kernels.cpp computes them: nearest or
// bilinear with half-pixel centres and clamped edges (tf.image.resize). Where an output index reads from is computed
// on the device with the CPU's double-precision formula, so both backends interpolate with the same taps.
//
// The gradient is the CPU's separable adjoint as gathers, first along rows into [N, H, OW, C], then along columns:
// each element sums the output indices that read it in the CPU's order (ascending output index, a lower tap before
// an upper one), so no atomics are needed and results do not depend on timing.
#include <cmath>

#include "cuda/cuda_common.h"

namespace nr::cuda {
namespace {

struct UpsampleDev {
  int64_t n, h, w, c, sh, sw;
  bool bilinear;
  __host__ __device__ int64_t oh() const { return h * sh; }
  __host__ __device__ int64_t ow() const { return w * sw; }
};

UpsampleDev upsample_spec(const Shape& x, const Attrs& attrs) {
  auto size = attrs.get_ints("size", {2, 2});
  return {x[0], x[1], x[2], x[3], size[0], size[1], attrs.get_int("interpolation", 0) == 1};
}

// Output index i of an axis upsampled by `factor` reads lo and hi, lerped by frac (the CPU's taps()).
struct Tap {
  int64_t lo, hi;
  double frac;
};

__device__ inline int64_t clamp_index(int64_t v, int64_t size) { return v < 0 ? 0 : (v >= size ? size - 1 : v); }

__device__ inline Tap tap_of(int64_t i, int64_t in_size, int64_t factor, bool bilinear) {
  if (!bilinear) return {i / factor, i / factor, 0.0};
  const double src = (static_cast<double>(i) + 0.5) / static_cast<double>(factor) - 0.5, base = ::floor(src);
  const int64_t b = static_cast<int64_t>(base);
  return {clamp_index(b, in_size), clamp_index(b + 1, in_size), src - base};
}

// Calls f(o, weight) for every output index o that reads input index i, in the order the CPU's sources() lists
// them. A bilinear tap of o has floor(src) in {i - 1, i} when it touches i (src = (o + 0.5) / factor - 0.5), so o
// lies in [factor·i - factor, factor·i + 2·factor); a nearest one in [factor·i, factor·(i + 1)).
template <class F>
__device__ inline void for_each_reader(int64_t i, int64_t in_size, int64_t factor, bool bilinear, F&& f) {
  const int64_t out_size = in_size * factor;
  int64_t first = bilinear ? factor * i - factor : factor * i;
  int64_t last = bilinear ? factor * i + 2 * factor : factor * (i + 1);
  if (first < 0) first = 0;
  if (last > out_size) last = out_size;
  for (int64_t o = first; o < last; ++o) {
    const Tap t = tap_of(o, in_size, factor, bilinear);
    if (t.lo == i && t.frac != 1.0) f(o, 1.0 - t.frac);
    if (t.hi == i && t.frac != 0.0) f(o, t.frac);
  }
}

#define NR_GRID_LOOP(i, n) \
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < (n); i += int64_t(gridDim.x) * blockDim.x)

template <class T>
__global__ void upsample_forward(const T* x, T* y, UpsampleDev s) {
  const int64_t oh = s.oh(), ow = s.ow(), total = s.n * oh * ow * s.c;
  NR_GRID_LOOP(q, total) {
    const int64_t ch = q % s.c, col = (q / s.c) % ow, row = (q / (s.c * ow)) % oh, img = q / (s.c * ow * oh);
    const Tap r = tap_of(row, s.h, s.sh, s.bilinear), t = tap_of(col, s.w, s.sw, s.bilinear);
    const T* top = x + (img * s.h + r.lo) * s.w * s.c + ch;
    if (!s.bilinear) {
      y[q] = top[t.lo * s.c];
      continue;
    }
    const T* bottom = x + (img * s.h + r.hi) * s.w * s.c + ch;
    const T fx = static_cast<T>(t.frac), fy = static_cast<T>(r.frac);
    const T tl = top[t.lo * s.c], tr = top[t.hi * s.c], bl = bottom[t.lo * s.c], br = bottom[t.hi * s.c];
    const T upper = tl + (tr - tl) * fx, lower = bl + (br - bl) * fx;
    y[q] = upper + (lower - upper) * fy;
  }
}

// tmp[img, ih, ow, ch] = Σ over the output rows reading ih of weight · dy[img, row, ow, ch].
template <class T>
__global__ void upsample_grad_rows(const T* dy, T* tmp, UpsampleDev s) {
  const int64_t oh = s.oh(), ow = s.ow(), row_len = ow * s.c, total = s.n * s.h * row_len;
  NR_GRID_LOOP(q, total) {
    const int64_t in_row = q % row_len, ih = (q / row_len) % s.h, img = q / (row_len * s.h);
    const T* d = dy + img * oh * row_len + in_row;
    T acc = T(0);
    for_each_reader(ih, s.h, s.sh, s.bilinear, [&](int64_t o, double wt) { acc += d[o * row_len] * static_cast<T>(wt); });
    tmp[q] = acc;
  }
}

// dx[img, ih, iw, ch] = Σ over the output columns reading iw of weight · tmp[img, ih, col, ch].
template <class T>
__global__ void upsample_grad_cols(const T* tmp, T* dx, UpsampleDev s) {
  const int64_t ow = s.ow(), total = s.n * s.h * s.w * s.c;
  NR_GRID_LOOP(q, total) {
    const int64_t ch = q % s.c, iw = (q / s.c) % s.w, row = q / (s.c * s.w);
    const T* d = tmp + row * ow * s.c + ch;
    T acc = T(0);
    for_each_reader(iw, s.w, s.sw, s.bilinear, [&](int64_t o, double wt) { acc += d[o * s.c] * static_cast<T>(wt); });
    dx[q] = acc;
  }
}

#undef NR_GRID_LOOP

void upsample_kernel(KernelContext& ctx) {
  const bool grad = ctx.def.id == OpId::Upsample2dGrad;
  const UpsampleDev s = upsample_spec(grad ? ctx.outputs[0].shape() : ctx.inputs[0].shape(), ctx.attrs);
  const int64_t n = ctx.outputs[0].numel();
  if (n == 0) return;
  dispatch_floating(ctx.inputs[0].dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* in = ctx.inputs[0].data<T>();
    T* out = ctx.outputs[0].data<T>();
    if (!grad) {
      upsample_forward<<<grid_for(n), 256, 0, stream()>>>(in, out, s);
      check_launch("upsample2d");
      return;
    }
    const int64_t tmp_n = s.n * s.h * s.ow() * s.c;
    Scratch tmp(static_cast<size_t>(tmp_n) * sizeof(T));
    upsample_grad_rows<<<grid_for(tmp_n), 256, 0, stream()>>>(in, tmp.as<T>(), s);
    check_launch("upsample2d_grad rows");
    upsample_grad_cols<<<grid_for(n), 256, 0, stream()>>>(tmp.as<T>(), out, s);
    check_launch("upsample2d_grad columns");
  });
}

}  // namespace

void register_upsample_kernels() {
  register_kernel(OpId::Upsample2d, upsample_kernel, kFloatTypes);
  register_kernel(OpId::Upsample2dGrad, upsample_kernel, kFloatTypes);
}

}  // namespace nr::cuda
