// Gradient formulas of the conv family. See gradients.h.
//
// conv2d is bilinear in (x, w), so its two backward ops are linear in each of their inputs and their own gradients
// are again convolutions: with <a, b> the sum of products, <conv2d(x, w), dy> = <x, backward_input(dy, w)> =
// <w, backward_filter(x, dy)>, and each formula below reads one of these identities from another side.
// The pooling and upsampling gradients are linear in dy; their gradients are the forward ops (adjoint of adjoint).
#include "ops/dispatch.h"
#include "ops/grad_ops.h"

namespace nr {
namespace {

using namespace grad_ops;

// The attributes a conv2d with the same geometry reads, from any of the family's conv ops.
Attrs conv_attrs(const Attrs& from) {
  Attrs a;
  for (const char* name : {"strides", "padding", "pads", "dilations", "groups"})
    if (const AttrValue* v = from.find(name)) {
      if (v->kind == AttrKind::Ints) a.set(name, v->ints);
      else a.set(name, v->i);
    }
  return a;
}

Attrs with_shape(Attrs a, const char* name, const Shape& shape) { return a.set(name, shape); }

Tensor backward_input(const Tensor& dy, const Tensor& w, const Attrs& conv, const Shape& x_shape) {
  return op(OpId::Conv2dBackwardInput, {dy, w}, with_shape(conv, "input_shape", x_shape));
}
Tensor backward_filter(const Tensor& x, const Tensor& dy, const Attrs& conv, const Shape& w_shape) {
  return op(OpId::Conv2dBackwardFilter, {x, dy}, with_shape(conv, "filter_shape", w_shape));
}

V conv2d_g(const G& c) {
  Attrs conv = conv_attrs(c.attrs());
  return {c.needs[0] ? backward_input(c.g(), c.in(1), conv, c.in(0).shape()) : Tensor(),
          c.needs[1] ? backward_filter(c.in(0), c.g(), conv, c.in(1).shape()) : Tensor()};
}

// dx = backward_input(dy, w): <dx, g> = <dy, conv2d(g, w)> = <w, backward_filter(g, dy)>.
V conv2d_backward_input_g(const G& c) {
  Attrs conv = conv_attrs(c.attrs());
  return {c.needs[0] ? op(OpId::Conv2d, {c.g(), c.in(1)}, conv) : Tensor(),
          c.needs[1] ? backward_filter(c.g(), c.in(0), conv, c.in(1).shape()) : Tensor()};
}

// dw = backward_filter(x, dy): <dw, g> = <dy, conv2d(x, g)> = <x, backward_input(dy, g)>.
V conv2d_backward_filter_g(const G& c) {
  Attrs conv = conv_attrs(c.attrs());
  return {c.needs[0] ? backward_input(c.in(1), c.g(), conv, c.in(0).shape()) : Tensor(),
          c.needs[1] ? op(OpId::Conv2d, {c.in(0), c.g()}, conv) : Tensor()};
}

// y = conv2d_transpose(x, w) is the input gradient of the conv2d that maps y's shape back to x's (filter w read as
// [KH,KW,O,Cin]); that conv2d's padding rule recovers the same alignment from y's size.
V conv2d_transpose_g(const G& c) {
  Attrs conv = conv_attrs(c.attrs());
  return {c.needs[0] ? op(OpId::Conv2d, {c.g(), c.in(1)}, conv) : Tensor(),
          c.needs[1] ? backward_filter(c.g(), c.in(0), conv, c.in(1).shape()) : Tensor()};
}

Attrs pool_attrs(const Attrs& from) {
  Attrs a;
  a.set("pool_size", from.get_ints("pool_size"));
  if (from.has("strides")) a.set("strides", from.get_ints("strides"));
  a.set("padding", from.get_int("padding", 0));
  return a;
}

V max_pool2d_g(const G& c) { return {op(OpId::MaxPool2dGrad, {c.in(0), c.g()}, pool_attrs(c.attrs()))}; }
V avg_pool2d_g(const G& c) {
  return {op(OpId::AvgPool2dGrad, {c.g()}, with_shape(pool_attrs(c.attrs()), "input_shape", c.in(0).shape()))};
}
V avg_pool2d_grad_g(const G& c) { return {op(OpId::AvgPool2d, {c.g()}, pool_attrs(c.attrs()))}; }

Attrs upsample_attrs(const Attrs& from) {
  return Attrs().set("size", from.get_ints("size", {2, 2})).set("interpolation", from.get_int("interpolation", 0));
}

V upsample2d_g(const G& c) {
  return {op(OpId::Upsample2dGrad, {c.g()}, with_shape(upsample_attrs(c.attrs()), "input_shape", c.in(0).shape()))};
}
V upsample2d_grad_g(const G& c) { return {op(OpId::Upsample2d, {c.g()}, upsample_attrs(c.attrs()))}; }

}  // namespace

std::vector<GradEntry> conv_gradients() {
  return {
      {OpId::Conv2d, conv2d_g},
      {OpId::Conv2dBackwardInput, conv2d_backward_input_g},
      {OpId::Conv2dBackwardFilter, conv2d_backward_filter_g},
      {OpId::Conv2dTranspose, conv2d_transpose_g},
      {OpId::MaxPool2d, max_pool2d_g},
      {OpId::AvgPool2d, avg_pool2d_g},
      {OpId::AvgPool2dGrad, avg_pool2d_grad_g},
      {OpId::Upsample2d, upsample2d_g},
      {OpId::Upsample2dGrad, upsample2d_grad_g},
  };
}

}  // namespace nr
