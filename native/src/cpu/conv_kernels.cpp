// Convolutions over NHWC images as matrix products: the filter [KH,KW,C/groups,O] is already a [K, O] matrix with
// K = KH·KW·C/groups, and an output pixel's receptive field, gathered in (kh, kw, c) order (im2col), is a row of K.
//   forward          y[pixels, O]  = col[pixels, K] · w[K, O]
//   backward_input   dcol          = dy[pixels, O] · wᵀ, scattered back onto dx (col2im)
//   backward_filter  dw[K, O]      = Σ over pixel blocks of colᵀ · dy
// A 1x1 stride-1 unpadded conv reads x itself as col. Groups are products on column slices (leading dimensions do the
// slicing); depthwise convs (one input channel per group) run a direct loop instead of C tiny products.
//
// Products whose fixed operand is small (a CNN's filters) run a register-tiled loop here: OpenBLAS is tuned for large
// square-ish gemms and reaches a quarter of that speed on a 9-deep conv1 (3x3x1) filter gradient. Larger ones go to
// OpenBLAS sgemm/dgemm.
//
// Work is split into blocks of output pixels whose size depends only on the shapes; each block is one task, so the
// arithmetic (and the result) is the same for any thread count. Tasks run on the engine's pool, each gemm
// inside on one thread; a lone task runs on the calling thread, where a large gemm is split over the pool instead.
#include <algorithm>
#include <atomic>
#include <climits>
#include <cstring>
#include <vector>

#include "core/thread_pool.h"
#include "cpu/blas.h"
#include "cpu/cpu_backend.h"
#include "cpu/tiled_gemm.h"
#include "ops/conv_geometry.h"

namespace nr::cpu {

void register_conv_pool_kernels();  // conv_pool_kernels.cpp

namespace {

using Geo = Conv2dGeometry;

// Row-major C[m, n] = op(A)·op(B) on BLAS (cpu/blas.h), which splits a large one over the pool when not already
// inside a task.
template <class T>
void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b, int64_t ldb, T* c,
          int64_t ldc) {
  cpu::gemm("conv2d", ta, tb, m, n, k, a, lda, b, ldb, T(0), c, ldc);
}

template <class T>
constexpr int64_t kLanes = 32 / sizeof(T);  // one AVX2 register

// Up to which size of its fixed operand (the filter, or the filter gradient being summed) the tiled loop beat
// OpenBLAS (measured on AVX2, single thread): it streams that operand from L2 instead of packing it, which pays while
// it is small. Products into a pixel block (forward, input gradient) keep the lead longer than the filter gradient's
// long reductions.
constexpr int64_t kTiledBytesPixels = 512 << 10, kTiledBytesFilter = 96 << 10;

template <class T>
bool use_tiled(int64_t n, int64_t fixed_elems, int64_t max_bytes) {
  return n % kLanes<T> == 0 && fixed_elems * static_cast<int64_t>(sizeof(T)) <= max_bytes;
}

// C[m, n] = Σ_p A(m, p)·B[p, n] (tiled_gemm.h), n a multiple of the AVX2 lanes: with 64-byte vectors where the CPU
// has AVX-512 (the same bits either way).
template <class T>
void tiled_gemm(int64_t m, int64_t n, int64_t depth, const T* a, int64_t a_row, int64_t a_col, const T* b,
                int64_t ldb, T* c, int64_t ldc) {
  if (cpu_has_avx512()) tiled_gemm_wide(m, n, depth, a, a_row, a_col, b, ldb, c, ldc);
  else isa_avx2::tiled_gemm_avx2(m, n, depth, a, a_row, a_col, b, ldb, c, ldc);
}

// Runs task(i, scratch) for every i in [0, n); scratch holds scratch_elems of T per thread. Threads pull the next
// task from a shared counter, so one that starts late (a busy machine) takes fewer tasks instead of holding up the
// rest.
template <class T, class F>
void run_tasks(int64_t n, int64_t scratch_elems, F&& task) {
  const int threads = num_threads();
  std::atomic<int64_t> next{0};
  auto worker = [&](int64_t, int64_t) {
    std::vector<T> scratch(static_cast<size_t>(scratch_elems));
    for (int64_t i; (i = next.fetch_add(1)) < n;) task(i, scratch.data());
  };
  if (n < 2 || threads == 1) {
    worker(0, 1);
    return;
  }
  parallel_for(std::min<int64_t>(n, threads), 1, worker);
}

int64_t kernel_elems(const Geo& g) { return g.kh * g.kw * g.in_per_group(); }
bool is_pointwise(const Geo& g) {
  return g.kh == 1 && g.kw == 1 && g.stride_h == 1 && g.stride_w == 1 && g.pad_top == 0 && g.pad_left == 0 &&
         g.oh == g.h && g.ow == g.w;
}

// Output pixels per block: enough rows for an efficient gemm, few enough that a block's col stays in L2.
int64_t block_rows(const Geo& g) {
  constexpr int64_t kColElems = 1 << 16, kMinRows = 256;
  return std::max(kMinRows, kColElems / std::max<int64_t>(1, kernel_elems(g)));
}

// The output columns [lo, hi) of a row whose window tap at offset `tap` (kw·dilation) lands inside the image.
struct Inside {
  int64_t lo, hi;
};
Inside inside_cols(const Geo& g, int64_t tap, int64_t ow_begin, int64_t ow_end) {
  // iw = ow·stride - pad_left + tap must lie in [0, w).
  const int64_t shift = g.pad_left - tap;
  int64_t lo = shift <= 0 ? 0 : (shift + g.stride_w - 1) / g.stride_w;
  int64_t hi = g.w + shift <= 0 ? 0 : (g.w + shift - 1) / g.stride_w + 1;
  lo = std::clamp(lo, ow_begin, ow_end);
  return {lo, std::clamp(hi, lo, ow_end)};
}

// Calls fn(img, oh, ow_begin, ow_end, first) for the runs of output pixels [r0, r1) that share an output row;
// `first` is the run's offset from r0.
template <class F>
void for_each_row_run(const Geo& g, int64_t r0, int64_t r1, F&& fn) {
  for (int64_t r = r0; r < r1;) {
    const int64_t row = r / g.ow, ow = r % g.ow, n = std::min(r1 - r, g.ow - ow);
    fn(row / g.oh, row % g.oh, ow, ow + n, r - r0);
    r += n;
  }
}

// col[r - r0, :] = the receptive field of output pixel r (flattened over n, oh, ow) in (kh, kw, channel) order,
// group `grp`'s channels; zeros where the window hangs over the padding. Runs along an output row per window tap,
// so even a one-channel image is a tight strided loop.
template <class T>
void im2col(const Geo& g, const T* x, int64_t r0, int64_t r1, int64_t grp, T* col) {
  const int64_t cg = g.in_per_group(), k = kernel_elems(g);
  for_each_row_run(g, r0, r1, [&](int64_t img, int64_t oh, int64_t ow0, int64_t ow1, int64_t first) {
    for (int64_t kh = 0; kh < g.kh; ++kh) {
      const int64_t ih = oh * g.stride_h - g.pad_top + kh * g.dilation_h;
      const bool row_inside = ih >= 0 && ih < g.h;
      const T* src_row = x + (img * g.h + (row_inside ? ih : 0)) * g.w * g.c + grp * cg;
      for (int64_t kw = 0; kw < g.kw; ++kw) {
        const int64_t tap = kw * g.dilation_w;
        const Inside in = row_inside ? inside_cols(g, tap, ow0, ow1) : Inside{ow0, ow0};
        T* dst = col + first * k + (kh * g.kw + kw) * cg;  // output pixel ow0's slot
        for (int64_t ow = ow0; ow < in.lo; ++ow) std::fill_n(dst + (ow - ow0) * k, cg, T(0));
        for (int64_t ow = in.hi; ow < ow1; ++ow) std::fill_n(dst + (ow - ow0) * k, cg, T(0));
        if (in.lo == in.hi) continue;
        const T* src = src_row + (in.lo * g.stride_w + tap - g.pad_left) * g.c;
        T* d = dst + (in.lo - ow0) * k;
        const int64_t step = g.stride_w * g.c, n = in.hi - in.lo;
        if (cg == 1) {
          for (int64_t i = 0; i < n; ++i) d[i * k] = src[i * step];
        } else {
          for (int64_t i = 0; i < n; ++i) std::copy_n(src + i * step, cg, d + i * k);
        }
      }
    }
  });
}

// The adjoint of im2col: dx += the receptive fields in dcol (rows ld apart) of output pixels [r0, r1), added in a
// fixed order.
template <class T>
void col2im_add(const Geo& g, const T* dcol, int64_t ld, int64_t r0, int64_t r1, int64_t grp, T* dx) {
  const int64_t cg = g.in_per_group();
  for_each_row_run(g, r0, r1, [&](int64_t img, int64_t oh, int64_t ow0, int64_t ow1, int64_t first) {
    for (int64_t kh = 0; kh < g.kh; ++kh) {
      const int64_t ih = oh * g.stride_h - g.pad_top + kh * g.dilation_h;
      if (ih < 0 || ih >= g.h) continue;
      T* dst_row = dx + (img * g.h + ih) * g.w * g.c + grp * cg;
      for (int64_t kw = 0; kw < g.kw; ++kw) {
        const int64_t tap = kw * g.dilation_w;
        const Inside in = inside_cols(g, tap, ow0, ow1);
        if (in.lo == in.hi) continue;
        const T* src = dcol + (first + in.lo - ow0) * ld + (kh * g.kw + kw) * cg;
        T* dst = dst_row + (in.lo * g.stride_w + tap - g.pad_left) * g.c;
        const int64_t step = g.stride_w * g.c, n = in.hi - in.lo;
        if (cg == 1) {
          for (int64_t i = 0; i < n; ++i) dst[i * step] += src[i * ld];
        } else {
          for (int64_t i = 0; i < n; ++i)
            for (int64_t c = 0; c < cg; ++c) dst[i * step + c] += src[i * ld + c];
        }
      }
    }
  });
}

// Depthwise forward: output channel o = ci·m + j reads input channel ci only; the loop runs along channels.
template <class T>
void depthwise_forward(const Geo& g, const T* x, const T* w, T* y) {
  const int64_t m = g.out_per_group(), rows = g.n * g.oh;
  const int64_t grain = std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, g.ow * g.o * g.kh * g.kw));
  parallel_for(rows, grain, [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const int64_t img = row / g.oh, oh = row % g.oh;
      for (int64_t ow = 0; ow < g.ow; ++ow) {
        T* out = y + (row * g.ow + ow) * g.o;
        std::fill_n(out, g.o, T(0));
        for (int64_t kh = 0; kh < g.kh; ++kh) {
          const int64_t ih = oh * g.stride_h - g.pad_top + kh * g.dilation_h;
          if (ih < 0 || ih >= g.h) continue;
          for (int64_t kw = 0; kw < g.kw; ++kw) {
            const int64_t iw = ow * g.stride_w - g.pad_left + kw * g.dilation_w;
            if (iw < 0 || iw >= g.w) continue;
            const T* in = x + ((img * g.h + ih) * g.w + iw) * g.c;
            const T* wt = w + (kh * g.kw + kw) * g.o;
            if (m == 1) {
              for (int64_t c = 0; c < g.c; ++c) out[c] += in[c] * wt[c];
            } else {
              for (int64_t c = 0; c < g.c; ++c)
                for (int64_t j = 0; j < m; ++j) out[c * m + j] += in[c] * wt[c * m + j];
            }
          }
        }
      }
    }
  });
}

template <class T>
void conv2d_forward(const Geo& g, const T* x, const T* w, T* y) {
  const int64_t rows = g.n * g.oh * g.ow, k = kernel_elems(g), cg = g.in_per_group(), og = g.out_per_group();
  if (rows == 0 || g.o == 0) return;
  if (k == 0) {
    std::fill_n(y, rows * g.o, T(0));
    return;
  }
  if (cg == 1 && g.groups > 1 && !is_pointwise(g)) {
    depthwise_forward(g, x, w, y);
    return;
  }
  const bool pointwise = is_pointwise(g), tiled = use_tiled<T>(og, k * og, kTiledBytesPixels);
  if (pointwise && !tiled) {  // one gemm per group over every pixel, threaded by OpenBLAS
    for (int64_t grp = 0; grp < g.groups; ++grp)
      gemm(false, false, rows, og, cg, x + grp * cg, g.c, w + grp * og, g.o, y + grp * og, g.o);
    return;
  }
  const int64_t block = block_rows(g), blocks = (rows + block - 1) / block;
  run_tasks<T>(blocks, pointwise ? 0 : block * k, [&](int64_t b, T* col) {
    const int64_t r0 = b * block, r1 = std::min(rows, r0 + block);
    for (int64_t grp = 0; grp < g.groups; ++grp) {
      const T* a = x + r0 * g.c + grp * cg;
      int64_t lda = g.c;
      if (!pointwise) {
        im2col(g, x, r0, r1, grp, col);
        a = col;
        lda = k;
      }
      T* out = y + r0 * g.o + grp * og;
      if (tiled) tiled_gemm(r1 - r0, og, k, a, lda, int64_t(1), w + grp * og, g.o, out, g.o);
      else gemm(false, false, r1 - r0, og, k, a, lda, w + grp * og, g.o, out, g.o);
    }
  });
}

// One task per image, which owns its dx: blocks of its pixels are scattered back in a fixed order. For the tiled
// product each group's wᵀ is laid out once as [og, K rounded up to the lanes] (zero columns past K).
template <class T>
void conv2d_backward_input(const Geo& g, const T* dy, const T* w, T* dx) {
  const int64_t k = kernel_elems(g), cg = g.in_per_group(), og = g.out_per_group();
  const int64_t pixels = g.oh * g.ow, image = g.h * g.w * g.c;
  if (g.n * image == 0) return;
  if (is_pointwise(g) && og > 0) {
    for (int64_t grp = 0; grp < g.groups; ++grp)
      gemm(false, true, g.n * pixels, cg, og, dy + grp * og, g.o, w + grp * og, g.o, dx + grp * cg, g.c);
    return;
  }
  std::fill_n(dx, g.n * image, T(0));
  if (pixels == 0 || og == 0 || k == 0) return;
  const int64_t k_pad = (k + kLanes<T> - 1) / kLanes<T> * kLanes<T>;
  // Padding K costs k_pad - k wasted columns: worth it only while they are a small share.
  const bool tiled = use_tiled<T>(k_pad, k_pad * og, kTiledBytesPixels) && 4 * (k_pad - k) <= k_pad;
  const int64_t ld = tiled ? k_pad : k;
  std::vector<T> wt;
  if (tiled) {
    wt.assign(static_cast<size_t>(g.groups * og * k_pad), T(0));
    for (int64_t grp = 0; grp < g.groups; ++grp)
      for (int64_t o = 0; o < og; ++o)
        for (int64_t i = 0; i < k; ++i) wt[static_cast<size_t>((grp * og + o) * k_pad + i)] = w[i * g.o + grp * og + o];
  }
  const int64_t block = std::min(block_rows(g), pixels);
  run_tasks<T>(g.n, block * ld, [&](int64_t img, T* dcol) {
    for (int64_t p0 = 0; p0 < pixels; p0 += block) {
      const int64_t p1 = std::min(pixels, p0 + block);
      const T* dy_rows = dy + (img * pixels + p0) * g.o;
      for (int64_t grp = 0; grp < g.groups; ++grp) {
        if (tiled)
          tiled_gemm(p1 - p0, k_pad, og, dy_rows + grp * og, g.o, int64_t(1), wt.data() + grp * og * k_pad, k_pad,
                     dcol, ld);
        else gemm(false, true, p1 - p0, k, og, dy_rows + grp * og, g.o, w + grp * og, g.o, dcol, ld);
        col2im_add(g, dcol, ld, img * pixels + p0, img * pixels + p1, grp, dx);
      }
    }
  });
}

// dw = Σ_b colᵀ_b · dy_b over pixel blocks b: each block's product is formed on its own, then the products are
// added into dw in block order, so neither the thread count nor the pace of the threads changes a bit of the
// result.
template <class T>
void conv2d_backward_filter(const Geo& g, const T* x, const T* dy, T* dw) {
  const int64_t rows = g.n * g.oh * g.ow, k = kernel_elems(g), cg = g.in_per_group(), og = g.out_per_group();
  const int64_t dw_elems = k * g.o;
  if (dw_elems == 0) return;
  std::fill_n(dw, dw_elems, T(0));
  if (rows == 0 || og == 0) return;
  const bool pointwise = is_pointwise(g), tiled = use_tiled<T>(og, k * og, kTiledBytesFilter);
  const int64_t block = block_rows(g), blocks = (rows + block - 1) / block;
  auto block_product = [&](int64_t b, T* col, T* out) {
    const int64_t r0 = b * block, r1 = std::min(rows, r0 + block);
    for (int64_t grp = 0; grp < g.groups; ++grp) {
      const T* a = x + r0 * g.c + grp * cg;
      int64_t lda = g.c;
      if (!pointwise) {
        im2col(g, x, r0, r1, grp, col);
        a = col;
        lda = k;
      }
      const T* d = dy + r0 * g.o + grp * og;
      if (tiled) tiled_gemm(k, og, r1 - r0, a, int64_t(1), lda, d, g.o, out + grp * og, g.o);
      else gemm(true, false, k, og, r1 - r0, a, lda, d, g.o, out + grp * og, g.o);
    }
  };
  // Products of a wave of blocks are held at once: as many as a few MiB allow, and at least one per thread.
  constexpr int64_t kProductElems = 1 << 22;
  const int64_t col_elems = pointwise ? 0 : block * k;
  const int64_t wave = std::max<int64_t>(num_threads(), kProductElems / dw_elems);
  std::vector<T> products(static_cast<size_t>(std::min(wave, blocks) * dw_elems));
  for (int64_t first = 0; first < blocks; first += wave) {
    const int64_t count = std::min(wave, blocks - first);
    run_tasks<T>(count, col_elems,
                 [&](int64_t i, T* col) { block_product(first + i, col, products.data() + i * dw_elems); });
    parallel_for(dw_elems, kElementwiseGrain / std::max<int64_t>(1, count), [&](int64_t begin, int64_t end) {
      for (int64_t i = 0; i < count; ++i) {
        const T* p = products.data() + i * dw_elems;
        for (int64_t e = begin; e < end; ++e) dw[e] += p[e];
      }
    });
  }
}

Geo geometry_of(KernelContext& ctx) {
  const Tensor &a = ctx.inputs[0], &b = ctx.inputs[1];
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
  const Tensor &a = ctx.inputs[0], &b = ctx.inputs[1];
  dispatch_floating(a.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* out = ctx.outputs[0].data<T>();
    switch (ctx.def.id) {
      case OpId::Conv2d: conv2d_forward(g, a.data<T>(), b.data<T>(), out); break;
      case OpId::Conv2dBackwardFilter: conv2d_backward_filter(g, a.data<T>(), b.data<T>(), out); break;
      // conv2d_transpose is the input gradient of the conv2d that its geometry describes.
      default: conv2d_backward_input(g, a.data<T>(), b.data<T>(), out); break;
    }
  });
}

}  // namespace

void register_conv_kernels() {
  for (OpId op : {OpId::Conv2d, OpId::Conv2dBackwardInput, OpId::Conv2dBackwardFilter, OpId::Conv2dTranspose})
    register_kernel(op, conv_kernel, kFloatTypes);
  register_conv_pool_kernels();
}

}  // namespace nr::cpu
