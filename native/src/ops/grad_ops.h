// Short names for the ops gradient formulas are written with (gradients*.cpp), so each formula reads like its math.
#pragma once

#include <vector>

#include "ops/dispatch.h"
#include "ops/gradients.h"

namespace nr::grad_ops {

using G = GradContext;
using V = std::vector<Tensor>;

inline Tensor op(OpId id, const V& in, const Attrs& a = Attrs()) { return call(id, in, a)[0]; }
// A rank-0 tensor of `like`'s dtype.
inline Tensor scalar(double v, const Tensor& like) {
  return op(OpId::Full, {}, Attrs().set("shape", Shape{}).set("value", v).set("dtype", like.dtype()));
}
inline Tensor add(const Tensor& a, const Tensor& b) { return op(OpId::Add, {a, b}); }
inline Tensor sub(const Tensor& a, const Tensor& b) { return op(OpId::Sub, {a, b}); }
inline Tensor mul(const Tensor& a, const Tensor& b) { return op(OpId::Mul, {a, b}); }
inline Tensor mul(const Tensor& a, double s) { return mul(a, scalar(s, a)); }
inline Tensor div(const Tensor& a, const Tensor& b) { return op(OpId::Div, {a, b}); }
inline Tensor neg(const Tensor& a) { return op(OpId::Neg, {a}); }
inline Tensor matmul(const Tensor& a, const Tensor& b) { return op(OpId::Matmul, {a, b}); }
inline Tensor where(const Tensor& c, const Tensor& a, const Tensor& b) { return op(OpId::Where, {c, a, b}); }

// Sums g over its leading dims and over the dims where `shape` has size 1, so a gradient computed at a broadcast
// shape gets the input's shape back.
inline Tensor sum_to(const Tensor& g, const Shape& shape) {
  if (g.shape() == shape) return g;
  size_t lead = g.shape().size() - shape.size();
  std::vector<int64_t> axes;
  for (size_t i = 0; i < g.shape().size(); ++i)
    if (i < lead || (shape[i - lead] == 1 && g.shape()[i] != 1)) axes.push_back(static_cast<int64_t>(i));
  Tensor s = axes.empty() ? g : op(OpId::Sum, {g}, Attrs().set("axes", axes).set("keepdims", true));
  return op(OpId::Reshape, {s}, Attrs().set("shape", shape));
}

}  // namespace nr::grad_ops
