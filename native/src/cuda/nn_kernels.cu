// Dropout (the CPU's Philox mask: one seed, one mask on CPU or GPU), sigmoid cross-entropy, gelu_grad, and the fused
// optimizer updates (one pass over param, grad and state per step, as the CPU kernels compute them), plus
// global_norm through the reduction kernels and the orthogonal initializer through the CPU's QR.
#include <cmath>

#include "core/philox.h"
#include "cuda/cuda_common.h"
#include "neurite/autograd.hpp"
#include "ops/dispatch.h"

namespace nr::cuda {
namespace {

#define NR_GRID_LOOP(i, n) \
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < (n); i += int64_t(gridDim.x) * blockDim.x)

// Kept when the 53-bit uniform of element i is >= rate: the comparison on the integer against ceil(rate · 2^53).
template <class T>
__global__ void dropout_elems(const T* x, T* y, int64_t n, uint64_t seed, uint64_t offset, uint64_t threshold,
                              T scale) {
  NR_GRID_LOOP(i, n) {
    philox::Block bits = philox::element_bits(seed, offset + static_cast<uint64_t>(i), 0);
    uint64_t u53 = (static_cast<uint64_t>(bits.w[0]) << 21) | (bits.w[1] >> 11);
    y[i] = x[i] * (u53 >= threshold ? scale : T(0));
  }
}

void dropout_kernel(KernelContext& ctx) {
  const double rate = ctx.attrs.get_float("rate", 0);
  const uint64_t seed = static_cast<uint64_t>(ctx.attrs.get_int("seed", 0));
  const uint64_t offset = static_cast<uint64_t>(ctx.attrs.get_int("offset", 0));
  const Tensor& x = ctx.inputs[0];
  const int64_t n = x.numel();
  if (n == 0) return;
  if (rate == 0) {
    NR_CUDA_CHECK(cudaMemcpyAsync(ctx.outputs[0].raw_data(), x.raw_data(), x.nbytes(), cudaMemcpyDeviceToDevice,
                                  stream()));
    return;
  }
  const uint64_t threshold = static_cast<uint64_t>(std::ceil(std::ldexp(rate, 53)));
  dispatch_floating(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    dropout_elems<<<grid_for(n), 256, 0, stream()>>>(x.data<T>(), ctx.outputs[0].data<T>(), n, seed, offset,
                                                     threshold, static_cast<T>(1.0 / (1.0 - rate)));
    check_launch("dropout");
  });
}

template <class T>
__global__ void sigmoid_ce_elems(const T* x, const T* z, T* out, int64_t n) {
  NR_GRID_LOOP(i, n) out[i] = (x[i] > T(0) ? x[i] : T(0)) - x[i] * z[i] + d_log1p(d_exp(-d_fabs(x[i])));
}

void sigmoid_ce_kernel(KernelContext& ctx) {
  const int64_t n = ctx.inputs[0].numel();
  if (n == 0) return;
  dispatch_floating(ctx.inputs[0].dtype(), [&](auto tag) {
    using T = decltype(tag);
    sigmoid_ce_elems<<<grid_for(n), 256, 0, stream()>>>(ctx.inputs[0].data<T>(), ctx.inputs[1].data<T>(),
                                                        ctx.outputs[0].data<T>(), n);
    check_launch("sigmoid_cross_entropy");
  });
}

template <class T>
__global__ void gelu_grad_elems(const T* x, const T* g, T* out, int64_t n, bool approximate) {
  const double kInvSqrt2 = 0.70710678118654752440, kInvSqrt2Pi = 0.39894228040143267794;
  const double kSqrt2OverPi = 0.79788456080286535588, kCubic = 0.044715;
  NR_GRID_LOOP(i, n) {
    double v = x[i], d;
    if (approximate) {
      double t = ::tanh(kSqrt2OverPi * (v + kCubic * v * v * v));
      d = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * kSqrt2OverPi * (1 + 3 * kCubic * v * v);
    } else {
      d = 0.5 * (1 + ::erf(v * kInvSqrt2)) + v * kInvSqrt2Pi * ::exp(-0.5 * v * v);
    }
    out[i] = static_cast<T>(g[i] * d);
  }
}

void gelu_grad_kernel(KernelContext& ctx) {
  const int64_t n = ctx.outputs[0].numel();
  if (n == 0) return;
  const bool approximate = ctx.attrs.get_int("approximate", 0) != 0;
  dispatch_floating(ctx.inputs[0].dtype(), [&](auto tag) {
    using T = decltype(tag);
    gelu_grad_elems<<<grid_for(n), 256, 0, stream()>>>(ctx.inputs[0].data<T>(), ctx.inputs[1].data<T>(),
                                                       ctx.outputs[0].data<T>(), n, approximate);
    check_launch("gelu_grad");
  });
}

// ---- optimizer updates (formulas of cpu/optim_kernels.cpp) ----

template <class T>
struct Hyper {
  T lr, wd, mu, rho, one_minus_rho, eps;
  T b1, b2, one_minus_b1, one_minus_b2, step_size, inv_sqrt_bc2, shrink;
  bool nesterov;
};

enum class Rule { Sgd, Momentum, Rmsprop, Adagrad, Adam };

template <class T, Rule R>
__global__ void update_elems(T* p, const T* g, T* s0, T* s1, int64_t n, Hyper<T> h) {
  NR_GRID_LOOP(i, n) {
    if constexpr (R == Rule::Sgd) {
      p[i] -= h.lr * (g[i] + h.wd * p[i]);
    } else if constexpr (R == Rule::Momentum) {
      T gi = g[i] + h.wd * p[i], vi = h.mu * s0[i] + gi;
      s0[i] = vi;
      p[i] -= h.lr * (h.nesterov ? gi + h.mu * vi : vi);
    } else if constexpr (R == Rule::Rmsprop) {
      T gi = g[i] + h.wd * p[i], si = h.rho * s0[i] + h.one_minus_rho * gi * gi;
      s0[i] = si;
      p[i] -= h.lr * gi / d_sqrt(si + h.eps);
    } else if constexpr (R == Rule::Adagrad) {
      T gi = g[i] + h.wd * p[i], ai = s0[i] + gi * gi;
      s0[i] = ai;
      p[i] -= h.lr * gi / d_sqrt(ai + h.eps);
    } else {
      T gi = g[i] + h.wd * p[i];
      T mi = h.b1 * s0[i] + h.one_minus_b1 * gi, vi = h.b2 * s1[i] + h.one_minus_b2 * gi * gi;
      s0[i] = mi;
      s1[i] = vi;
      p[i] = h.shrink * p[i] - h.step_size * mi / (d_sqrt(vi) * h.inv_sqrt_bc2 + h.eps);
    }
  }
}

template <class T>
Hyper<T> read_hyper(const KernelContext& ctx) {
  const Attrs& a = ctx.attrs;
  const bool adamw = ctx.def.id == OpId::AdamwUpdate;
  const double lr = a.get_float("lr", 0), wd = a.get_float("weight_decay", adamw ? 0.004 : 0.0);
  const double rho = a.get_float("rho", 0.9), beta1 = a.get_float("beta1", 0.9), beta2 = a.get_float("beta2", 0.999);
  const double step = static_cast<double>(a.get_int("step", 1));
  const double bc1 = 1 - std::pow(beta1, step), bc2 = 1 - std::pow(beta2, step);
  auto t = [](double x) { return static_cast<T>(x); };
  return {t(lr), t(adamw ? 0.0 : wd), t(a.get_float("momentum", 0)), t(rho), t(1 - rho), t(a.get_float("epsilon", 1e-7)),
          t(beta1), t(beta2), t(1 - beta1), t(1 - beta2), t(lr / bc1), t(1 / std::sqrt(bc2)),
          t(adamw ? 1 - lr * wd : 1.0), a.get_int("nesterov", 0) != 0};
}

template <Rule R>
void update_kernel(KernelContext& ctx) {
  const int64_t n = ctx.inputs[0].numel();
  if (n == 0) return;
  dispatch_floating(ctx.inputs[0].dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* s0 = ctx.inputs.size() > 2 ? ctx.inputs[2].data<T>() : nullptr;
    T* s1 = ctx.inputs.size() > 3 ? ctx.inputs[3].data<T>() : nullptr;
    update_elems<T, R><<<grid_for(n), 256, 0, stream()>>>(ctx.inputs[0].data<T>(), ctx.inputs[1].data<T>(), s0, s1, n,
                                                          read_hyper<T>(ctx));
    check_launch(ctx.def.name);
  });
}

// sqrt(Σ over every input of Σ x²), from the device's sum kernels; the additions run in f64.
void global_norm_kernel(KernelContext& ctx) {
  NoGradGuard no_grad;
  Tensor total;
  for (const Tensor& x : ctx.inputs) {
    Tensor wide = call(OpId::Cast, {x}, Attrs().set("dtype", DType::F64))[0];
    Tensor part = call(OpId::Sum, {call(OpId::Square, {wide})[0]})[0];
    total = total.defined() ? call(OpId::Add, {total, part})[0] : part;
  }
  Tensor norm = call(OpId::Cast, {call(OpId::Sqrt, {total})[0]}, Attrs().set("dtype", ctx.outputs[0].dtype()))[0];
  NR_CUDA_CHECK(cudaMemcpyAsync(ctx.outputs[0].raw_data(), norm.raw_data(), norm.nbytes(), cudaMemcpyDeviceToDevice,
                                stream()));
}

// The orthogonal initializer runs the CPU's kernel and uploads its result, so a seed gives the same matrix, bit for
// bit, on either device. Its cost is a Householder QR in f64 (O(m·n²) for an m x n matrix, m >= n), which a one-off
// initialisation pays once per weight; drawing the normal matrix on the GPU would save only the O(m·n) part, and
// replicating the QR there would need the CPU's exact operation order to keep results identical.
void orthogonal_kernel(KernelContext& ctx) {
  Tensor& out = ctx.outputs[0];
  if (out.numel() == 0) return;
  NoGradGuard no_grad;
  Tensor host;
  {
    DeviceGuard on_cpu(Device::cpu());
    host = call(OpId::Orthogonal, {}, ctx.attrs)[0];
  }
  // The wait keeps `host` alive until the copy has read it, whether the CPU allocator's memory is pageable (staged at
  // once) or pinned (read later by DMA); an initializer runs once per weight, so the wait costs nothing that matters.
  NR_CUDA_CHECK(cudaMemcpyAsync(out.raw_data(), host.raw_data(), host.nbytes(), cudaMemcpyHostToDevice, stream()));
  NR_CUDA_CHECK(cudaStreamSynchronize(stream()));
}

}  // namespace

void register_nn_kernels() {
  register_kernel(OpId::Dropout, dropout_kernel, kFloatTypes);
  register_kernel(OpId::SigmoidCrossEntropy, sigmoid_ce_kernel, kFloatTypes);
  register_kernel(OpId::GeluGrad, gelu_grad_kernel, kFloatTypes);
}

void register_optim_kernels() {
  register_kernel(OpId::SgdUpdate, update_kernel<Rule::Sgd>, kFloatTypes);
  register_kernel(OpId::MomentumUpdate, update_kernel<Rule::Momentum>, kFloatTypes);
  register_kernel(OpId::RmspropUpdate, update_kernel<Rule::Rmsprop>, kFloatTypes);
  register_kernel(OpId::AdagradUpdate, update_kernel<Rule::Adagrad>, kFloatTypes);
  register_kernel(OpId::AdamUpdate, update_kernel<Rule::Adam>, kFloatTypes);
  register_kernel(OpId::AdamwUpdate, update_kernel<Rule::Adam>, kFloatTypes);
  register_kernel(OpId::GlobalNorm, global_norm_kernel, kFloatTypes);
  register_kernel(OpId::Orthogonal, orthogonal_kernel, kFloatTypes);
}

}  // namespace nr::cuda
