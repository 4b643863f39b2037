// Creation ops: constant fills, ranges, eye, and the random ops. Random values come from core/philox.h, one counter
// per element, so a tensor is the same whatever the thread count.
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "core/philox.h"
#include "core/thread_pool.h"
#include "cpu/cpu_backend.h"

namespace nr::cpu {
namespace {

// An element costs a Philox block plus maybe a log and a cosine, tens of times an elementwise op, so smaller chunks
// already pay for waking a worker.
constexpr int64_t kRandomGrain = 4096;

// `v` as a T; an integer dtype that cannot hold it (after truncation toward zero) is an InvalidArgument error rather
// than a silently wrapped value, as NumPy 2 rejects np.full(3, -1, dtype=np.uint8).
template <class T>
T value_as(const char* op, const char* what, double v, DType dt) {
  if constexpr (std::is_same_v<T, bool>) {
    return v != 0;
  } else if constexpr (std::is_integral_v<T>) {
    double t = std::trunc(v);
    // 2^bits (2^(bits-1) for signed types) is a power of two, so the bound itself is exact in a double.
    double upper = static_cast<double>(std::numeric_limits<T>::max() / 2 + 1) * 2.0;
    if (!(t >= static_cast<double>(std::numeric_limits<T>::min()) && t < upper))
      fail(Status::InvalidArgument, op, ": ", what, " ", v, " does not fit in ", dtype_name(dt));
    return static_cast<T>(t);
  } else {
    return static_cast<T>(v);
  }
}

template <class T, class F>
void fill_each(Tensor& out, int64_t grain, F value_at) {
  T* d = out.data<T>();
  parallel_for(out.numel(), grain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) d[i] = value_at(i);
  });
}

void constant_kernel(KernelContext& ctx) {
  Tensor& out = ctx.outputs[0];
  OpId op = ctx.def.id;
  double v = op == OpId::Zeros ? 0.0 : op == OpId::Ones ? 1.0 : ctx.attrs.get_float("value", 0);
  dispatch_dtype(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T value = value_as<T>(ctx.def.name, "value", v, out.dtype());
    fill_each<T>(out, kElementwiseGrain, [value](int64_t) { return value; });
  });
}

void arange_kernel(KernelContext& ctx) {
  Tensor& out = ctx.outputs[0];
  double start = ctx.attrs.get_float("start", 0), step = ctx.attrs.get_float("step", 1);
  int64_t n = out.numel();
  if (n == 0) return;
  dispatch_dtype(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      // The values are monotonic, so checking both ends checks them all.
      value_as<T>(ctx.def.name, "start", start, out.dtype());
      value_as<T>(ctx.def.name, "last value", start + static_cast<double>(n - 1) * step, out.dtype());
      if (start == std::trunc(start) && step == std::trunc(step)) {
        // Integral start and step: exact integer arithmetic, which doubles lose past 2^53.
        int64_t s0 = static_cast<int64_t>(start), st = static_cast<int64_t>(step);
        fill_each<T>(out, kElementwiseGrain, [=](int64_t i) { return static_cast<T>(s0 + i * st); });
        return;
      }
    }
    fill_each<T>(out, kElementwiseGrain,
                 [=](int64_t i) { return static_cast<T>(start + static_cast<double>(i) * step); });
  });
}

void linspace_kernel(KernelContext& ctx) {
  Tensor& out = ctx.outputs[0];
  double start = ctx.attrs.get_float("start", 0), stop = ctx.attrs.get_float("stop", 0);
  int64_t n = out.numel();
  double step = n > 1 ? (stop - start) / static_cast<double>(n - 1) : 0.0;
  dispatch_floating(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    fill_each<T>(out, kElementwiseGrain,
                 [=](int64_t i) { return static_cast<T>(start + static_cast<double>(i) * step); });
    // start + (n-1) * step can miss stop by rounding; NumPy pins the endpoint, and so do we.
    if (n > 1) out.data<T>()[n - 1] = static_cast<T>(stop);
  });
}

void eye_kernel(KernelContext& ctx) {
  Tensor& out = ctx.outputs[0];
  int64_t rows = out.dim(0), cols = out.dim(1), k = ctx.attrs.get_int("k", 0);
  if (out.numel() == 0) return;
  dispatch_dtype(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* d = out.data<T>();
    parallel_for(rows, std::max<int64_t>(1, kElementwiseGrain / cols), [&](int64_t b, int64_t e) {
      for (int64_t r = b; r < e; ++r) {
        T* row = d + r * cols;
        for (int64_t c = 0; c < cols; ++c) row[c] = T(0);
        if (k >= -r && k < cols - r) row[r + k] = T(1);  // not r + k < cols: k may be near INT64_MAX
      }
    });
  });
}

// Runs `sample(seed, counter)` for every element; the counter is offset + i (the layout of core/philox.h).
template <class Sampler>
void random_kernel(KernelContext& ctx, Sampler sampler) {
  Tensor& out = ctx.outputs[0];
  uint64_t seed = static_cast<uint64_t>(ctx.attrs.get_int("seed", 0));
  uint64_t offset = static_cast<uint64_t>(ctx.attrs.get_int("offset", 0));
  dispatch_floating(out.dtype(), [&](auto tag) {
    using T = decltype(tag);
    auto sample = sampler(tag);
    fill_each<T>(out, kRandomGrain, [&](int64_t i) { return sample(seed, offset + static_cast<uint64_t>(i)); });
  });
}

void random_uniform_kernel(KernelContext& ctx) {
  double low = ctx.attrs.get_float("low", 0), high = ctx.attrs.get_float("high", 1);
  random_kernel(ctx, [&](auto tag) {
    using T = decltype(tag);
    return [lo = static_cast<T>(low), hi = static_cast<T>(high)](uint64_t seed, uint64_t counter) {
      return philox::uniform<T>(philox::element_bits(seed, counter, 0), lo, hi);
    };
  });
}

void random_normal_kernel(KernelContext& ctx) {
  double mean = ctx.attrs.get_float("mean", 0), stddev = ctx.attrs.get_float("stddev", 1);
  bool truncated = ctx.def.id == OpId::TruncatedNormal;
  random_kernel(ctx, [&](auto tag) {
    using T = decltype(tag);
    return [m = static_cast<T>(mean), s = static_cast<T>(stddev), truncated](uint64_t seed, uint64_t counter) {
      return truncated ? philox::truncated_normal<T>(seed, counter, m, s) : philox::normal<T>(seed, counter, m, s);
    };
  });
}

}  // namespace

void register_creation_kernels() {
  register_kernel(OpId::Zeros, constant_kernel, kAllCpuTypes);
  register_kernel(OpId::Ones, constant_kernel, kAllCpuTypes);
  register_kernel(OpId::Full, constant_kernel, kAllCpuTypes);
  register_kernel(OpId::Arange, arange_kernel, kNumericTypes);
  register_kernel(OpId::Linspace, linspace_kernel, kFloatTypes);
  register_kernel(OpId::Eye, eye_kernel, kAllCpuTypes);
  register_kernel(OpId::RandomUniform, random_uniform_kernel, kFloatTypes);
  register_kernel(OpId::RandomNormal, random_normal_kernel, kFloatTypes);
  register_kernel(OpId::TruncatedNormal, random_normal_kernel, kFloatTypes);
}

}  // namespace nr::cpu
