// Gradient formulas of the rnn family. See gradients.h.
//
// A first derivative goes to the cell's fused backward op (rnn_cell_grad, lstm_cell_grad, gru_cell_grad). Those ops
// have no gradient of their own, so when the backward pass is itself being recorded (create_graph, seen here as
// gradients being enabled inside the formula) the same vector-Jacobian product is written with primitive ops
// instead, which differentiate again: second derivatives through a cell are exact, not silently zero.
#include "neurite/autograd.hpp"
#include "ops/dispatch.h"
#include "ops/grad_ops.h"

namespace nr {
namespace {

using namespace grad_ops;

Tensor one(const Tensor& like) { return scalar(1, like); }
Tensor t(const Tensor& m) { return op(OpId::Permute, {m}, Attrs().set("perm", std::vector<int64_t>{1, 0})); }
Tensor sigmoid(const Tensor& x) { return op(OpId::Sigmoid, {x}); }
Tensor tanh(const Tensor& x) { return op(OpId::Tanh, {x}); }
Tensor column_sum(const Tensor& x) { return op(OpId::Sum, {x}, Attrs().set("axes", std::vector<int64_t>{0})); }
// s·(1 - s): the sigmoid's derivative from its value.
Tensor dsigmoid(const Tensor& s) { return mul(s, sub(one(s), s)); }
// 1 - y²: tanh's derivative from its value.
Tensor dtanh(const Tensor& y) { return sub(one(y), mul(y, y)); }
V split(const Tensor& x, int64_t axis, int64_t sections) {
  return call(OpId::Split, {x}, Attrs().set("axis", axis).set("sections", sections));
}
Tensor concat(const V& parts) { return call(OpId::Concat, parts, Attrs().set("axis", int64_t(1)))[0]; }

// Bit k: input k needs its gradient; each cell's backward op returns output k for input k.
int64_t needs_mask(const G& c, size_t inputs) {
  int64_t mask = 0;
  for (size_t k = 0; k < inputs; ++k)
    if (c.needs[k]) mask |= int64_t(1) << k;
  return mask;
}

V fused(const G& c, OpId backward, const V& inputs, Attrs attrs, size_t grads) {
  V out = call(backward, inputs, attrs.set("needs", needs_mask(c, grads)));
  for (size_t k = 0; k < grads; ++k)
    if (!c.needs[k]) out[k] = Tensor();
  return out;
}

// dx, dh, dw, du of x·w + h·u given the pre-activation gradients (dz_x for the x·w part, dz_h for h·u), for inputs
// laid out (x, h, ..., w at w_at, u at w_at + 1, ...). dh_direct, when defined, is added to dh.
void linear_grads(const G& c, const Tensor& dz_x, const Tensor& dz_h, size_t w_at, const Tensor& dh_direct, V& out) {
  if (c.needs[0]) out[0] = matmul(dz_x, t(c.in(w_at)));
  if (c.needs[1]) {
    Tensor through_u = matmul(dz_h, t(c.in(w_at + 1)));
    out[1] = dh_direct.defined() ? add(dh_direct, through_u) : through_u;
  }
  if (c.needs[w_at]) out[w_at] = matmul(t(c.in(0)), dz_x);
  if (c.needs[w_at + 1]) out[w_at + 1] = matmul(t(c.in(1)), dz_h);
}

// Inputs (x, h, w, u, b).
V rnn_cell_g(const G& c) {
  int64_t activation = c.attrs().get_int("activation", 0);
  if (!grad_enabled())
    return fused(c, OpId::RnnCellGrad, {c.in(0), c.in(1), c.in(2), c.in(3), c.out(), c.g()},
                 Attrs().set("activation", activation), 5);
  const Tensor& y = c.out();
  Tensor zero = scalar(0, y);
  Tensor dz = activation == 1 ? op(OpId::Where, {op(OpId::Greater, {y, zero}), c.g(), zero}) : mul(c.g(), dtanh(y));
  V out(5);
  linear_grads(c, dz, dz, 2, Tensor(), out);
  if (c.needs[4]) out[4] = column_sum(dz);
  return out;
}

// Inputs (x, h, c, w, u, b); outputs h', c' with gradients g(0), g(1) (zeros where none flowed).
V lstm_cell_g(const G& c) {
  if (!grad_enabled())
    return fused(c, OpId::LstmCellGrad, {c.in(0), c.in(1), c.in(2), c.in(3), c.in(4), c.in(5), c.g(0), c.g(1)},
                 Attrs(), 6);
  V z = split(add(add(matmul(c.in(0), c.in(3)), matmul(c.in(1), c.in(4))), c.in(5)), 1, 4);
  Tensor i = sigmoid(z[0]), f = sigmoid(z[1]), g = tanh(z[2]), o = sigmoid(z[3]);
  Tensor tc = tanh(add(mul(f, c.in(2)), mul(i, g)));
  Tensor dct = add(c.g(1), mul(c.g(0), mul(o, dtanh(tc))));
  Tensor dz = concat({mul(mul(dct, g), dsigmoid(i)), mul(mul(dct, c.in(2)), dsigmoid(f)), mul(mul(dct, i), dtanh(g)),
                      mul(mul(c.g(0), tc), dsigmoid(o))});
  V out(6);
  linear_grads(c, dz, dz, 3, Tensor(), out);
  if (c.needs[2]) out[2] = mul(dct, f);
  if (c.needs[5]) out[5] = column_sum(dz);
  return out;
}

// Inputs (x, h, w, u, b [2, 3H]).
V gru_cell_g(const G& c) {
  if (!grad_enabled())
    return fused(c, OpId::GruCellGrad, {c.in(0), c.in(1), c.in(2), c.in(3), c.in(4), c.g()}, Attrs(), 5);
  V b = split(c.in(4), 0, 2);
  V xz = split(add(matmul(c.in(0), c.in(2)), b[0]), 1, 3);
  V hz = split(add(matmul(c.in(1), c.in(3)), b[1]), 1, 3);
  Tensor zg = sigmoid(add(xz[0], hz[0])), rg = sigmoid(add(xz[1], hz[1]));
  Tensor cand = tanh(add(xz[2], mul(rg, hz[2])));
  Tensor dcand = mul(mul(c.g(), sub(one(zg), zg)), dtanh(cand));
  Tensor dzg = mul(mul(c.g(), sub(c.in(1), cand)), dsigmoid(zg));
  Tensor drg = mul(mul(dcand, hz[2]), dsigmoid(rg));
  Tensor dxz = concat({dzg, drg, dcand}), dhz = concat({dzg, drg, mul(dcand, rg)});
  V out(5);
  linear_grads(c, dxz, dhz, 2, mul(c.g(), zg), out);
  if (c.needs[4])
    out[4] = call(OpId::Stack, {column_sum(dxz), column_sum(dhz)}, Attrs().set("axis", int64_t(0)))[0];
  return out;
}

}  // namespace

std::vector<GradEntry> rnn_gradients() {
  return {{OpId::RnnCell, rnn_cell_g}, {OpId::LstmCell, lstm_cell_g}, {OpId::GruCell, gru_cell_g}};
}

}  // namespace nr
