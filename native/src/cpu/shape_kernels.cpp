// Shape ops that copy: concat, stack, split, pad, tile, repeat, flip, gather, take_along_axis, one_hot.
// They move bytes, not values: contiguous runs go by memcpy and single elements as an unsigned integer of the item's
// size, so one loop serves every dtype. The shape rules have validated shapes and attributes; what is left to check
// here is data (index values), and that is done before the first byte of output is written.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "core/strided_loop.h"
#include "core/thread_pool.h"
#include "cpu/cpu_backend.h"
#include "ops/shape_util.h"

namespace nr::cpu {
namespace {

// Bytes below which a copy stays on one thread: the elementwise grain, counted in f32 elements.
constexpr int64_t kCopyGrainBytes = kElementwiseGrain * 4;

int64_t prod(const Shape& s, size_t from, size_t to) {
  int64_t p = 1;
  for (size_t i = from; i < to; ++i) p *= s[i];
  return p;
}

char* bytes_of(const Tensor& t) { return static_cast<char*>(t.raw_data()); }

// Rows of `row_bytes` bytes per chunk of work worth waking a thread for.
int64_t row_grain(int64_t row_bytes) { return std::max<int64_t>(1, kCopyGrainBytes / std::max<int64_t>(1, row_bytes)); }

// Calls f(U{}) with U the unsigned integer type of `size` (1, 2, 4 or 8) bytes.
template <class F>
void dispatch_itemsize(size_t size, F&& f) {
  switch (size) {
    case 1: f(uint8_t{}); return;
    case 2: f(uint16_t{}); return;
    case 4: f(uint32_t{}); return;
    case 8: f(uint64_t{}); return;
    default: fail(Status::Internal, "cpu: no element copy for items of ", size, " bytes");
  }
}

template <class F>
void dispatch_index(DType dt, F&& f) {
  if (dt == DType::I32) f(int32_t{});
  else f(int64_t{});
}

template <size_t N>
void copy_small_rows(char* dst, int64_t dst_stride, const char* src, int64_t src_stride, int64_t rows) {
  parallel_for(rows, row_grain(N), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) std::memcpy(dst + r * dst_stride, src + r * src_stride, N);
  });
}

// Copies `rows` rows of `row_bytes` bytes between buffers whose rows lie dst_stride / src_stride bytes apart. Work
// is split by bytes, not rows, so that one large row (concat on axis 0) is shared between threads too; rows of a
// word or less get a fixed-size copy the compiler turns into a single load and store.
void copy_rows(char* dst, int64_t dst_stride, const char* src, int64_t src_stride, int64_t rows, int64_t row_bytes) {
  if (rows == 0 || row_bytes == 0) return;
  switch (row_bytes) {
    case 1: return copy_small_rows<1>(dst, dst_stride, src, src_stride, rows);
    case 2: return copy_small_rows<2>(dst, dst_stride, src, src_stride, rows);
    case 4: return copy_small_rows<4>(dst, dst_stride, src, src_stride, rows);
    case 8: return copy_small_rows<8>(dst, dst_stride, src, src_stride, rows);
    default: break;
  }
  parallel_for(rows * row_bytes, kCopyGrainBytes, [&](int64_t b, int64_t e) {
    for (int64_t r = b / row_bytes, c = b % row_bytes; b < e; ++r, c = 0) {
      int64_t n = std::min(row_bytes - c, e - b);
      std::memcpy(dst + r * dst_stride + c, src + r * src_stride + c, static_cast<size_t>(n));
      b += n;
    }
  });
}

// Writes `count` back-to-back copies of the `block` bytes at src. Blocks of one word are stored as that word (a loop
// that vectorises); longer ones by doubling what is already written, so count copies take log2(count) memcpys.
void replicate(char* dst, const char* src, int64_t block, int64_t count) {
  if (count == 0 || block == 0) return;
  if (block == 1 || block == 2 || block == 4 || block == 8) {
    dispatch_itemsize(static_cast<size_t>(block), [&](auto tag) {
      using U = decltype(tag);
      U v;
      std::memcpy(&v, src, sizeof(U));
      U* d = reinterpret_cast<U*>(dst);
      for (int64_t i = 0; i < count; ++i) d[i] = v;
    });
    return;
  }
  std::memcpy(dst, src, static_cast<size_t>(block));
  for (int64_t done = 1; done < count;) {
    int64_t n = std::min(done, count - done);
    std::memcpy(dst + done * block, dst, static_cast<size_t>(n * block));
    done += n;
  }
}

// `v` as the bytes of one element of dtype `dt`. An integer dtype that cannot hold it (after truncation toward
// zero) is an InvalidArgument error rather than a silently wrapped value.
uint64_t element_bits(const char* op, double v, DType dt) {
  uint64_t bits = 0;
  dispatch_dtype(dt, [&](auto tag) {
    using T = decltype(tag);
    T x;
    if constexpr (std::is_same_v<T, bool>) {
      x = v != 0;
    } else if constexpr (std::is_integral_v<T>) {
      double t = std::trunc(v);
      double upper = static_cast<double>(std::numeric_limits<T>::max() / 2 + 1) * 2.0;  // 2^bits, exact
      if (!(t >= static_cast<double>(std::numeric_limits<T>::min()) && t < upper))
        fail(Status::InvalidArgument, op, ": value ", v, " does not fit in ", dtype_name(dt));
      x = static_cast<T>(t);
    } else {
      x = static_cast<T>(v);
    }
    std::memcpy(&bits, &x, sizeof(T));
  });
  return bits;
}

// Fills `count` elements of `item` bytes with the element whose bytes are `bits`.
void fill_items(char* dst, int64_t count, uint64_t bits, size_t item) {
  dispatch_itemsize(item, [&](auto tag) {
    using U = decltype(tag);
    U v;
    std::memcpy(&v, &bits, sizeof(U));
    U* d = reinterpret_cast<U*>(dst);
    for (int64_t i = 0; i < count; ++i) d[i] = v;
  });
}

// Throws an Index error naming the first index outside [-n, n) (negative ones count from the end, as in NumPy).
// The common all-valid case is one branch-free pass.
template <class I>
void check_indices(const char* op, const I* idx, int64_t count, int64_t n, int axis) {
  bool bad = false;
  for (int64_t k = 0; k < count; ++k) bad |= (idx[k] < -n) | (idx[k] >= n);
  if (!bad) return;
  for (int64_t k = 0; k < count; ++k)
    if (idx[k] < -n || idx[k] >= n)
      fail(Status::Index, op, ": index ", static_cast<int64_t>(idx[k]), " is out of range for axis ", axis,
           " of size ", n);
}

// concat and stack: input j fills `extent(j)` positions of the output's `axis`, after those of inputs 0..j-1.
template <class Extent>
void join(KernelContext& ctx, int axis, Extent extent) {
  Tensor& out = ctx.outputs[0];
  const Shape& o = out.shape();
  int64_t outer = prod(o, 0, static_cast<size_t>(axis));
  int64_t inner_bytes = prod(o, static_cast<size_t>(axis) + 1, o.size()) * static_cast<int64_t>(itemsize(out.dtype()));
  int64_t out_row = o[static_cast<size_t>(axis)] * inner_bytes, at = 0;
  for (size_t j = 0; j < ctx.inputs.size(); ++j) {
    int64_t row = extent(ctx.inputs[j]) * inner_bytes;
    copy_rows(bytes_of(out) + at, out_row, bytes_of(ctx.inputs[j]), row, outer, row);
    at += row;
  }
}

void concat_kernel(KernelContext& ctx) {
  const Tensor& out = ctx.outputs[0];
  int axis = normalize_axis(ctx.def.name, ctx.attrs.get_int("axis", 0), out.ndim(), out.shape());
  join(ctx, axis, [axis](const Tensor& x) { return x.dim(axis); });
}

void stack_kernel(KernelContext& ctx) {
  const Tensor& out = ctx.outputs[0];
  int axis = normalize_axis(ctx.def.name, ctx.attrs.get_int("axis", 0), out.ndim(), out.shape());
  join(ctx, axis, [](const Tensor&) { return int64_t{1}; });
}

void split_kernel(KernelContext& ctx) {
  const Tensor& x = ctx.inputs[0];
  const Shape& s = x.shape();
  auto axis = static_cast<size_t>(normalize_axis(ctx.def.name, ctx.attrs.get_int("axis", 0), x.ndim(), s));
  int64_t outer = prod(s, 0, axis), inner_bytes = prod(s, axis + 1, s.size()) * static_cast<int64_t>(itemsize(x.dtype()));
  int64_t in_row = s[axis] * inner_bytes, at = 0;
  for (Tensor& piece : ctx.outputs) {
    int64_t row = piece.dim(static_cast<int>(axis)) * inner_bytes;
    copy_rows(bytes_of(piece), row, bytes_of(x) + at, in_row, outer, row);
    at += row;
  }
}

enum PadMode : int64_t { kConstant = 0, kReflect = 1, kEdge = 2 };

// The dims up to the last padded one, p, are walked as rows of the output's dim p; the unpadded dims after p are
// one block of bytes that moves as a whole. A row copies the source row's blocks in one memcpy and fills the padding
// around it, unless an outer index lies in constant padding, when the whole row is the constant.
void pad_kernel(KernelContext& ctx) {
  const Tensor& x = ctx.inputs[0];
  Tensor& out = ctx.outputs[0];
  if (out.numel() == 0) return;
  const Shape &s = x.shape(), &o = out.shape();
  const std::vector<int64_t> pads = ctx.attrs.get_ints("pads");
  const int64_t mode = ctx.attrs.get_int("mode", kConstant);
  const size_t item = itemsize(x.dtype());
  const uint64_t value = mode == kConstant ? element_bits(ctx.def.name, ctx.attrs.get_float("value", 0), x.dtype()) : 0;
  int p = x.ndim() - 1;
  while (p >= 0 && pads[2 * static_cast<size_t>(p)] == 0 && pads[2 * static_cast<size_t>(p) + 1] == 0) --p;
  if (p < 0) {
    copy_rows(bytes_of(out), 0, bytes_of(x), 0, 1, static_cast<int64_t>(x.nbytes()));
    return;
  }
  const auto up = static_cast<size_t>(p);
  const int64_t block = prod(s, up + 1, s.size()) * static_cast<int64_t>(item);
  const int64_t src_row_bytes = s[up] * block, row_bytes = o[up] * block;
  const int64_t before = pads[2 * up], after = pads[2 * up + 1];
  // The input index that output index i of dim d shows, or -1 for the constant.
  auto source = [&](size_t d, int64_t i) -> int64_t {
    int64_t j = i - pads[2 * d], n = s[d];
    if (j >= 0 && j < n) return j;
    if (mode == kConstant) return -1;
    if (mode == kEdge) return j < 0 ? 0 : n - 1;
    return j < 0 ? -j : 2 * (n - 1) - j;  // reflect about the edge element, which is not repeated
  };
  parallel_for(prod(o, 0, up), row_grain(row_bytes), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      char* dst = bytes_of(out) + r * row_bytes;
      int64_t rem = r, src_row = 0, scale = 1;
      bool constant = false;
      for (size_t d = up; d-- > 0;) {
        int64_t j = source(d, rem % o[d]);
        rem /= o[d];
        constant = constant || j < 0;
        src_row += j * scale;
        scale *= s[d];
      }
      if (constant) {
        fill_items(dst, row_bytes / static_cast<int64_t>(item), value, item);
        continue;
      }
      const char* src = bytes_of(x) + src_row * src_row_bytes;
      if (src_row_bytes > 0) std::memcpy(dst + before * block, src, static_cast<size_t>(src_row_bytes));
      if (mode == kConstant) {
        fill_items(dst, before * block / static_cast<int64_t>(item), value, item);
        fill_items(dst + (before + s[up]) * block, after * block / static_cast<int64_t>(item), value, item);
        continue;
      }
      for (int64_t i = 0; i < before; ++i) std::memcpy(dst + i * block, src + source(up, i) * block, static_cast<size_t>(block));
      for (int64_t i = before + s[up]; i < o[up]; ++i)
        std::memcpy(dst + i * block, src + source(up, i) * block, static_cast<size_t>(block));
    }
  });
}

// NumPy's tile: shape and reps are aligned by padding the shorter with leading ones. As in pad, dims after the last
// repeated one, p, form a block; each output row of dim p is reps[p] copies of a source row.
void tile_kernel(KernelContext& ctx) {
  const Tensor& x = ctx.inputs[0];
  Tensor& out = ctx.outputs[0];
  if (out.numel() == 0) return;
  const Shape& o = out.shape();
  Shape s = x.shape();
  std::vector<int64_t> reps = ctx.attrs.get_ints("reps");
  s.insert(s.begin(), o.size() - s.size(), 1);
  reps.insert(reps.begin(), o.size() - reps.size(), 1);
  int p = static_cast<int>(o.size()) - 1;
  while (p >= 0 && reps[static_cast<size_t>(p)] == 1) --p;
  if (p < 0) {
    copy_rows(bytes_of(out), 0, bytes_of(x), 0, 1, static_cast<int64_t>(x.nbytes()));
    return;
  }
  const auto up = static_cast<size_t>(p);
  const int64_t seg = prod(s, up, s.size()) * static_cast<int64_t>(itemsize(x.dtype()));
  const int64_t row_bytes = seg * reps[up];
  parallel_for(prod(o, 0, up), row_grain(row_bytes), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      int64_t rem = r, src_row = 0, scale = 1;
      for (size_t d = up; d-- > 0;) {
        src_row += (rem % o[d]) % s[d] * scale;
        rem /= o[d];
        scale *= s[d];
      }
      replicate(bytes_of(out) + r * row_bytes, bytes_of(x) + src_row * seg, seg, reps[up]);
    }
  });
}

// np.repeat with one count: each slice along the axis is written `repeats` times in a row.
void repeat_kernel(KernelContext& ctx) {
  const Tensor& x = ctx.inputs[0];
  Tensor& out = ctx.outputs[0];
  if (out.numel() == 0) return;
  Shape s = x.shape();
  if (s.empty()) s.push_back(1);
  auto axis = static_cast<size_t>(normalize_axis(ctx.def.name, ctx.attrs.get_int("axis", 0), static_cast<int>(s.size()), s));
  const int64_t r = ctx.attrs.get_int("repeats", 1);
  const size_t item = itemsize(x.dtype());
  const int64_t block = prod(s, axis + 1, s.size()) * static_cast<int64_t>(item), slices = prod(s, 0, axis + 1);
  if (block == static_cast<int64_t>(item)) {
    // Repeating single elements (the last axis): a typed loop, not a replicate() call per element.
    dispatch_itemsize(item, [&](auto tag) {
      using U = decltype(tag);
      const U* src = x.data<U>();
      U* dst = out.data<U>();
      parallel_for(slices, row_grain(block * r), [&](int64_t b, int64_t e) {
        for (int64_t q = b; q < e; ++q)
          for (int64_t t = 0; t < r; ++t) dst[q * r + t] = src[q];
      });
    });
    return;
  }
  parallel_for(slices, row_grain(block * r), [&](int64_t b, int64_t e) {
    for (int64_t q = b; q < e; ++q) replicate(bytes_of(out) + q * r * block, bytes_of(x) + q * block, block, r);
  });
}

// A flip is a copy from the input read with negated strides on the flipped axes; any input strides work.
void flip_kernel(KernelContext& ctx) {
  const Tensor& x = ctx.inputs[0];
  Tensor& out = ctx.outputs[0];
  if (out.numel() == 0) return;
  Shape src_strides = x.strides();
  int64_t start = 0;
  for (int a : normalize_axes(ctx.def.name, ctx.attrs.get_ints("axes"), x.ndim(), x.shape())) {
    auto ua = static_cast<size_t>(a);
    start += (x.shape()[ua] - 1) * src_strides[ua];
    src_strides[ua] = -src_strides[ua];
  }
  dispatch_itemsize(itemsize(x.dtype()), [&](auto tag) {
    using U = decltype(tag);
    const U* src = x.data<U>() + start;
    U* dst = out.data<U>();
    StridedLoop<2> loop(out.shape(), {&out.strides(), &src_strides});
    parallel_for(out.numel(), kElementwiseGrain, [&](int64_t b, int64_t e) {
      loop.run(b, e, [&](const std::array<int64_t, 2>& off, int64_t n, const std::array<int64_t, 2>& st) {
        U* d = dst + off[0];
        const U* a = src + off[1];
        if (st[0] == 1 && st[1] == 1) {
          std::memcpy(d, a, static_cast<size_t>(n) * sizeof(U));
        } else {
          for (int64_t i = 0; i < n; ++i) d[i * st[0]] = a[i * st[1]];
        }
      });
    });
  });
}

// numpy.take: out[o, k, i] = x[o, indices[k], i] with o over the dims before the axis and i over those after.
void gather_kernel(KernelContext& ctx) {
  const Tensor &x = ctx.inputs[0], &indices = ctx.inputs[1];
  Tensor& out = ctx.outputs[0];
  const Shape& s = x.shape();
  int axis = normalize_axis(ctx.def.name, ctx.attrs.get_int("axis", 0), x.ndim(), s);
  const auto ua = static_cast<size_t>(axis);
  const int64_t n = s[ua], outer = prod(s, 0, ua), count = indices.numel();
  const size_t item = itemsize(x.dtype());
  const int64_t block = prod(s, ua + 1, s.size()) * static_cast<int64_t>(item);
  dispatch_index(indices.dtype(), [&](auto index_tag) {
    using I = decltype(index_tag);
    const I* idx = indices.data<I>();
    check_indices(ctx.def.name, idx, count, n, axis);
    if (out.numel() == 0) return;
    const char* src = bytes_of(x);
    char* dst = bytes_of(out);
    if (block != static_cast<int64_t>(item)) {
      parallel_for(outer * count, row_grain(block), [&](int64_t b, int64_t e) {
        for (int64_t q = b; q < e; ++q) {
          int64_t o = q / count, j = idx[q - o * count];
          j += j < 0 ? n : 0;
          std::memcpy(dst + q * block, src + (o * n + j) * block, static_cast<size_t>(block));
        }
      });
      return;
    }
    // Gathering single elements (axis is the last): walk each outer slice's run of indices with a plain loop.
    dispatch_itemsize(item, [&](auto tag) {
      using U = decltype(tag);
      const U* xs = reinterpret_cast<const U*>(src);
      U* d = reinterpret_cast<U*>(dst);
      parallel_for(outer * count, kElementwiseGrain, [&](int64_t b, int64_t e) {
        for (int64_t q = b; q < e;) {
          int64_t o = q / count, k0 = q - o * count, k1 = std::min(count, k0 + (e - q));
          const U* row = xs + o * n;
          U* drow = d + o * count;
          for (int64_t k = k0; k < k1; ++k) {
            int64_t j = idx[k];
            drow[k] = row[j + (j < 0 ? n : 0)];
          }
          q += k1 - k0;
        }
      });
    });
  });
}

// numpy.take_along_axis: out[..., k, ...] = x[..., indices[..., k, ...], ...], with the dims other than the axis
// broadcast between x and indices (stride 0 on a size-1 dim).
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
  dispatch_index(indices.dtype(), [&](auto index_tag) {
    using I = decltype(index_tag);
    const I* idx = indices.data<I>();
    check_indices(ctx.def.name, idx, indices.numel(), n, axis);
    if (out.numel() == 0) return;
    dispatch_itemsize(itemsize(x.dtype()), [&](auto tag) {
      using U = decltype(tag);
      const U* src = x.data<U>();
      U* dst = out.data<U>();
      StridedLoop<3> loop(o, {&out.strides(), &i_strides, &x_strides});
      parallel_for(out.numel(), kElementwiseGrain, [&](int64_t b, int64_t e) {
        loop.run(b, e, [&](const std::array<int64_t, 3>& off, int64_t len, const std::array<int64_t, 3>& st) {
          for (int64_t i = 0; i < len; ++i) {
            int64_t j = idx[off[1] + i * st[1]];
            j += j < 0 ? n : 0;
            dst[off[0] + i * st[0]] = src[off[2] + i * st[2] + j * axis_stride];
          }
        });
      });
    });
  });
}

// The output dtype comes from an attribute; the kernel is keyed on the indices' dtype.
void one_hot_kernel(KernelContext& ctx) {
  const Tensor& indices = ctx.inputs[0];
  Tensor& out = ctx.outputs[0];
  if (!(kAllCpuTypes & dtype_bit(out.dtype())))
    fail(Status::DType, ctx.def.name, ": output dtype ", dtype_name(out.dtype()), " is not supported on cpu");
  const int64_t depth = out.shape().back(), count = indices.numel();
  dispatch_index(indices.dtype(), [&](auto index_tag) {
    using I = decltype(index_tag);
    const I* idx = indices.data<I>();
    for (int64_t k = 0; k < count; ++k)
      if (idx[k] < 0 || idx[k] >= depth)
        fail(Status::Index, ctx.def.name, ": index ", static_cast<int64_t>(idx[k]), " is out of range for depth ",
             depth);
    if (out.numel() == 0) return;
    dispatch_dtype(out.dtype(), [&](auto tag) {
      using T = decltype(tag);
      T* d = out.data<T>();
      parallel_for(count, row_grain(depth * static_cast<int64_t>(sizeof(T))), [&](int64_t b, int64_t e) {
        // All-zero bytes are zero in every CPU dtype.
        std::memset(d + b * depth, 0, static_cast<size_t>((e - b) * depth) * sizeof(T));
        for (int64_t k = b; k < e; ++k) d[k * depth + idx[k]] = T(1);
      });
    });
  });
}

}  // namespace

void register_shape_kernels() {
  register_kernel(OpId::Concat, concat_kernel, kAllCpuTypes);
  register_kernel(OpId::Stack, stack_kernel, kAllCpuTypes);
  register_kernel(OpId::Split, split_kernel, kAllCpuTypes);
  register_kernel(OpId::Pad, pad_kernel, kAllCpuTypes);
  register_kernel(OpId::Tile, tile_kernel, kAllCpuTypes);
  register_kernel(OpId::Repeat, repeat_kernel, kAllCpuTypes);
  register_kernel(OpId::Flip, flip_kernel, kAllCpuTypes, false);
  register_kernel(OpId::Gather, gather_kernel, kAllCpuTypes);
  register_kernel(OpId::TakeAlongAxis, take_along_axis_kernel, kAllCpuTypes);
  register_kernel(OpId::OneHot, one_hot_kernel, dtype_bit(DType::I32) | dtype_bit(DType::I64));
}

}  // namespace nr::cpu
