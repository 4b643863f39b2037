// The conv family on the GPU over NHWC images: conv2d, its two backward ops and conv2d_transpose as im2col + cuBLAS
// gemm (the filter [KH,KW,C/groups,O] is already a [K, O] matrix, K = KH·KW·C/groups), and max/avg pooling with
// their gradients. Gradients are gathers: each dx element sums its own contributions in a fixed order, so results
// never depend on timing (no atomics).
//
// The im2col matrix is built for a chunk of images at a time, at most kColBytes, so memory stays bounded for any
// batch; 1x1 stride-1 unpadded convolutions read x directly.
#include <algorithm>

#include "cuda/cuda_backend.h"
#include "cuda/cuda_common.h"
#include "ops/conv_geometry.h"

namespace nr::cuda {
namespace {

using Geo = Conv2dGeometry;
constexpr int64_t kColBytes = int64_t(256) << 20;

struct GeoDev {
  int64_t n, h, w, c, kh, kw, o, cg, og;
  int64_t sh, sw, dh, dw, pt, pl, oh, ow;
};

GeoDev dev_of(const Geo& g) {
  return {g.n, g.h, g.w, g.c, g.kh, g.kw, g.o, g.in_per_group(), g.out_per_group(),
          g.stride_h, g.stride_w, g.dilation_h, g.dilation_w, g.pad_top, g.pad_left, g.oh, g.ow};
}

// col[(img, oh, ow), (kh, kw, c)] for images [img0, img0 + nb) and the channels of group grp.
template <class T>
__global__ void im2col(const T* x, T* col, GeoDev g, int64_t img0, int64_t nb, int64_t grp) {
  const int64_t K = g.kh * g.kw * g.cg, total = nb * g.oh * g.ow * K;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t row = i / K, kk = i - row * K;
    const int64_t c = kk % g.cg, kw = (kk / g.cg) % g.kw, kh = kk / (g.cg * g.kw);
    const int64_t ow = row % g.ow, oh = (row / g.ow) % g.oh, img = img0 + row / (g.ow * g.oh);
    const int64_t ih = oh * g.sh - g.pt + kh * g.dh, iw = ow * g.sw - g.pl + kw * g.dw;
    col[i] = (ih >= 0 && ih < g.h && iw >= 0 && iw < g.w) ? x[((img * g.h + ih) * g.w + iw) * g.c + grp * g.cg + c]
                                                          : T(0);
  }
}

// dx[img, ih, iw, grp·cg + c] = Σ over the (kh, kw) whose window position lands on it of dcol[(img, oh, ow), (kh,kw,c)].
template <class T>
__global__ void col2im(const T* dcol, T* dx, GeoDev g, int64_t img0, int64_t nb, int64_t grp) {
  const int64_t K = g.kh * g.kw * g.cg, total = nb * g.h * g.w * g.cg;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = i % g.cg, iw = (i / g.cg) % g.w, ih = (i / (g.cg * g.w)) % g.h, rimg = i / (g.cg * g.w * g.h);
    T acc = 0;
    for (int64_t kh = 0; kh < g.kh; ++kh) {
      const int64_t th = ih + g.pt - kh * g.dh;
      if (th < 0 || th % g.sh) continue;
      const int64_t oh = th / g.sh;
      if (oh >= g.oh) continue;
      for (int64_t kw = 0; kw < g.kw; ++kw) {
        const int64_t tw = iw + g.pl - kw * g.dw;
        if (tw < 0 || tw % g.sw) continue;
        const int64_t ow = tw / g.sw;
        if (ow >= g.ow) continue;
        acc += dcol[((rimg * g.oh + oh) * g.ow + ow) * K + (kh * g.kw + kw) * g.cg + c];
      }
    }
    dx[(((img0 + rimg) * g.h + ih) * g.w + iw) * g.c + grp * g.cg + c] = acc;
  }
}

bool pointwise(const Geo& g) {
  return g.kh == 1 && g.kw == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_top == 0 && g.pad_left == 0 &&
         g.groups == 1;
}

int64_t images_per_chunk(const Geo& g, size_t item) {
  const int64_t per_image = g.oh * g.ow * g.kh * g.kw * g.in_per_group() * static_cast<int64_t>(item);
  return std::max<int64_t>(1, std::min<int64_t>(g.n, kColBytes / std::max<int64_t>(1, per_image)));
}

template <class T>
void fill_col(const T* x, T* col, const Geo& g, int64_t img0, int64_t nb, int64_t grp) {
  const int64_t total = nb * g.oh * g.ow * g.kh * g.kw * g.in_per_group();
  im2col<<<grid_for(total), 256, 0, stream()>>>(x, col, dev_of(g), img0, nb, grp);
  check_launch("im2col");
}

// y[N,OH,OW,O] = conv2d(x, w).
template <class T>
void conv_forward(const Geo& g, const T* x, const T* w, T* y) {
  const int64_t K = g.kh * g.kw * g.in_per_group(), og = g.out_per_group(), P = g.oh * g.ow;
  if (pointwise(g)) {
    gemm_row_major<T>(false, false, g.n * P, g.o, K, x, K, w, g.o, y, g.o, false);
    return;
  }
  const int64_t chunk = images_per_chunk(g, sizeof(T));
  Scratch col(static_cast<size_t>(chunk * P * K) * sizeof(T));
  for (int64_t img0 = 0; img0 < g.n; img0 += chunk) {
    const int64_t nb = std::min(chunk, g.n - img0);
    for (int64_t grp = 0; grp < g.groups; ++grp) {
      fill_col(x, col.as<T>(), g, img0, nb, grp);
      gemm_row_major<T>(false, false, nb * P, og, K, col.as<T>(), K, w + grp * og, g.o, y + img0 * P * g.o + grp * og,
                        g.o, false);
    }
  }
}

// dx[N,H,W,C] from dy[N,OH,OW,O] and w.
template <class T>
void conv_backward_input(const Geo& g, const T* dy, const T* w, T* dx) {
  const int64_t K = g.kh * g.kw * g.in_per_group(), og = g.out_per_group(), P = g.oh * g.ow;
  if (pointwise(g)) {
    gemm_row_major<T>(false, true, g.n * P, K, g.o, dy, g.o, w, g.o, dx, K, false);
    return;
  }
  const int64_t chunk = images_per_chunk(g, sizeof(T));
  Scratch dcol(static_cast<size_t>(chunk * P * K) * sizeof(T));
  for (int64_t img0 = 0; img0 < g.n; img0 += chunk) {
    const int64_t nb = std::min(chunk, g.n - img0);
    for (int64_t grp = 0; grp < g.groups; ++grp) {
      gemm_row_major<T>(false, true, nb * P, K, og, dy + img0 * P * g.o + grp * og, g.o, w + grp * og, g.o,
                        dcol.as<T>(), K, false);
      const int64_t total = nb * g.h * g.w * g.in_per_group();
      col2im<<<grid_for(total), 256, 0, stream()>>>(dcol.as<T>(), dx, dev_of(g), img0, nb, grp);
      check_launch("col2im");
    }
  }
}

// dw[KH,KW,C/groups,O] from x and dy, accumulated over image chunks.
template <class T>
void conv_backward_filter(const Geo& g, const T* x, const T* dy, T* dw) {
  const int64_t K = g.kh * g.kw * g.in_per_group(), og = g.out_per_group(), P = g.oh * g.ow;
  if (pointwise(g)) {
    gemm_row_major<T>(true, false, K, g.o, g.n * P, x, K, dy, g.o, dw, g.o, false);
    return;
  }
  const int64_t chunk = images_per_chunk(g, sizeof(T));
  Scratch col(static_cast<size_t>(chunk * P * K) * sizeof(T));
  for (int64_t img0 = 0; img0 < g.n; img0 += chunk) {
    const int64_t nb = std::min(chunk, g.n - img0);
    for (int64_t grp = 0; grp < g.groups; ++grp) {
      fill_col(x, col.as<T>(), g, img0, nb, grp);
      gemm_row_major<T>(true, false, K, og, nb * P, col.as<T>(), K, dy + img0 * P * g.o + grp * og, g.o,
                        dw + grp * og, g.o, img0 > 0);
    }
  }
}

Geo geometry_of(const KernelContext& ctx) {
  const Tensor& a = ctx.inputs[0];
  const Tensor& b = ctx.inputs[1];
  switch (ctx.def.id) {
    case OpId::Conv2d: return conv2d_geometry(ctx.def.name, a.shape(), b.shape(), ctx.attrs);
    case OpId::Conv2dBackwardInput:
      return conv2d_geometry(ctx.def.name, ctx.attrs.get_ints("input_shape"), b.shape(), ctx.attrs);
    case OpId::Conv2dBackwardFilter:
      return conv2d_geometry(ctx.def.name, a.shape(), ctx.attrs.get_ints("filter_shape"), ctx.attrs);
    default: return conv2d_transpose_geometry(ctx.def.name, a.shape(), b.shape(), ctx.attrs);
  }
}

void conv_kernel(KernelContext& ctx) {
  const Geo g = geometry_of(ctx);
  Tensor& out = ctx.outputs[0];
  if (out.numel() == 0) return;
  dispatch_floating(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* a = ctx.inputs[0].data<T>();
    const T* b = ctx.inputs[1].data<T>();
    T* o = out.data<T>();
    // An empty sum (no input channels or pixels) is zero; gemm with K = 0 is not asked.
    if (ctx.inputs[0].numel() == 0 || ctx.inputs[1].numel() == 0) {
      NR_CUDA_CHECK(cudaMemsetAsync(o, 0, out.nbytes(), stream()));
      return;
    }
    switch (ctx.def.id) {
      case OpId::Conv2d: conv_forward(g, a, b, o); break;
      case OpId::Conv2dBackwardFilter: conv_backward_filter(g, a, b, o); break;
      default: conv_backward_input(g, a, b, o); break;  // conv2d_transpose is conv2d's input gradient
    }
  });
}

// ---- pooling ----

struct Span {
  int64_t begin, end;
};
__device__ Span window(int64_t o, int64_t stride, int64_t pad, int64_t k, int64_t size) {
  const int64_t start = o * stride - pad;
  return {start > 0 ? start : 0, start + k < size ? start + k : size};
}

template <class T>
__device__ bool beats(T v, T best) { return v > best || (v != v && best == best); }  // NaN wins, first one kept

template <class T>
__global__ void max_pool_forward(const T* x, T* y, GeoDev g) {
  const int64_t total = g.n * g.oh * g.ow * g.c;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = i % g.c, ow = (i / g.c) % g.ow, oh = (i / (g.c * g.ow)) % g.oh, img = i / (g.c * g.ow * g.oh);
    const Span hs = window(oh, g.sh, g.pt, g.kh, g.h), ws = window(ow, g.sw, g.pl, g.kw, g.w);
    const T* xi = x + img * g.h * g.w * g.c + c;
    T best = xi[(hs.begin * g.w + ws.begin) * g.c];
    for (int64_t ih = hs.begin; ih < hs.end; ++ih)
      for (int64_t iw = ws.begin; iw < ws.end; ++iw) {
        const T v = xi[(ih * g.w + iw) * g.c];
        if (beats(v, best)) best = v;
      }
    y[i] = best;
  }
}

// dx at (ih, iw) sums dy of the windows whose first maximum it is.
template <class T>
__global__ void max_pool_grad(const T* x, const T* dy, T* dx, GeoDev g) {
  const int64_t total = g.n * g.h * g.w * g.c;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = i % g.c, iw = (i / g.c) % g.w, ih = (i / (g.c * g.w)) % g.h, img = i / (g.c * g.w * g.h);
    const T* xi = x + img * g.h * g.w * g.c + c;
    const int64_t lo_h = ih + g.pt - g.kh + 1, lo_w = iw + g.pl - g.kw + 1;
    const int64_t oh0 = lo_h <= 0 ? 0 : (lo_h + g.sh - 1) / g.sh, ow0 = lo_w <= 0 ? 0 : (lo_w + g.sw - 1) / g.sw;
    const int64_t oh1 = min((ih + g.pt) / g.sh, g.oh - 1), ow1 = min((iw + g.pl) / g.sw, g.ow - 1);
    T acc = 0;
    for (int64_t oh = oh0; oh <= oh1; ++oh)
      for (int64_t ow = ow0; ow <= ow1; ++ow) {
        const Span hs = window(oh, g.sh, g.pt, g.kh, g.h), ws = window(ow, g.sw, g.pl, g.kw, g.w);
        int64_t at = hs.begin * g.w + ws.begin;
        T best = xi[at * g.c];
        for (int64_t h = hs.begin; h < hs.end; ++h)
          for (int64_t w = ws.begin; w < ws.end; ++w) {
            const T v = xi[(h * g.w + w) * g.c];
            if (beats(v, best)) best = v, at = h * g.w + w;
          }
        if (at == ih * g.w + iw) acc += dy[((img * g.oh + oh) * g.ow + ow) * g.c + c];
      }
    dx[i] = acc;
  }
}

// The average counts only the window's elements inside the image (Keras, TensorFlow).
template <class T>
__global__ void avg_pool_forward(const T* x, T* y, GeoDev g) {
  const int64_t total = g.n * g.oh * g.ow * g.c;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = i % g.c, ow = (i / g.c) % g.ow, oh = (i / (g.c * g.ow)) % g.oh, img = i / (g.c * g.ow * g.oh);
    const Span hs = window(oh, g.sh, g.pt, g.kh, g.h), ws = window(ow, g.sw, g.pl, g.kw, g.w);
    const T* xi = x + img * g.h * g.w * g.c + c;
    T acc = 0;
    for (int64_t ih = hs.begin; ih < hs.end; ++ih)
      for (int64_t iw = ws.begin; iw < ws.end; ++iw) acc += xi[(ih * g.w + iw) * g.c];
    y[i] = acc / static_cast<T>((hs.end - hs.begin) * (ws.end - ws.begin));
  }
}

template <class T>
__global__ void avg_pool_grad(const T* dy, T* dx, GeoDev g) {
  const int64_t total = g.n * g.h * g.w * g.c;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = i % g.c, iw = (i / g.c) % g.w, ih = (i / (g.c * g.w)) % g.h, img = i / (g.c * g.w * g.h);
    const int64_t lo_h = ih + g.pt - g.kh + 1, lo_w = iw + g.pl - g.kw + 1;
    const int64_t oh0 = lo_h <= 0 ? 0 : (lo_h + g.sh - 1) / g.sh, ow0 = lo_w <= 0 ? 0 : (lo_w + g.sw - 1) / g.sw;
    const int64_t oh1 = min((ih + g.pt) / g.sh, g.oh - 1), ow1 = min((iw + g.pl) / g.sw, g.ow - 1);
    T acc = 0;
    for (int64_t oh = oh0; oh <= oh1; ++oh)
      for (int64_t ow = ow0; ow <= ow1; ++ow) {
        const Span hs = window(oh, g.sh, g.pt, g.kh, g.h), ws = window(ow, g.sw, g.pl, g.kw, g.w);
        acc += dy[((img * g.oh + oh) * g.ow + ow) * g.c + c] / static_cast<T>((hs.end - hs.begin) * (ws.end - ws.begin));
      }
    dx[i] = acc;
  }
}

void pool_kernel(KernelContext& ctx) {
  const OpId op = ctx.def.id;
  const Shape x = op == OpId::AvgPool2dGrad ? ctx.attrs.get_ints("input_shape") : ctx.inputs[0].shape();
  const GeoDev g = dev_of(pool2d_geometry(ctx.def.name, x, ctx.attrs));
  Tensor& out = ctx.outputs[0];
  const int64_t n = out.numel();
  if (n == 0) return;
  dispatch_floating(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* a = ctx.inputs[0].data<T>();
    T* o = out.data<T>();
    switch (op) {
      case OpId::MaxPool2d: max_pool_forward<<<grid_for(n), 256, 0, stream()>>>(a, o, g); break;
      case OpId::MaxPool2dGrad:
        max_pool_grad<<<grid_for(n), 256, 0, stream()>>>(a, ctx.inputs[1].data<T>(), o, g);
        break;
      case OpId::AvgPool2d: avg_pool_forward<<<grid_for(n), 256, 0, stream()>>>(a, o, g); break;
      default: avg_pool_grad<<<grid_for(n), 256, 0, stream()>>>(a, o, g); break;
    }
    check_launch(ctx.def.name);
  });
}

}  // namespace

void register_conv_kernels() {
  for (OpId op : {OpId::Conv2d, OpId::Conv2dBackwardInput, OpId::Conv2dBackwardFilter, OpId::Conv2dTranspose})
    register_kernel(op, conv_kernel, kFloatTypes);
  for (OpId op : {OpId::MaxPool2d, OpId::MaxPool2dGrad, OpId::AvgPool2d, OpId::AvgPool2dGrad})
    register_kernel(op, pool_kernel, kFloatTypes);
  register_upsample_kernels();
}

}  // namespace nr::cuda
