// Shape ops that copy, and the index ops, on the GPU. The copying ones are strided copies into views of the output
// (concat and stack write each input into its slab, split reads slabs, flip reads with negated strides, tile and
// repeat read broadcast views, slice_scatter writes a strided region, assign reads a broadcast view), all through one
// kernel that copies items of 1, 2, 4 or 8 bytes between any two layouts of one shape. pad's reflect and edge modes
// gather each output element from the input element it mirrors or repeats.
//
// The index ops (gather, take_along_axis, one_hot, scatter_add) check their indices on the GPU and report the first
// bad one as an Index error, as the CPU does; that check is the one place these ops make the host wait.
#include <cuda_runtime.h>

#include "cuda/cuda_common.h"
#include "ops/shape_rules.h"
#include "ops/shape_util.h"

namespace nr::cuda {
namespace {

template <class U>
__global__ void copy_between(U* dst, const U* src, int64_t n, Indexer<2> ix) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    dst[ix.offset(0, i)] = src[ix.offset(1, i)];
}

// Calls f(U{}) with U an unsigned integer of `item` bytes: kernels that only move elements see them as bits.
template <class F>
void dispatch_item(size_t item, F&& f) {
  switch (item) {
    case 1: f(uint8_t{}); return;
    case 2: f(uint16_t{}); return;
    case 4: f(uint32_t{}); return;
    default: f(uint64_t{}); return;
  }
}

// dst (any strided view of device memory) = src, elementwise; same shape and dtype.
void copy_into(const Tensor& src, Tensor dst) {
  const int64_t n = dst.numel();
  if (n == 0) return;
  const Shape* strides[2] = {&dst.strides(), &src.strides()};
  Indexer<2> ix = make_indexer<2>(dst.shape(), strides);
  switch (itemsize(dst.dtype())) {
    case 1: copy_between<<<grid_for(n), 256, 0, stream()>>>(dst.data<uint8_t>(), src.data<uint8_t>(), n, ix); break;
    case 2: copy_between<<<grid_for(n), 256, 0, stream()>>>(dst.data<uint16_t>(), src.data<uint16_t>(), n, ix); break;
    case 4: copy_between<<<grid_for(n), 256, 0, stream()>>>(dst.data<uint32_t>(), src.data<uint32_t>(), n, ix); break;
    default: copy_between<<<grid_for(n), 256, 0, stream()>>>(dst.data<uint64_t>(), src.data<uint64_t>(), n, ix); break;
  }
  check_launch("strided copy");
}

// The view of `t` whose `axis` covers [start, start + len).
Tensor slab(const Tensor& t, int axis, int64_t start, int64_t len) {
  Shape shape = t.shape();
  shape[static_cast<size_t>(axis)] = len;
  return t.view(shape, t.strides(), t.offset() + start * t.strides()[static_cast<size_t>(axis)]);
}

void concat_kernel(KernelContext& ctx) {
  Tensor& out = ctx.outputs[0];
  int axis = normalize_axis(ctx.def.name, ctx.attrs.get_int("axis", 0), out.ndim(), out.shape());
  int64_t at = 0;
  for (const Tensor& x : ctx.inputs) {
    copy_into(x, slab(out, axis, at, x.dim(axis)));
    at += x.dim(axis);
  }
}

void stack_kernel(KernelContext& ctx) {
  Tensor& out = ctx.outputs[0];
  int axis = normalize_axis(ctx.def.name, ctx.attrs.get_int("axis", 0), out.ndim(), out.shape());
  for (size_t j = 0; j < ctx.inputs.size(); ++j) {
    Tensor region = slab(out, axis, static_cast<int64_t>(j), 1);
    Shape squeezed = region.shape(), strides = region.strides();
    squeezed.erase(squeezed.begin() + axis);
    strides.erase(strides.begin() + axis);
    copy_into(ctx.inputs[j], region.view(squeezed, strides, region.offset()));
  }
}

void split_kernel(KernelContext& ctx) {
  const Tensor& x = ctx.inputs[0];
  int axis = normalize_axis(ctx.def.name, ctx.attrs.get_int("axis", 0), x.ndim(), x.shape());
  int64_t at = 0;
  for (Tensor& piece : ctx.outputs) {
    copy_into(slab(x, axis, at, piece.dim(axis)), piece);
    at += piece.dim(axis);
  }
}

void flip_kernel(KernelContext& ctx) {
  const Tensor& x = ctx.inputs[0];
  Shape strides = x.strides();
  int64_t offset = x.offset();
  for (int a : normalize_axes(ctx.def.name, ctx.attrs.get_ints("axes"), x.ndim(), x.shape())) {
    auto ua = static_cast<size_t>(a);
    if (x.shape()[ua] == 0) return;
    offset += (x.shape()[ua] - 1) * strides[ua];
    strides[ua] = -strides[ua];
  }
  copy_into(x.view(x.shape(), strides, offset), ctx.outputs[0]);
}

// tile: x read as [1, s0, 1, s1, ...] broadcast to [r0, s0, r1, s1, ...], which is the output's memory order.
void tile_kernel(KernelContext& ctx) {
  const Tensor& x = ctx.inputs[0];
  Tensor& out = ctx.outputs[0];
  const size_t nd = out.shape().size();
  Shape s = x.shape(), st = x.strides();
  std::vector<int64_t> reps = ctx.attrs.get_ints("reps");
  s.insert(s.begin(), nd - s.size(), 1);
  st.insert(st.begin(), nd - st.size(), 0);
  reps.insert(reps.begin(), nd - reps.size(), 1);
  Shape shape, src_strides;
  for (size_t d = 0; d < nd; ++d) {
    shape.push_back(reps[d]);
    src_strides.push_back(0);
    shape.push_back(s[d]);
    src_strides.push_back(s[d] == 1 ? 0 : st[d]);
  }
  copy_into(x.view(shape, src_strides, x.offset()), out.view(shape, contiguous_strides(shape), out.offset()));
}

// repeat: x read as [..., s_axis, 1, ...] broadcast to [..., s_axis, r, ...].
void repeat_kernel(KernelContext& ctx) {
  const Tensor& x = ctx.inputs[0];
  Tensor& out = ctx.outputs[0];
  Shape s = x.shape(), st = x.strides();
  if (s.empty()) s.push_back(1), st.push_back(0);
  auto axis = static_cast<size_t>(normalize_axis(ctx.def.name, ctx.attrs.get_int("axis", 0), static_cast<int>(s.size()), s));
  s.insert(s.begin() + static_cast<int64_t>(axis) + 1, ctx.attrs.get_int("repeats", 1));
  st.insert(st.begin() + static_cast<int64_t>(axis) + 1, 0);
  copy_into(x.view(s, st, x.offset()), out.view(s, contiguous_strides(s), out.offset()));
}

template <class U>
__global__ void fill_bits(U* dst, int64_t n, U bits) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    dst[i] = bits;
}

// The input element output element i shows under reflect or edge padding: each dim maps its output index j to
// j - before when that lies inside, else to the mirrored index (reflect, the edge element not repeated) or the
// nearest edge (edge), as the CPU kernel. Unpadded dims that are adjacent in memory are merged first.
struct PadGeometry {
  int ndim = 0;
  bool reflect = false;
  int64_t out_sizes[kMaxDims], in_sizes[kMaxDims], in_strides[kMaxDims], before[kMaxDims];

  __device__ int64_t source_offset(int64_t i) const {
    int64_t off = 0;
    for (int d = ndim - 1; d >= 0; --d) {
      const int64_t q = i / out_sizes[d], n = in_sizes[d];
      int64_t j = i - q * out_sizes[d] - before[d];
      if (j < 0) j = reflect ? -j : 0;
      else if (j >= n) j = reflect ? 2 * (n - 1) - j : n - 1;
      off += j * in_strides[d];
      i = q;
    }
    return off;
  }
};

PadGeometry pad_geometry(const Tensor& x, const Tensor& out, const std::vector<int64_t>& pads, bool reflect) {
  PadGeometry g;
  g.reflect = reflect;
  for (size_t d = 0; d < x.shape().size(); ++d) {
    const int64_t n = x.shape()[d], st = x.strides()[d], b = pads[2 * d];
    const bool padded = out.shape()[d] != n;
    if (!padded && n == 1) continue;
    const int k = g.ndim - 1;
    if (!padded && k >= 0 && g.out_sizes[k] == g.in_sizes[k] && g.in_strides[k] == st * n) {
      g.out_sizes[k] *= n;
      g.in_sizes[k] *= n;
      g.in_strides[k] = st;
      continue;
    }
    if (g.ndim == kMaxDims)
      fail(Status::Unsupported, "pad: ", shape_str(x.shape()), " has more than ", kMaxDims,
           " dims that are padded or not mergeable on CUDA");
    g.out_sizes[g.ndim] = out.shape()[d];
    g.in_sizes[g.ndim] = n;
    g.in_strides[g.ndim] = st;
    g.before[g.ndim] = b;
    ++g.ndim;
  }
  if (g.ndim == 0) {
    g.ndim = 1;
    g.out_sizes[0] = g.in_sizes[0] = 1;
    g.in_strides[0] = g.before[0] = 0;
  }
  return g;
}

template <class U>
__global__ void pad_gather(U* dst, const U* src, int64_t n, PadGeometry g) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    dst[i] = src[g.source_offset(i)];
}

// Constant mode fills the output and copies the input into its interior; reflect and edge read every output element
// from the input element it mirrors or repeats (the shape rule keeps reflect padding below the dim and refuses edge
// padding of an empty dim, so every source index is in range).
void pad_kernel(KernelContext& ctx) {
  const Tensor& x = ctx.inputs[0];
  Tensor& out = ctx.outputs[0];
  const int64_t mode = ctx.attrs.get_int("mode", 0);
  const int64_t n = out.numel();
  if (n == 0) return;
  const std::vector<int64_t> pads = ctx.attrs.get_ints("pads");
  if (mode != 0) {
    const PadGeometry g = pad_geometry(x, out, pads, mode == 1);
    dispatch_item(itemsize(out.dtype()), [&](auto utag) {
      using U = decltype(utag);
      pad_gather<<<grid_for(n), 256, 0, stream()>>>(out.data<U>(), x.data<U>(), n, g);
      check_launch("pad");
    });
    return;
  }
  const double v = ctx.attrs.get_float("value", 0);
  dispatch_dtype(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T value = out.dtype() == DType::Bool ? T(v != 0) : static_cast<T>(v);
    fill_bits<<<grid_for(n), 256, 0, stream()>>>(out.data<T>(), n, value);
    check_launch("pad fill");
  });
  int64_t offset = out.offset();
  for (size_t d = 0; d < x.shape().size(); ++d) offset += pads[2 * d] * out.strides()[d];
  copy_into(x, out.view(x.shape(), out.strides(), offset));
}

void slice_scatter_kernel(KernelContext& ctx) {
  const Tensor &base = ctx.inputs[0], &src = ctx.inputs[1];
  Tensor& out = ctx.outputs[0];
  copy_into(base, out);
  rules::SliceSpec spec = rules::resolve_slice(ctx.def.name, out.shape(), ctx.attrs);
  if (numel_of(spec.size) == 0) return;
  Shape strides = out.strides();
  int64_t offset = out.offset();
  for (size_t d = 0; d < strides.size(); ++d) {
    offset += spec.start[d] * strides[d];
    strides[d] *= spec.step[d];
  }
  copy_into(src, out.view(spec.size, strides, offset));
}

// ---- index ops ----

// Records in bad[0] the position + 1 of an index outside [lo, hi), and its value in bad[1].
template <class I>
__global__ void find_bad_index(const I* idx, int64_t n, int64_t lo, int64_t hi, unsigned long long* bad) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t v = static_cast<int64_t>(idx[i]);
    if (v < lo || v >= hi) {
      atomicExch(&bad[0], static_cast<unsigned long long>(i + 1));
      atomicExch(&bad[1], static_cast<unsigned long long>(v));
    }
  }
}

template <class I>
void check_indices(const char* op, const I* idx, int64_t n, int64_t lo, int64_t hi, const std::string& what) {
  if (n == 0) return;
  Scratch bad(2 * sizeof(unsigned long long));
  NR_CUDA_CHECK(cudaMemsetAsync(bad.as<void>(), 0, 2 * sizeof(unsigned long long), stream()));
  find_bad_index<<<grid_for(n), 256, 0, stream()>>>(idx, n, lo, hi, bad.as<unsigned long long>());
  check_launch("index check");
  unsigned long long host[2] = {0, 0};
  NR_CUDA_CHECK(cudaMemcpyAsync(host, bad.as<void>(), sizeof host, cudaMemcpyDeviceToHost, stream()));
  NR_CUDA_CHECK(cudaStreamSynchronize(stream()));
  if (host[0]) fail(Status::Index, op, ": index ", static_cast<int64_t>(host[1]), " is out of range for ", what);
}

template <class F>
void dispatch_index(DType dt, F&& f) {
  if (dt == DType::I32) f(int32_t{});
  else if (dt == DType::I64) f(int64_t{});
  else fail(Status::DType, "indices must be i32 or i64, got ", dtype_name(dt));
}

std::string axis_text(int axis, int64_t n) { return "axis " + std::to_string(axis) + " of size " + std::to_string(n); }

// out[o, k, i] = x[o, idx[k], i] (numpy.take).
template <class U, class I>
__global__ void gather_items(const U* x, const I* idx, U* out, int64_t outer, int64_t count, int64_t n, int64_t inner) {
  const int64_t total = outer * count * inner;
  for (int64_t q = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; q < total; q += int64_t(gridDim.x) * blockDim.x) {
    const int64_t i = q % inner, k = (q / inner) % count, o = q / (inner * count);
    int64_t j = static_cast<int64_t>(idx[k]);
    j += j < 0 ? n : 0;
    out[q] = x[(o * n + j) * inner + i];
  }
}

int64_t prod(const Shape& s, size_t b, size_t e) {
  int64_t p = 1;
  for (size_t d = b; d < e; ++d) p *= s[d];
  return p;
}

void gather_kernel(KernelContext& ctx) {
  const Tensor &x = ctx.inputs[0], &indices = ctx.inputs[1];
  Tensor& out = ctx.outputs[0];
  const Shape& s = x.shape();
  int axis = normalize_axis(ctx.def.name, ctx.attrs.get_int("axis", 0), x.ndim(), s);
  const auto ua = static_cast<size_t>(axis);
  const int64_t n = s[ua], outer = prod(s, 0, ua), inner = prod(s, ua + 1, s.size()), count = indices.numel();
  dispatch_index(indices.dtype(), [&](auto itag) {
    using I = decltype(itag);
    check_indices(ctx.def.name, indices.data<I>(), count, -n, n, axis_text(axis, n));
    if (out.numel() == 0) return;
    dispatch_item(itemsize(x.dtype()), [&](auto utag) {
      using U = decltype(utag);
      gather_items<<<grid_for(out.numel()), 256, 0, stream()>>>(x.data<U>(), indices.data<I>(), out.data<U>(), outer,
                                                                count, n, inner);
      check_launch("gather");
    });
  });
}

// out[p] = x[p with the axis coordinate replaced by idx[p]]; x and idx broadcast outside the axis.
template <class U, class I>
__global__ void take_along(const U* x, const I* idx, U* out, int64_t total, Indexer<2> ix, int64_t n,
                           int64_t axis_stride) {
  for (int64_t p = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; p < total; p += int64_t(gridDim.x) * blockDim.x) {
    int64_t j = static_cast<int64_t>(idx[ix.offset(0, p)]);
    j += j < 0 ? n : 0;
    out[p] = x[ix.offset(1, p) + j * axis_stride];
  }
}

void take_along_axis_kernel(KernelContext& ctx) {
  const Tensor &x = ctx.inputs[0], &indices = ctx.inputs[1];
  Tensor& out = ctx.outputs[0];
  const Shape &s = x.shape(), &is = indices.shape(), &o = out.shape();
  int axis = normalize_axis(ctx.def.name, ctx.attrs.get_int("axis", -1), x.ndim(), s);
  const auto ua = static_cast<size_t>(axis);
  const int64_t n = s[ua];
  Shape x_strides = contiguous_strides(s), i_strides = contiguous_strides(is);
  const int64_t axis_stride = x_strides[ua];
  for (size_t d = 0; d < o.size(); ++d) {
    if (s[d] == 1 || d == ua) x_strides[d] = 0;
    if (is[d] == 1) i_strides[d] = 0;
  }
  dispatch_index(indices.dtype(), [&](auto itag) {
    using I = decltype(itag);
    check_indices(ctx.def.name, indices.data<I>(), indices.numel(), -n, n, axis_text(axis, n));
    if (out.numel() == 0) return;
    const Shape* strides[2] = {&i_strides, &x_strides};
    Indexer<2> ix = make_indexer<2>(o, strides);
    dispatch_item(itemsize(x.dtype()), [&](auto utag) {
      using U = decltype(utag);
      take_along<<<grid_for(out.numel()), 256, 0, stream()>>>(x.data<U>(), indices.data<I>(), out.data<U>(),
                                                              out.numel(), ix, n, axis_stride);
      check_launch("take_along_axis");
    });
  });
}

template <class T, class I>
__global__ void one_hot_rows(const I* idx, T* out, int64_t count, int64_t depth) {
  const int64_t total = count * depth;
  for (int64_t q = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; q < total; q += int64_t(gridDim.x) * blockDim.x)
    out[q] = static_cast<int64_t>(idx[q / depth]) == q % depth ? T(1) : T(0);
}

void one_hot_kernel(KernelContext& ctx) {
  const Tensor& indices = ctx.inputs[0];
  Tensor& out = ctx.outputs[0];
  const int64_t depth = out.shape().back(), count = indices.numel();
  dispatch_index(indices.dtype(), [&](auto itag) {
    using I = decltype(itag);
    check_indices(ctx.def.name, indices.data<I>(), count, 0, depth, "depth " + std::to_string(depth));
    if (out.numel() == 0) return;
    dispatch_dtype(out.dtype(), [&](auto tag) {
      using T = decltype(tag);
      one_hot_rows<<<grid_for(out.numel()), 256, 0, stream()>>>(indices.data<I>(), out.data<T>(), count, depth);
      check_launch("one_hot");
    });
  });
}

// Atomic out += v for every dtype scatter_add takes. Integers wrap as the CPU's additions do (two's complement, so
// i64 can go through the unsigned 64-bit atomic); a byte is added by compare-and-swap on the aligned 32-bit word that
// holds it, which the caching allocator's 512-byte granularity keeps inside the allocation.
__device__ inline void atomic_add(float* out, float v) { atomicAdd(out, v); }
__device__ inline void atomic_add(double* out, double v) { atomicAdd(out, v); }
__device__ inline void atomic_add(int32_t* out, int32_t v) { atomicAdd(out, v); }
__device__ inline void atomic_add(int64_t* out, int64_t v) {
  atomicAdd(reinterpret_cast<unsigned long long*>(out), static_cast<unsigned long long>(v));
}
__device__ inline void atomic_add(uint8_t* out, uint8_t v) {
  const uintptr_t addr = reinterpret_cast<uintptr_t>(out);
  unsigned int* word = reinterpret_cast<unsigned int*>(addr & ~uintptr_t(3));
  const unsigned int shift = static_cast<unsigned int>(addr & 3) * 8;
  unsigned int old = *word, assumed;
  do {
    assumed = old;
    const unsigned int sum = ((assumed >> shift) + v) & 0xFFu;
    old = atomicCAS(word, assumed, (assumed & ~(0xFFu << shift)) | (sum << shift));
  } while (old != assumed);
}

// out = base; out[o, idx[o,s,k], k] += src[o, s, k]. Additions into one element race, so they are atomic: the
// order of a repeated index's additions (and so the last bits of a float sum) may vary between runs.
template <class T, class I>
__global__ void scatter_add_items(const I* idx, const T* src, T* out, int64_t outer, int64_t n, int64_t inner,
                                  int64_t dim) {
  const int64_t total = outer * n * inner;
  for (int64_t at = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; at < total; at += int64_t(gridDim.x) * blockDim.x) {
    const int64_t k = at % inner, o = at / (inner * n);
    int64_t j = static_cast<int64_t>(idx[at]);
    j += j < 0 ? dim : 0;
    atomic_add(&out[(o * dim + j) * inner + k], src[at]);
  }
}

void scatter_add_kernel(KernelContext& ctx) {
  const Tensor &base = ctx.inputs[0], &idx = ctx.inputs[1], &src = ctx.inputs[2];
  Tensor& out = ctx.outputs[0];
  int axis = static_cast<int>(ctx.attrs.get_int("axis", 0));
  if (axis < 0) axis += base.ndim();
  const Shape& bs = base.shape();
  const auto ua = static_cast<size_t>(axis);
  const int64_t outer = prod(bs, 0, ua), inner = prod(bs, ua + 1, bs.size()), dim = bs[ua];
  const int64_t n = src.shape()[ua];
  if (out.numel()) copy_into(base, out);
  dispatch_index(idx.dtype(), [&](auto itag) {
    using I = decltype(itag);
    check_indices(ctx.def.name, idx.data<I>(), idx.numel(), -dim, dim, axis_text(axis, dim));
    if (idx.numel() == 0) return;
    dispatch_dtype(base.dtype(), [&](auto tag) {
      using T = decltype(tag);
      scatter_add_items<<<grid_for(idx.numel()), 256, 0, stream()>>>(idx.data<I>(), src.data<T>(), out.data<T>(),
                                                                     outer, n, inner, dim);
      check_launch("scatter_add");
    });
  });
}

// dst = src broadcast to dst's shape. dst is contiguous (the dispatcher refuses other views of an input an op
// writes); src may be any view.
void assign_kernel(KernelContext& ctx) {
  Tensor dst = ctx.inputs[0];
  const Tensor& src = ctx.inputs[1];
  copy_into(src.view(dst.shape(), broadcast_strides(dst.shape(), src.shape(), src.strides()), src.offset()), dst);
}

constexpr uint32_t kAll = kNumericTypes | dtype_bit(DType::Bool);

}  // namespace

void register_shape_kernels() {
  register_kernel(OpId::Concat, concat_kernel, kAll, false);
  register_kernel(OpId::Stack, stack_kernel, kAll, false);
  register_kernel(OpId::Split, split_kernel, kAll, false);
  register_kernel(OpId::Flip, flip_kernel, kAll, false);
  register_kernel(OpId::Tile, tile_kernel, kAll, false);
  register_kernel(OpId::Repeat, repeat_kernel, kAll, false);
  register_kernel(OpId::Pad, pad_kernel, kAll, false);
  register_kernel(OpId::SliceScatter, slice_scatter_kernel, kAll, false);
  register_kernel(OpId::Gather, gather_kernel, kAll);
  register_kernel(OpId::TakeAlongAxis, take_along_axis_kernel, kAll);
  register_kernel(OpId::OneHot, one_hot_kernel, dtype_bit(DType::I32) | dtype_bit(DType::I64));
  register_kernel(OpId::ScatterAdd, scatter_add_kernel, kNumericTypes);
  // assign is of the optim family (weights restored in place) but is a broadcasting copy like the ops above.
  register_kernel(OpId::Assign, assign_kernel, kAll, false);
}

}  // namespace nr::cuda
