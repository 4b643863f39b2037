// Pooling and upsampling over NHWC images, with their gradients. Channels are the innermost, contiguous dim, so every
// inner loop runs along channels and vectorises. Gradients are written as gathers (each dx element sums its own
// contributions in a fixed order) or by tasks that own disjoint parts of dx, so results never depend on the threads.
#include <algorithm>
#include <cstring>
#include <limits>
#include <type_traits>
#include <cmath>
#include <vector>

#include "core/thread_pool.h"
#include "cpu/cpu_backend.h"
#include "ops/conv_geometry.h"

namespace nr::cpu {
namespace {

using Geo = Conv2dGeometry;

// Rows of (image, output row) per parallel chunk, for work of `per_row` element operations a row.
int64_t row_grain(int64_t per_row) { return std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, per_row)); }

// The window of output position o along one axis, clipped to the input: [begin, end).
struct Span {
  int64_t begin, end;
};
Span window(int64_t o, int64_t stride, int64_t pad, int64_t k, int64_t size) {
  const int64_t start = o * stride - pad;
  return {std::max<int64_t>(start, 0), std::min(start + k, size)};
}

template <class T>
void max_pool_forward(const Geo& g, const T* x, T* y) {
  parallel_for(g.n * g.oh, row_grain(g.ow * g.c * g.kh * g.kw), [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const int64_t img = row / g.oh;
      const Span hs = window(row % g.oh, g.stride_h, g.pad_top, g.kh, g.h);
      for (int64_t ow = 0; ow < g.ow; ++ow) {
        const Span ws = window(ow, g.stride_w, g.pad_left, g.kw, g.w);
        T* out = y + (row * g.ow + ow) * g.c;
        std::copy_n(x + ((img * g.h + hs.begin) * g.w + ws.begin) * g.c, g.c, out);
        for (int64_t ih = hs.begin; ih < hs.end; ++ih)
          for (int64_t iw = ws.begin; iw < ws.end; ++iw) {
            const T* in = x + ((img * g.h + ih) * g.w + iw) * g.c;
            for (int64_t c = 0; c < g.c; ++c) out[c] = (in[c] > out[c] || in[c] != in[c]) ? in[c] : out[c];  // NaN wins
          }
      }
    }
  });
}

// One AVX2 register of T and one of indices as wide (int32 beside float, int64 beside double).
template <class T>
struct Lanes {
  static constexpr int64_t n = 32 / static_cast<int64_t>(sizeof(T));
  using Index = std::conditional_t<sizeof(T) == 4, int32_t, int64_t>;
  typedef T Vec __attribute__((vector_size(32)));
  typedef Index IVec __attribute__((vector_size(32)));
  static Vec load(const T* p) {
    Vec v;
    std::memcpy(&v, p, sizeof v);
    return v;
  }
  static void store(T* p, Vec v) { std::memcpy(p, &v, sizeof v); }
};

// Tasks own images, so no two write the same dx element; within a task each window's dy goes to its first maximum
// (the first NaN, if any), in output order. The window is searched a register of channels at a time. Disjoint
// windows (stride >= pool) write their elements outright; overlapping ones add.
template <class T>
void max_pool_grad(const Geo& g, const T* x, const T* dy, T* dx) {
  using L = Lanes<T>;
  using Index = typename L::Index;
  using Vec = typename L::Vec;
  using IVec = typename L::IVec;
  if (g.h * g.w > std::numeric_limits<Index>::max())
    fail(Status::Unsupported, "images of ", g.h, "x", g.w, " exceed the pixels max_pool2d_grad indexes");
  const bool disjoint = g.stride_h >= g.kh && g.stride_w >= g.kw;
  const bool covered = g.stride_h == g.kh && g.stride_w == g.kw && g.oh * g.kh - g.pad_top >= g.h &&
                       g.ow * g.kw - g.pad_left >= g.w;
  if (!covered) std::fill_n(dx, g.n * g.h * g.w * g.c, T(0));
  const int64_t vec_end = g.c / L::n * L::n;
  parallel_for(g.n, row_grain(g.oh * g.ow * g.c * g.kh * g.kw), [&](int64_t begin, int64_t end) {
    for (int64_t img = begin; img < end; ++img) {
      const T* xi = x + img * g.h * g.w * g.c;
      T* dxi = dx + img * g.h * g.w * g.c;
      for (int64_t oh = 0; oh < g.oh; ++oh) {
        const Span hs = window(oh, g.stride_h, g.pad_top, g.kh, g.h);
        for (int64_t ow = 0; ow < g.ow; ++ow) {
          const Span ws = window(ow, g.stride_w, g.pad_left, g.kw, g.w);
          const T* d = dy + ((img * g.oh + oh) * g.ow + ow) * g.c;
          const Index first = static_cast<Index>(hs.begin * g.w + ws.begin);
          for (int64_t c = 0; c < vec_end; c += L::n) {
            Vec best = L::load(xi + first * g.c + c);
            IVec at = IVec{} + first;
            for (int64_t ih = hs.begin; ih < hs.end; ++ih)
              for (int64_t iw = ws.begin; iw < ws.end; ++iw) {
                const Index pos = static_cast<Index>(ih * g.w + iw);
                const Vec v = L::load(xi + pos * g.c + c);
                const IVec wins = (v > best) | ((v != v) & (best == best));
                best = wins ? v : best;
                at = wins ? IVec{} + pos : at;
              }
            const Vec dv = L::load(d + c);
            if (!disjoint) {
              for (int64_t j = 0; j < L::n; ++j) dxi[static_cast<int64_t>(at[j]) * g.c + c + j] += dv[j];
              continue;
            }
            for (int64_t ih = hs.begin; ih < hs.end; ++ih)
              for (int64_t iw = ws.begin; iw < ws.end; ++iw) {
                const Index pos = static_cast<Index>(ih * g.w + iw);
                L::store(dxi + pos * g.c + c, at == pos ? dv : Vec{});
              }
          }
          for (int64_t c = vec_end; c < g.c; ++c) {
            T best = xi[first * g.c + c];
            int64_t at = first;
            for (int64_t ih = hs.begin; ih < hs.end; ++ih)
              for (int64_t iw = ws.begin; iw < ws.end; ++iw) {
                const T v = xi[(ih * g.w + iw) * g.c + c];
                if (v > best || (v != v && best == best)) best = v, at = ih * g.w + iw;
              }
            if (!disjoint) {
              dxi[at * g.c + c] += d[c];
              continue;
            }
            for (int64_t ih = hs.begin; ih < hs.end; ++ih)
              for (int64_t iw = ws.begin; iw < ws.end; ++iw)
                dxi[(ih * g.w + iw) * g.c + c] = ih * g.w + iw == at ? d[c] : T(0);
          }
        }
      }
    }
  });
}

// The average counts only the window's elements inside the image (Keras, TensorFlow).
template <class T>
void avg_pool_forward(const Geo& g, const T* x, T* y) {
  parallel_for(g.n * g.oh, row_grain(g.ow * g.c * g.kh * g.kw), [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const int64_t img = row / g.oh;
      const Span hs = window(row % g.oh, g.stride_h, g.pad_top, g.kh, g.h);
      for (int64_t ow = 0; ow < g.ow; ++ow) {
        const Span ws = window(ow, g.stride_w, g.pad_left, g.kw, g.w);
        T* out = y + (row * g.ow + ow) * g.c;
        std::fill_n(out, g.c, T(0));
        for (int64_t ih = hs.begin; ih < hs.end; ++ih)
          for (int64_t iw = ws.begin; iw < ws.end; ++iw) {
            const T* in = x + ((img * g.h + ih) * g.w + iw) * g.c;
            for (int64_t c = 0; c < g.c; ++c) out[c] += in[c];
          }
        const T count = static_cast<T>((hs.end - hs.begin) * (ws.end - ws.begin));
        for (int64_t c = 0; c < g.c; ++c) out[c] /= count;
      }
    }
  });
}

// The output positions whose windows cover input position i along one axis: [begin, end).
Span covering(int64_t i, int64_t stride, int64_t pad, int64_t k, int64_t out_size) {
  const int64_t lo = i + pad - k + 1, hi = (i + pad) / stride + 1;
  return {lo <= 0 ? 0 : (lo + stride - 1) / stride, std::min(hi, out_size)};
}

// A gather: dx at each input position sums dy / count over the windows covering it.
template <class T>
void avg_pool_grad(const Geo& g, const T* dy, T* dx) {
  std::vector<T> inv_count(static_cast<size_t>(g.oh * g.ow));
  for (int64_t oh = 0; oh < g.oh; ++oh) {
    const Span hs = window(oh, g.stride_h, g.pad_top, g.kh, g.h);
    for (int64_t ow = 0; ow < g.ow; ++ow) {
      const Span ws = window(ow, g.stride_w, g.pad_left, g.kw, g.w);
      inv_count[static_cast<size_t>(oh * g.ow + ow)] =
          T(1) / static_cast<T>((hs.end - hs.begin) * (ws.end - ws.begin));
    }
  }
  parallel_for(g.n * g.h, row_grain(g.w * g.c * g.kh * g.kw), [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const int64_t img = row / g.h;
      const Span ohs = covering(row % g.h, g.stride_h, g.pad_top, g.kh, g.oh);
      for (int64_t iw = 0; iw < g.w; ++iw) {
        const Span ows = covering(iw, g.stride_w, g.pad_left, g.kw, g.ow);
        T* out = dx + (row * g.w + iw) * g.c;
        std::fill_n(out, g.c, T(0));
        for (int64_t oh = ohs.begin; oh < ohs.end; ++oh)
          for (int64_t ow = ows.begin; ow < ows.end; ++ow) {
            const T* d = dy + ((img * g.oh + oh) * g.ow + ow) * g.c;
            const T s = inv_count[static_cast<size_t>(oh * g.ow + ow)];
            for (int64_t c = 0; c < g.c; ++c) out[c] += d[c] * s;
          }
      }
    }
  });
}

// Where output index i of an axis upsampled by `factor` reads: lerp from lo to hi by frac. Bilinear uses half-pixel
// centres, src = (i + 0.5) / factor - 0.5, clamped at the edges (tf.image.resize).
struct Tap {
  int64_t lo, hi;
  double frac;
};
std::vector<Tap> taps(int64_t in_size, int64_t factor, bool bilinear) {
  std::vector<Tap> t(static_cast<size_t>(in_size * factor));
  for (int64_t i = 0; i < in_size * factor; ++i) {
    if (!bilinear) {
      t[static_cast<size_t>(i)] = {i / factor, i / factor, 0.0};
      continue;
    }
    const double src = (static_cast<double>(i) + 0.5) / static_cast<double>(factor) - 0.5, base = std::floor(src);
    const int64_t b = static_cast<int64_t>(base);
    t[static_cast<size_t>(i)] = {std::clamp<int64_t>(b, 0, in_size - 1), std::clamp<int64_t>(b + 1, 0, in_size - 1),
                                 src - base};
  }
  return t;
}

struct UpsampleSpec {
  int64_t n, h, w, c, sh, sw;
  bool bilinear;
  int64_t oh() const { return h * sh; }
  int64_t ow() const { return w * sw; }
};

UpsampleSpec upsample_spec(const Shape& x, const Attrs& attrs) {
  auto size = attrs.get_ints("size", {2, 2});
  return {x[0], x[1], x[2], x[3], size[0], size[1], attrs.get_int("interpolation", 0) == 1};
}

template <class T>
void upsample_forward(const UpsampleSpec& s, const T* x, T* y) {
  const std::vector<Tap> rows = taps(s.h, s.sh, s.bilinear), cols = taps(s.w, s.sw, s.bilinear);
  parallel_for(s.n * s.oh(), row_grain(s.ow() * s.c * (s.bilinear ? 4 : 1)), [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const int64_t img = row / s.oh();
      const Tap& r = rows[static_cast<size_t>(row % s.oh())];
      const T* top = x + (img * s.h + r.lo) * s.w * s.c;
      const T* bottom = x + (img * s.h + r.hi) * s.w * s.c;
      const T fy = static_cast<T>(r.frac);
      for (int64_t ow = 0; ow < s.ow(); ++ow) {
        const Tap& t = cols[static_cast<size_t>(ow)];
        T* out = y + (row * s.ow() + ow) * s.c;
        if (!s.bilinear) {
          std::copy_n(top + t.lo * s.c, s.c, out);
          continue;
        }
        const T fx = static_cast<T>(t.frac);
        const T *tl = top + t.lo * s.c, *tr = top + t.hi * s.c, *bl = bottom + t.lo * s.c, *br = bottom + t.hi * s.c;
        for (int64_t c = 0; c < s.c; ++c) {
          const T upper = tl[c] + (tr[c] - tl[c]) * fx, lower = bl[c] + (br[c] - bl[c]) * fx;
          out[c] = upper + (lower - upper) * fy;
        }
      }
    }
  });
}

// For each input index, the (output index, weight) pairs that read it, in output order: the transpose of the taps.
struct Sources {
  std::vector<int64_t> start;  // entries of input index i: [start[i], start[i + 1])
  std::vector<int64_t> index;
  std::vector<double> weight;
};
Sources sources(const std::vector<Tap>& t, int64_t in_size) {
  Sources s;
  s.start.assign(static_cast<size_t>(in_size + 1), 0);
  auto each = [&](auto&& fn) {
    for (size_t i = 0; i < t.size(); ++i) {
      if (t[i].frac != 1.0) fn(t[i].lo, static_cast<int64_t>(i), 1.0 - t[i].frac);
      if (t[i].frac != 0.0) fn(t[i].hi, static_cast<int64_t>(i), t[i].frac);
    }
  };
  each([&](int64_t src, int64_t, double) { ++s.start[static_cast<size_t>(src + 1)]; });
  for (size_t i = 0; i < static_cast<size_t>(in_size); ++i) s.start[i + 1] += s.start[i];
  s.index.resize(static_cast<size_t>(s.start.back()));
  s.weight.resize(s.index.size());
  std::vector<int64_t> fill(s.start.begin(), s.start.end() - 1);
  each([&](int64_t src, int64_t out, double w) {
    size_t at = static_cast<size_t>(fill[static_cast<size_t>(src)]++);
    s.index[at] = out;
    s.weight[at] = w;
  });
  return s;
}

// The adjoint of upsample_forward, separably: first along rows into [N, H, OW, C], then along columns.
template <class T>
void upsample_grad(const UpsampleSpec& s, const T* dy, T* dx) {
  const Sources rows = sources(taps(s.h, s.sh, s.bilinear), s.h), cols = sources(taps(s.w, s.sw, s.bilinear), s.w);
  const int64_t tmp_row = s.ow() * s.c;
  std::vector<T> tmp(static_cast<size_t>(s.n * s.h * tmp_row));
  parallel_for(s.n * s.h, row_grain(tmp_row * 2 * s.sh), [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const int64_t img = row / s.h, ih = row % s.h;
      T* out = tmp.data() + row * tmp_row;
      std::fill_n(out, tmp_row, T(0));
      for (int64_t e = rows.start[static_cast<size_t>(ih)]; e < rows.start[static_cast<size_t>(ih + 1)]; ++e) {
        const T* d = dy + (img * s.oh() + rows.index[static_cast<size_t>(e)]) * tmp_row;
        const T wt = static_cast<T>(rows.weight[static_cast<size_t>(e)]);
        for (int64_t i = 0; i < tmp_row; ++i) out[i] += d[i] * wt;
      }
    }
  });
  parallel_for(s.n * s.h, row_grain(tmp_row * 2), [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const T* in = tmp.data() + row * tmp_row;
      for (int64_t iw = 0; iw < s.w; ++iw) {
        T* out = dx + (row * s.w + iw) * s.c;
        std::fill_n(out, s.c, T(0));
        for (int64_t e = cols.start[static_cast<size_t>(iw)]; e < cols.start[static_cast<size_t>(iw + 1)]; ++e) {
          const T* d = in + cols.index[static_cast<size_t>(e)] * s.c;
          const T wt = static_cast<T>(cols.weight[static_cast<size_t>(e)]);
          for (int64_t c = 0; c < s.c; ++c) out[c] += d[c] * wt;
        }
      }
    }
  });
}

void pool_kernel(KernelContext& ctx) {
  const bool grad = ctx.def.id == OpId::AvgPool2dGrad;
  const Shape x = grad ? ctx.attrs.get_ints("input_shape") : ctx.inputs[0].shape();
  const Geo g = pool2d_geometry(ctx.def.name, x, ctx.attrs);
  dispatch_floating(ctx.inputs[0].dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* a = ctx.inputs[0].data<T>();
    T* out = ctx.outputs[0].data<T>();
    switch (ctx.def.id) {
      case OpId::MaxPool2d: max_pool_forward(g, a, out); break;
      case OpId::MaxPool2dGrad: max_pool_grad(g, a, ctx.inputs[1].data<T>(), out); break;
      case OpId::AvgPool2d: avg_pool_forward(g, a, out); break;
      default: avg_pool_grad(g, a, out); break;
    }
  });
}

void upsample_kernel(KernelContext& ctx) {
  const bool grad = ctx.def.id == OpId::Upsample2dGrad;
  const UpsampleSpec s = upsample_spec(grad ? ctx.outputs[0].shape() : ctx.inputs[0].shape(), ctx.attrs);
  dispatch_floating(ctx.inputs[0].dtype(), [&](auto tag) {
    using T = decltype(tag);
    if (grad) upsample_grad(s, ctx.inputs[0].data<T>(), ctx.outputs[0].data<T>());
    else upsample_forward(s, ctx.inputs[0].data<T>(), ctx.outputs[0].data<T>());
  });
}

}  // namespace

void register_conv_pool_kernels() {
  for (OpId op : {OpId::MaxPool2d, OpId::MaxPool2dGrad, OpId::AvgPool2d, OpId::AvgPool2dGrad})
    register_kernel(op, pool_kernel, kFloatTypes);
  register_kernel(OpId::Upsample2d, upsample_kernel, kFloatTypes);
  register_kernel(OpId::Upsample2dGrad, upsample_kernel, kFloatTypes);
}

}  // namespace nr::cpu
