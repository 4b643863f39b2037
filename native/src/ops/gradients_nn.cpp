// Gradient formulas of the nn family. See gradients.h.
#include "ops/dispatch.h"
#include "ops/grad_ops.h"
#include "ops/shape_util.h"

namespace nr {
namespace {

using namespace grad_ops;


int axis_of(const G& c) {
  return normalize_axis(op_def(c.node.op).name, c.attrs().get_int("axis", -1), c.in(0).ndim(), c.in(0).shape());
}

// ---- batch normalisation ----

// The fused backward takes the gradients of all three outputs, so using batch_mean or batch_var downstream is
// differentiated too.
V batch_norm_train_g(const G& c) {
  return call(OpId::BatchNormTrainGrad, {c.in(0), c.in(1), c.out(1), c.out(2), c.g(0), c.g(1), c.g(2)}, c.attrs());
}

// y = xc·s·gamma + beta with xc = x - mean, s = (var + eps)^-1/2, each [C] vector broadcast along the axis.
V batch_norm_inference_g(const G& c) {
  const Tensor &x = c.in(0), &gamma = c.in(1), &mean = c.in(3), &var = c.in(4), &g = c.g();
  const int axis = axis_of(c);
  Shape along(static_cast<size_t>(x.ndim()), 1);
  along[static_cast<size_t>(axis)] = x.dim(axis);
  auto bcast = [&](const Tensor& v) { return op(OpId::Reshape, {v}, Attrs().set("shape", along)); };
  std::vector<int64_t> others;
  for (int d = 0; d < x.ndim(); ++d)
    if (d != axis) others.push_back(d);
  // Sum's empty axes list means every axis; with no other axes there is nothing to reduce.
  auto reduce = [&](const Tensor& t) { return others.empty() ? t : op(OpId::Sum, {t}, Attrs().set("axes", others)); };

  Tensor s = op(OpId::Rsqrt, {add(var, scalar(c.attrs().get_float("epsilon", 1e-3), var))});
  Tensor gs = mul(gamma, s);
  Tensor g_sum = reduce(g);
  Tensor gx_sum;  // Σ g·xc per channel
  if (c.needs[1] || c.needs[4]) gx_sum = reduce(mul(g, sub(x, bcast(mean))));
  Tensor dx, dgamma, dbeta, dmean, dvar;
  if (c.needs[0]) dx = mul(g, bcast(gs));
  if (c.needs[1]) dgamma = mul(gx_sum, s);
  if (c.needs[2]) dbeta = g_sum;
  if (c.needs[3]) dmean = neg(mul(g_sum, gs));
  if (c.needs[4]) dvar = mul(mul(gx_sum, gs), mul(mul(s, s), scalar(-0.5, s)));
  return {dx, dgamma, dbeta, dmean, dvar};
}

// The same attributes draw the same mask.
V dropout_g(const G& c) { return {op(OpId::Dropout, {c.g()}, c.attrs())}; }

// ---- losses: g has one value per row; unsqueezed at the class axis it broadcasts over the row ----

V softmax_cross_entropy_g(const G& c) {
  Tensor dlogits, dtargets;
  if (c.needs[0]) dlogits = op(OpId::SoftmaxCrossEntropyGrad, {c.in(0), c.in(1), c.g()}, c.attrs());
  if (c.needs[1]) {
    int64_t axis = axis_of(c);
    Tensor log_p = op(OpId::LogSoftmax, {c.in(0)}, Attrs().set("axis", axis));
    dtargets = neg(mul(log_p, op(OpId::Unsqueeze, {c.g()}, Attrs().set("axis", axis))));
  }
  return {dlogits, dtargets};
}

V sparse_softmax_cross_entropy_g(const G& c) {
  return {op(OpId::SparseSoftmaxCrossEntropyGrad, {c.in(0), c.in(1), c.g()}, c.attrs()), Tensor()};
}

V sigmoid_cross_entropy_g(const G& c) {
  const Tensor &x = c.in(0), &z = c.in(1);
  Tensor dx, dz;
  if (c.needs[0]) dx = mul(sub(op(OpId::Sigmoid, {x}), z), c.g());
  if (c.needs[1]) dz = neg(mul(x, c.g()));
  return {dx, dz};
}

}  // namespace

std::vector<GradEntry> nn_gradients() {
  return {
      {OpId::BatchNormTrain, batch_norm_train_g},
      {OpId::BatchNormInference, batch_norm_inference_g},
      {OpId::Dropout, dropout_g},
      {OpId::SoftmaxCrossEntropy, softmax_cross_entropy_g},
      {OpId::SparseSoftmaxCrossEntropy, sparse_softmax_cross_entropy_g},
      {OpId::SigmoidCrossEntropy, sigmoid_cross_entropy_g},
  };
}

}  // namespace nr
