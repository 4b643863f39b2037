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

}  // namespace nr::grad_ops
