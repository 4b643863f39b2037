// Kernels of the ops that gradients are written with: slice_scatter (slice's gradient), scatter_add (gather's,
// take_along_axis's and pad's), gelu_grad.
#include <cmath>
#include <cstring>

#include "core/thread_pool.h"
#include "cpu/cpu_backend.h"
#include "ops/shape_rules.h"

namespace nr::cpu {
namespace {

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
  Tensor region = out.view(spec.size, strides, offset);
  copy_into(src, region);
}

template <class T, class I>
void scatter_add_typed(const Tensor& base, const Tensor& idx, const Tensor& src, Tensor& out, int axis,
                       const char* op) {
  std::memcpy(out.raw_data(), base.raw_data(), base.nbytes());
  const Shape& bs = base.shape();
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; ++d) outer *= bs[static_cast<size_t>(d)];
  for (size_t d = static_cast<size_t>(axis) + 1; d < bs.size(); ++d) inner *= bs[d];
  const int64_t dim = bs[static_cast<size_t>(axis)], n = src.shape()[static_cast<size_t>(axis)];
  const I* ip = idx.data<I>();
  const T* sp = src.data<T>();
  T* op_ = out.data<T>();
  // Every index is checked before anything is written, so a bad index leaves no half-updated result behind.
  for (int64_t i = 0, total = idx.numel(); i < total; ++i)
    if (ip[i] < -dim || ip[i] >= dim)
      fail(Status::Index, op, ": index ", static_cast<int64_t>(ip[i]), " is out of range for axis ", axis,
           " of size ", dim);
  // Each outer slice owns its own rows of the output: no two threads add into the same element.
  parallel_for(outer, std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(1, n * inner)), [&](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; ++o)
      for (int64_t s = 0; s < n; ++s)
        for (int64_t k = 0; k < inner; ++k) {
          int64_t at = (o * n + s) * inner + k;
          int64_t j = ip[at] < 0 ? ip[at] + dim : ip[at];
          op_[(o * dim + j) * inner + k] += sp[at];
        }
  });
}

void scatter_add_kernel(KernelContext& ctx) {
  const Tensor &base = ctx.inputs[0], &idx = ctx.inputs[1], &src = ctx.inputs[2];
  int axis = static_cast<int>(ctx.attrs.get_int("axis", 0));
  if (axis < 0) axis += base.ndim();
  dispatch_dtype(base.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same_v<T, bool>) {
      if (idx.dtype() == DType::I32) scatter_add_typed<T, int32_t>(base, idx, src, ctx.outputs[0], axis, ctx.def.name);
      else scatter_add_typed<T, int64_t>(base, idx, src, ctx.outputs[0], axis, ctx.def.name);
    }
  });
}

template <class T>
void gelu_grad_typed(const Tensor& x, const Tensor& g, Tensor& out, bool approximate) {
  const T* xp = x.data<T>();
  const T* gp = g.data<T>();
  T* op = out.data<T>();
  constexpr double kInvSqrt2 = 0.70710678118654752440, kInvSqrt2Pi = 0.39894228040143267794;
  constexpr double kSqrt2OverPi = 0.79788456080286535588, kCubic = 0.044715;
  parallel_for(out.numel(), kElementwiseGrain / 8, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      double v = xp[i], d;
      if (approximate) {
        double t = std::tanh(kSqrt2OverPi * (v + kCubic * v * v * v));
        d = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * kSqrt2OverPi * (1 + 3 * kCubic * v * v);
      } else {
        d = 0.5 * (1 + std::erf(v * kInvSqrt2)) + v * kInvSqrt2Pi * std::exp(-0.5 * v * v);
      }
      op[i] = static_cast<T>(gp[i] * d);
    }
  });
}

void gelu_grad_kernel(KernelContext& ctx) {
  bool approximate = ctx.attrs.get_int("approximate", 0) != 0;
  dispatch_floating(ctx.inputs[0].dtype(), [&](auto tag) {
    gelu_grad_typed<decltype(tag)>(ctx.inputs[0], ctx.inputs[1], ctx.outputs[0], approximate);
  });
}

}  // namespace

void register_grad_kernels() {
  register_kernel(OpId::SliceScatter, slice_scatter_kernel, kAllCpuTypes, false);
  register_kernel(OpId::ScatterAdd, scatter_add_kernel, kNumericTypes);
  register_kernel(OpId::GeluGrad, gelu_grad_kernel, kFloatTypes);
}

}  // namespace nr::cpu
