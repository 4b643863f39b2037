// Reductions: sum, prod, max, min, mean, var, std, logsumexp, all, any (over any set of axes) and argmax, argmin
// (over one axis).
//
// Every reduction is brought to one layout over a contiguous input, [outer, n, inner]: output element (o, i)
// reduces the n values x[(o * n + r) * inner + i]. Reduced axes that are adjacent once size-1 dims are dropped map
// onto it directly; any other axis set is first moved last by one strided copy. inner == 1 reduces contiguous rows,
// inner > 1 accumulates whole rows of outputs at once, so both inner loops run over consecutive memory and vectorise.
//
// Determinism: work is cut into pieces whose bounds depend only on the shape (kChunk), and partial results are
// combined in index order, so every result is bit-identical for any thread count.
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "core/thread_pool.h"
#include "cpu/cpu_backend.h"
#include "ops/shape_util.h"

namespace nr::cpu {
namespace {

// Elements one task reduces before its partial result is combined with the others'.
constexpr int64_t kChunk = 65536;
// Interleaved accumulators along a row: independent dependency chains, a few vector registers wide.
constexpr int64_t kLanes = 16;
// Outputs a column task accumulates side by side: wide enough that each row is read as a long sequential run,
// small enough that the accumulators stay in L1.
constexpr int64_t kColumnBlock = 2048;

struct Layout {
  int64_t outer, n, inner;
};

template <class T>
constexpr bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) return v != v;
  else return false;
}

// Floats accumulate in double for accuracy. Integers wrap like their own type: sums and products modulo 2^64 agree
// with the same arithmetic modulo 2^32 or 2^8 once cast back, and unsigned wrap-around is defined behaviour.
template <class T>
using Wide = std::conditional_t<std::is_floating_point_v<T>, double, uint64_t>;

// A reducer: init/step/combine on an accumulator, finish to the output value. Centred reducers (var, logsumexp)
// get a per-output centre (the mean, the max) computed by an earlier pass; the others ignore it.
template <class T>
struct SumOp {
  using In = T;
  using Acc = Wide<T>;
  using Out = T;
  static constexpr bool kCentered = false;
  Acc init() const { return 0; }
  Acc step(Acc a, T v, Acc) const { return a + static_cast<Acc>(v); }
  Acc combine(Acc a, Acc b) const { return a + b; }
  Out finish(Acc a, Acc, int64_t) const { return static_cast<Out>(a); }
};

template <class T>
struct ProdOp {
  using In = T;
  using Acc = Wide<T>;
  using Out = T;
  static constexpr bool kCentered = false;
  Acc init() const { return 1; }
  Acc step(Acc a, T v, Acc) const { return a * static_cast<Acc>(v); }
  Acc combine(Acc a, Acc b) const { return a * b; }
  Out finish(Acc a, Acc, int64_t) const { return static_cast<Out>(a); }
};

// Out is T for the mean op and double for the centre of var.
template <class T, class O>
struct MeanOp {
  using In = T;
  using Acc = double;
  using Out = O;
  static constexpr bool kCentered = false;
  Acc init() const { return 0; }
  Acc step(Acc a, T v, Acc) const { return a + static_cast<Acc>(v); }
  Acc combine(Acc a, Acc b) const { return a + b; }
  Out finish(Acc a, Acc, int64_t n) const { return static_cast<Out>(a / static_cast<double>(n)); }  // n = 0: NaN
};

// NaN propagates, as in NumPy: once the accumulator holds a NaN no comparison replaces it.
template <class T, class O, bool kMax>
struct ExtremeOp {
  using In = T;
  using Acc = T;
  using Out = O;
  static constexpr bool kCentered = false;
  Acc init() const {
    if constexpr (std::is_floating_point_v<T>)
      return kMax ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
    else return kMax ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max();
  }
  Acc step(Acc a, T v, Acc) const {
    bool take = (kMax ? v > a : v < a) | is_nan(v);  // `|`, not `||`: no branch, so the loops vectorise
    return take ? v : a;
  }
  Acc combine(Acc a, Acc b) const { return step(a, b, a); }
  Out finish(Acc a, Acc, int64_t) const { return static_cast<Out>(a); }
};

// Second pass of var/std: squared deviations from the mean (two passes avoid the cancellation of E[x^2] - E[x]^2).
template <class T>
struct VarOp {
  using In = T;
  using Acc = double;
  using Out = T;
  static constexpr bool kCentered = true;
  int64_t correction;
  bool take_sqrt;
  Acc init() const { return 0; }
  Acc step(Acc a, T v, Acc mean) const {
    double d = static_cast<double>(v) - mean;
    return a + d * d;
  }
  Acc combine(Acc a, Acc b) const { return a + b; }
  Out finish(Acc a, Acc, int64_t n) const {
    // Like NumPy, n <= correction divides by zero: NaN when every deviation is zero, else inf.
    double var = a / static_cast<double>(std::max<int64_t>(n - correction, 0));
    return static_cast<Out>(take_sqrt ? std::sqrt(var) : var);
  }
};

// Second pass of logsumexp: sum of exp(x - max). A max of +-inf or NaN is the answer itself: all -inf gives -inf
// (and an empty reduction, whose max is -inf, too), any +inf gives +inf, a NaN gives NaN.
template <class T>
struct LseOp {
  using In = T;
  using Acc = double;
  using Out = T;
  static constexpr bool kCentered = true;
  Acc init() const { return 0; }
  Acc step(Acc a, T v, Acc max) const { return a + static_cast<Acc>(std::exp(v - static_cast<T>(max))); }
  Acc combine(Acc a, Acc b) const { return a + b; }
  Out finish(Acc a, Acc max, int64_t) const {
    return static_cast<Out>(std::isfinite(max) ? max + std::log(a) : max);
  }
};

// Bools are read as bytes (0 or 1) so the loops vectorise as plain integer and/or.
template <bool kAll>
struct LogicalOp {
  using In = uint8_t;
  using Acc = uint8_t;
  using Out = bool;
  static constexpr bool kCentered = false;
  Acc init() const { return kAll ? 1 : 0; }
  Acc step(Acc a, uint8_t v, Acc) const { return kAll ? (a & v) : (a | v); }
  Acc combine(Acc a, Acc b) const { return step(a, b, a); }
  Out finish(Acc a, Acc, int64_t) const { return a != 0; }
};

template <class Op>
typename Op::Acc center_at(const typename Op::Acc* center, int64_t i) {
  if constexpr (Op::kCentered) return center[i];
  else return typename Op::Acc{};
}

// Accumulates rows [r0, r1) of the [n, inner] slab `x` into acc[0, len), columns [i0, i0 + len), len <= kColumnBlock.
// Four rows per sweep take the same steps in the same order as one row at a time, with a quarter of the accumulator
// traffic. The accumulators live in a local array until the end: the compiler can see it does not overlap `x`
// (which has the accumulator's type in sum<f64> and min<u8>), so those loops vectorise without alias checks.
template <class Op>
void accumulate_columns(const Op& op, const typename Op::In* x, const typename Op::Acc* center, int64_t inner,
                        int64_t r0, int64_t r1, int64_t i0, int64_t len, typename Op::Acc* acc) {
  using Acc = typename Op::Acc;
  Acc local[kColumnBlock];
  const Acc* c = Op::kCentered ? center + i0 : nullptr;
  for (int64_t j = 0; j < len; ++j) local[j] = op.init();
  int64_t r = r0;
  for (; r + 4 <= r1; r += 4) {
    const typename Op::In* x0 = x + r * inner + i0;
    const typename Op::In *x1 = x0 + inner, *x2 = x1 + inner, *x3 = x2 + inner;
    // Kept a loop even when len is a constant: the loop vectoriser turns max/min's select into a blend, while a
    // fully unrolled body becomes scalar branches.
#pragma GCC unroll 1
    for (int64_t j = 0; j < len; ++j) {
      Acc cj = center_at<Op>(c, j);
      local[j] = op.step(op.step(op.step(op.step(local[j], x0[j], cj), x1[j], cj), x2[j], cj), x3[j], cj);
    }
  }
  for (; r < r1; ++r) {
    const typename Op::In* row = x + r * inner + i0;
#pragma GCC unroll 1
    for (int64_t j = 0; j < len; ++j) local[j] = op.step(local[j], row[j], center_at<Op>(c, j));
  }
  std::copy(local, local + len, acc);
}

// Reduces the contiguous run x[0, n) as a [n / kLanes, kLanes] matrix: kLanes independent accumulators (vector
// registers, no loop-carried dependency through one value), combined pairwise, then the tail in order.
template <class Op>
typename Op::Acc reduce_run(const Op& op, const typename Op::In* x, int64_t n, typename Op::Acc c) {
  using Acc = typename Op::Acc;
  Acc lanes[kLanes], centers[kLanes];
  std::fill(centers, centers + kLanes, c);
  const int64_t rows = n / kLanes;
  accumulate_columns(op, x, centers, kLanes, 0, rows, 0, kLanes, lanes);
  for (int64_t w = kLanes / 2; w > 0; w /= 2)
    for (int64_t j = 0; j < w; ++j) lanes[j] = op.combine(lanes[j], lanes[j + w]);
  Acc acc = lanes[0];
  for (int64_t i = rows * kLanes; i < n; ++i) acc = op.step(acc, x[i], c);
  return acc;
}

// inner == 1: output o reduces the contiguous row x[o*n, (o+1)*n).
template <class Op>
void reduce_rows(const Op& op, const typename Op::In* x, typename Op::Out* out, const typename Op::Acc* center,
                 int64_t rows, int64_t n) {
  using Acc = typename Op::Acc;
  const int64_t chunks = std::max<int64_t>(1, (n + kChunk - 1) / kChunk);
  if (chunks == 1) {
    parallel_for(rows, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(n, 1)), [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        Acc c = center_at<Op>(center, o);
        out[o] = op.finish(reduce_run(op, x + o * n, n, c), c, n);
      }
    });
    return;
  }
  std::vector<Acc> partial(static_cast<size_t>(rows * chunks));
  parallel_for(rows * chunks, 1, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      int64_t o = t / chunks, begin = t % chunks * kChunk;
      partial[static_cast<size_t>(t)] =
          reduce_run(op, x + o * n + begin, std::min(kChunk, n - begin), center_at<Op>(center, o));
    }
  });
  for (int64_t o = 0; o < rows; ++o) {
    const Acc* p = partial.data() + o * chunks;
    Acc acc = p[0];
    for (int64_t k = 1; k < chunks; ++k) acc = op.combine(acc, p[k]);
    out[o] = op.finish(acc, center_at<Op>(center, o), n);
  }
}

// inner > 1: output (o, i) reduces a column of the [n, inner] slab o. Tasks are (slab, chunk of rows, block of
// columns) of about kChunk elements each; with more than one chunk, per-chunk partials are combined in order.
template <class Op>
void reduce_columns(const Op& op, const typename Op::In* x, typename Op::Out* out, const typename Op::Acc* center,
                    const Layout& l) {
  using Acc = typename Op::Acc;
  const int64_t blocks = (l.inner + kColumnBlock - 1) / kColumnBlock;
  const int64_t rows_per_chunk = std::max<int64_t>(1, kChunk / std::min(l.inner, kColumnBlock));
  const int64_t chunks = std::max<int64_t>(1, (l.n + rows_per_chunk - 1) / rows_per_chunk);
  auto slab = [&](int64_t o) { return x + o * l.n * l.inner; };
  auto slab_center = [&](int64_t o) { return Op::kCentered ? center + o * l.inner : nullptr; };
  if (chunks == 1) {
    int64_t task_elems = std::max<int64_t>(1, l.n * std::min(l.inner, kColumnBlock));
    parallel_for(l.outer * blocks, std::max<int64_t>(1, kElementwiseGrain / task_elems), [&](int64_t b, int64_t e) {
      Acc acc[kColumnBlock];
      for (int64_t t = b; t < e; ++t) {
        int64_t o = t / blocks, i0 = t % blocks * kColumnBlock, len = std::min(kColumnBlock, l.inner - i0);
        const Acc* c = slab_center(o);
        accumulate_columns(op, slab(o), c, l.inner, 0, l.n, i0, len, acc);
        for (int64_t j = 0; j < len; ++j)
          out[o * l.inner + i0 + j] = op.finish(acc[j], center_at<Op>(c, i0 + j), l.n);
      }
    });
    return;
  }
  // partial[(o * chunks + k) * inner + i]: column i of slab o over row chunk k.
  std::vector<Acc> partial(static_cast<size_t>(l.outer * chunks * l.inner));
  parallel_for(l.outer * chunks * blocks, 1, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      int64_t blk = t % blocks, ok = t / blocks, o = ok / chunks, k = ok % chunks;
      int64_t i0 = blk * kColumnBlock, len = std::min(kColumnBlock, l.inner - i0);
      int64_t r0 = k * rows_per_chunk, r1 = std::min(l.n, r0 + rows_per_chunk);
      accumulate_columns(op, slab(o), slab_center(o), l.inner, r0, r1, i0, len,
                         partial.data() + ok * l.inner + i0);
    }
  });
  // Combined chunk by chunk along whole rows of partials: sequential reads, the same order for every output.
  parallel_for(l.outer * blocks, std::max<int64_t>(1, kElementwiseGrain / (chunks * kColumnBlock)),
               [&](int64_t b, int64_t e) {
    Acc acc[kColumnBlock];
    for (int64_t t = b; t < e; ++t) {
      int64_t o = t / blocks, i0 = t % blocks * kColumnBlock, len = std::min(kColumnBlock, l.inner - i0);
      const Acc* p = partial.data() + o * chunks * l.inner + i0;
      std::copy(p, p + len, acc);
      for (int64_t k = 1; k < chunks; ++k)
        for (int64_t j = 0; j < len; ++j) acc[j] = op.combine(acc[j], p[k * l.inner + j]);
      const Acc* c = slab_center(o);
      for (int64_t j = 0; j < len; ++j) out[o * l.inner + i0 + j] = op.finish(acc[j], center_at<Op>(c, i0 + j), l.n);
    }
  });
}

template <class Op>
void reduce_layout(const Op& op, const typename Op::In* x, typename Op::Out* out, const typename Op::Acc* center,
                   const Layout& l) {
  if (l.outer == 0) return;
  if (l.inner == 1) reduce_rows(op, x, out, center, l.outer, l.n);
  else reduce_columns(op, x, out, center, l);
}

// Plans the [outer, n, inner] layout of a reduction of the contiguous `x` over `axes`. When the reduced axes are
// not adjacent, `x` is replaced by a copy with the kept axes first and the reduced ones last.
Layout plan(Tensor& x, const std::vector<int>& axes) {
  const Shape& shape = x.shape();
  const int nd = x.ndim();
  std::vector<bool> reduced(static_cast<size_t>(nd), false);
  for (int a : axes) reduced[static_cast<size_t>(a)] = true;
  int64_t n = 1, kept = 1;
  for (int d = 0; d < nd; ++d) (reduced[static_cast<size_t>(d)] ? n : kept) *= shape[static_cast<size_t>(d)];
  if (n == 0 || kept == 0) return {kept, n, 1};

  // Runs of dims that are all reduced or all kept, size-1 dims dropped; the input is contiguous, so each run
  // reads as a single dim.
  std::vector<std::pair<bool, int64_t>> runs;
  for (int d = 0; d < nd; ++d) {
    int64_t size = shape[static_cast<size_t>(d)];
    if (size == 1) continue;
    bool r = reduced[static_cast<size_t>(d)];
    if (!runs.empty() && runs.back().first == r) runs.back().second *= size;
    else runs.emplace_back(r, size);
  }
  int reduced_runs = 0;
  for (const auto& run : runs) reduced_runs += run.first ? 1 : 0;
  if (reduced_runs <= 1) {
    Layout l{1, n, 1};
    bool after = false;
    for (const auto& [r, size] : runs) {
      if (r) after = true;
      else (after ? l.inner : l.outer) *= size;
    }
    return l;
  }
  Shape perm_shape, perm_strides;
  for (bool want_reduced : {false, true})
    for (int d = 0; d < nd; ++d)
      if (reduced[static_cast<size_t>(d)] == want_reduced) {
        perm_shape.push_back(shape[static_cast<size_t>(d)]);
        perm_strides.push_back(x.strides()[static_cast<size_t>(d)]);
      }
  x = x.view(perm_shape, perm_strides, x.offset()).contiguous();
  return {kept, n, 1};
}

std::vector<int> reduce_axes(const KernelContext& ctx) {
  const Tensor& x = ctx.inputs[0];
  return normalize_axes(ctx.def.name, ctx.attrs.get_ints("axes"), x.ndim(), x.shape());
}

template <class Op>
void run_reduce(KernelContext& ctx, const Op& op) {
  Tensor x = ctx.inputs[0];
  Layout l = plan(x, reduce_axes(ctx));
  reduce_layout(op, x.data<typename Op::In>(), ctx.outputs[0].data<typename Op::Out>(), nullptr, l);
}

// Runs Op<T> for the input's numeric dtype (the shape rule keeps bool out of these ops).
template <template <class> class Op>
void numeric_reduce(KernelContext& ctx) {
  dispatch_dtype(ctx.inputs[0].dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same_v<T, bool>) run_reduce(ctx, Op<T>{});
  });
}

template <class T>
using MaxOp = ExtremeOp<T, T, true>;
template <class T>
using MinOp = ExtremeOp<T, T, false>;
template <class T>
using MeanOutOp = MeanOp<T, T>;

void sum_kernel(KernelContext& ctx) { numeric_reduce<SumOp>(ctx); }
void prod_kernel(KernelContext& ctx) { numeric_reduce<ProdOp>(ctx); }
void max_kernel(KernelContext& ctx) { numeric_reduce<MaxOp>(ctx); }
void min_kernel(KernelContext& ctx) { numeric_reduce<MinOp>(ctx); }
void mean_kernel(KernelContext& ctx) {
  dispatch_floating(ctx.inputs[0].dtype(), [&](auto tag) { run_reduce(ctx, MeanOutOp<decltype(tag)>{}); });
}
void all_kernel(KernelContext& ctx) { run_reduce(ctx, LogicalOp<true>{}); }
void any_kernel(KernelContext& ctx) { run_reduce(ctx, LogicalOp<false>{}); }

// var, std and logsumexp: a first pass computes each output's centre, the second reduces around it.
template <class CenterOp, class Op>
void run_centered_reduce(KernelContext& ctx, const Op& op) {
  Tensor x = ctx.inputs[0];
  Layout l = plan(x, reduce_axes(ctx));
  const auto* in = x.data<typename Op::In>();
  std::vector<double> center(static_cast<size_t>(l.outer * l.inner));
  reduce_layout(CenterOp{}, in, center.data(), nullptr, l);
  reduce_layout(op, in, ctx.outputs[0].data<typename Op::Out>(), center.data(), l);
}

void variance_kernel(KernelContext& ctx, bool take_sqrt) {
  int64_t correction = ctx.attrs.get_int("correction", 0);
  dispatch_floating(ctx.inputs[0].dtype(), [&](auto tag) {
    using T = decltype(tag);
    run_centered_reduce<MeanOp<T, double>>(ctx, VarOp<T>{correction, take_sqrt});
  });
}
void var_kernel(KernelContext& ctx) { variance_kernel(ctx, false); }
void std_kernel(KernelContext& ctx) { variance_kernel(ctx, true); }
void logsumexp_kernel(KernelContext& ctx) {
  dispatch_floating(ctx.inputs[0].dtype(), [&](auto tag) {
    using T = decltype(tag);
    run_centered_reduce<ExtremeOp<T, double, true>>(ctx, LseOp<T>{});
  });
}

// First occurrence wins ties; a NaN beats every number (NumPy: the first NaN is both argmax and argmin).
template <class T, bool kMax>
bool replaces(T v, T best) {
  return (kMax ? v > best : v < best) | (is_nan(v) & !is_nan(best));
}

template <class T, bool kMax>
void arg_reduce(const T* x, int64_t* out, const Layout& l) {
  if (l.inner == 1) {
    parallel_for(l.outer, std::max<int64_t>(1, kElementwiseGrain / l.n), [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        const T* row = x + o * l.n;
        T best = row[0];
        int64_t at = 0;
        for (int64_t r = 1; r < l.n; ++r)
          if (replaces<T, kMax>(row[r], best)) best = row[r], at = r;
        out[o] = at;
      }
    });
    return;
  }
  const int64_t blocks = (l.inner + kColumnBlock - 1) / kColumnBlock;
  int64_t task_elems = l.n * std::min(l.inner, kColumnBlock);
  parallel_for(l.outer * blocks, std::max<int64_t>(1, kElementwiseGrain / task_elems), [&](int64_t b, int64_t e) {
    T best[kColumnBlock];
    int64_t at[kColumnBlock];
    for (int64_t t = b; t < e; ++t) {
      int64_t o = t / blocks, i0 = t % blocks * kColumnBlock, len = std::min(kColumnBlock, l.inner - i0);
      const T* slab = x + o * l.n * l.inner + i0;
      for (int64_t j = 0; j < len; ++j) best[j] = slab[j], at[j] = 0;
      for (int64_t r = 1; r < l.n; ++r) {
        const T* row = slab + r * l.inner;
        for (int64_t j = 0; j < len; ++j) {
          bool take = replaces<T, kMax>(row[j], best[j]);
          best[j] = take ? row[j] : best[j];
          at[j] = take ? r : at[j];
        }
      }
      std::copy(at, at + len, out + o * l.inner + i0);
    }
  });
}

template <bool kMax>
void arg_kernel(KernelContext& ctx) {
  const Tensor& x = ctx.inputs[0];
  int axis = normalize_axis(ctx.def.name, ctx.attrs.get_int("axis", -1), x.ndim(), x.shape());
  Layout l{1, x.dim(axis), 1};
  for (int d = 0; d < x.ndim(); ++d)
    if (d != axis) (d < axis ? l.outer : l.inner) *= x.dim(d);
  if (l.outer * l.inner == 0) return;
  dispatch_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same_v<T, bool>) arg_reduce<T, kMax>(x.data<T>(), ctx.outputs[0].data<int64_t>(), l);
  });
}

}  // namespace

void register_reduction_kernels() {
  register_kernel(OpId::Sum, sum_kernel, kNumericTypes);
  register_kernel(OpId::Prod, prod_kernel, kNumericTypes);
  register_kernel(OpId::Max, max_kernel, kNumericTypes);
  register_kernel(OpId::Min, min_kernel, kNumericTypes);
  register_kernel(OpId::Mean, mean_kernel, kFloatTypes);
  register_kernel(OpId::Var, var_kernel, kFloatTypes);
  register_kernel(OpId::Std, std_kernel, kFloatTypes);
  register_kernel(OpId::LogSumExp, logsumexp_kernel, kFloatTypes);
  register_kernel(OpId::All, all_kernel, dtype_bit(DType::Bool));
  register_kernel(OpId::Any, any_kernel, dtype_bit(DType::Bool));
  register_kernel(OpId::Argmax, arg_kernel<true>, kNumericTypes);
  register_kernel(OpId::Argmin, arg_kernel<false>, kNumericTypes);
}

}  // namespace nr::cpu
