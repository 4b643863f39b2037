// The geometry of a 2-D convolution or pooling window over NHWC images, shared by the conv family's shape rules,
// kernels and gradient formulas. The "input" is always the large side: a conv2d's x, which is also the result of its
// input gradient and of a conv2d_transpose.
#pragma once

#include "neurite/attrs.hpp"
#include "neurite/tensor.hpp"

namespace nr {

// The `padding` attribute. Same is TensorFlow's rule: output = ceil(input / stride), the odd padding row at the
// bottom (column at the right).
enum class Padding : int64_t { Valid = 0, Same = 1, Explicit = 2 };

struct Conv2dGeometry {
  int64_t n = 0, h = 0, w = 0, c = 0;  // input images
  int64_t kh = 1, kw = 1, o = 0;       // window size and output channels
  int64_t groups = 1;
  int64_t stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  int64_t pad_top = 0, pad_left = 0;  // the bottom and right padding follow from the output size
  int64_t oh = 0, ow = 0;

  int64_t in_per_group() const { return c / groups; }
  int64_t out_per_group() const { return o / groups; }
  Shape input_shape() const { return {n, h, w, c}; }
  Shape output_shape() const { return {n, oh, ow, o}; }
};

// conv2d of x [N,H,W,C] with filter w [KH,KW,C/groups,O] (attributes strides, padding, pads, dilations, groups),
// validated; errors name `op` and both shapes.
Conv2dGeometry conv2d_geometry(const char* op, const Shape& x, const Shape& w, const Attrs& attrs);
// conv2d_transpose of x [N,H,W,Cin] with filter [KH,KW,O,Cin] as Keras sizes it: the conv2d whose input gradient it
// is (its input: the result [N,OH,OW,O]; its filter: the same tensor read as [KH,KW,C=O,Cin]).
Conv2dGeometry conv2d_transpose_geometry(const char* op, const Shape& x, const Shape& w, const Attrs& attrs);
// A pooling window over x (pool_size, strides defaulting to pool_size, padding valid or same); o = c.
Conv2dGeometry pool2d_geometry(const char* op, const Shape& x, const Attrs& attrs);

}  // namespace nr
