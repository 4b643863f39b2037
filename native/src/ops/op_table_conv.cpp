// Definitions of the conv family's ops, in NR_OP_LIST_CONV order, their shape rules and the window geometry
// (conv_geometry.h) that the rules, kernels and gradient formulas share.
#include <algorithm>
#include <string>

#include "ops/conv_geometry.h"
#include "ops/op_table.h"
#include "ops/shape_util.h"

namespace nr {
namespace {

std::string size_str(int64_t a, int64_t b) { return std::to_string(a) + "x" + std::to_string(b); }

// A 2-int attribute such as strides or dilations, each at least `min`.
std::vector<int64_t> pair_attr(const char* op, const Attrs& attrs, const char* name, std::vector<int64_t> dflt,
                               int64_t min) {
  std::vector<int64_t> v = attrs.get_ints(name, std::move(dflt));
  if (v.size() != 2 || v[0] < min || v[1] < min)
    fail(Status::InvalidArgument, op, ": ", name, " must be 2 ints >= ", min, " (height, width), got ", shape_str(v));
  return v;
}

Padding padding_attr(const char* op, const Attrs& attrs, bool allow_explicit) {
  int64_t p = attrs.get_int("padding", 0);
  if (p < 0 || p > (allow_explicit ? 2 : 1))
    fail(Status::InvalidArgument, op, ": padding must be 0 (valid)",
         allow_explicit ? ", 1 (same) or 2 (explicit)" : " or 1 (same)", ", got ", p);
  return static_cast<Padding>(p);
}

void require_rank4(const char* op, const Shape& s, const char* what, const char* layout) {
  if (s.size() != 4) fail(Status::Shape, op, ": ", what, " must be 4-D ", layout, ", got ", shape_str(s));
}

// Fills the output sizes and leading padding from the window, strides, dilations and padding attributes. `context`
// names the shapes involved, for the error when the window does not fit.
// Convolutions take dilations and explicit pads; pooling windows neither, and their strides default to the window.
void resolve_spatial(const char* op, const Attrs& attrs, bool conv, Conv2dGeometry& g, const std::string& context) {
  auto strides = pair_attr(op, attrs, "strides", conv ? std::vector<int64_t>{1, 1} : std::vector<int64_t>{g.kh, g.kw},
                           1);
  auto dilations = conv ? pair_attr(op, attrs, "dilations", {1, 1}, 1) : std::vector<int64_t>{1, 1};
  Padding padding = padding_attr(op, attrs, conv);
  std::vector<int64_t> pads{0, 0, 0, 0};
  if (padding == Padding::Explicit) {
    pads = attrs.get_ints("pads");
    if (pads.size() != 4 || *std::min_element(pads.begin(), pads.end()) < 0)
      fail(Status::InvalidArgument, op,
           ": padding 2 (explicit) needs pads = 4 ints >= 0 (top, bottom, left, right), got ", shape_str(pads));
  } else if (attrs.has("pads")) {
    fail(Status::InvalidArgument, op, ": pads is only read with padding 2 (explicit), but padding is ",
         static_cast<int64_t>(padding));
  }
  g.stride_h = strides[0];
  g.stride_w = strides[1];
  g.dilation_h = dilations[0];
  g.dilation_w = dilations[1];
  const int64_t eff_h = (g.kh - 1) * g.dilation_h + 1, eff_w = (g.kw - 1) * g.dilation_w + 1;
  auto axis = [&](int64_t in, int64_t eff, int64_t stride, int64_t before, int64_t after, int64_t& out, int64_t& pad) {
    if (padding == Padding::Same) {
      out = (in + stride - 1) / stride;
      pad = std::max<int64_t>((out - 1) * stride + eff - in, 0) / 2;
      return true;
    }
    int64_t padded = in + before + after;
    pad = before;
    out = padded >= eff ? (padded - eff) / stride + 1 : 0;
    return padded >= eff;
  };
  bool fits = axis(g.h, eff_h, g.stride_h, pads[0], pads[1], g.oh, g.pad_top);
  fits = axis(g.w, eff_w, g.stride_w, pads[2], pads[3], g.ow, g.pad_left) && fits;
  if (!fits) {
    std::string window = size_str(g.kh, g.kw);
    if (eff_h != g.kh || eff_w != g.kw) window += " (" + size_str(eff_h, eff_w) + " dilated)";
    fail(Status::Shape, op, ": the ", window, " window is larger than the ",
         size_str(g.h + pads[0] + pads[1], g.w + pads[2] + pads[3]), " ",
         padding == Padding::Valid ? "valid-padded" : "padded", " input (", context, ")");
  }
}

}  // namespace

Conv2dGeometry conv2d_geometry(const char* op, const Shape& x, const Shape& w, const Attrs& attrs) {
  require_rank4(op, x, "the input", "[N,H,W,C]");
  require_rank4(op, w, "the filter", "[KH,KW,C/groups,O]");
  std::string context = "input " + shape_str(x) + ", filter " + shape_str(w);
  Conv2dGeometry g;
  g.n = x[0], g.h = x[1], g.w = x[2], g.c = x[3];
  g.kh = w[0], g.kw = w[1], g.o = w[3];
  g.groups = attrs.get_int("groups", 1);
  if (g.groups < 1) fail(Status::InvalidArgument, op, ": groups must be >= 1, got ", g.groups);
  if (g.kh < 1 || g.kw < 1) fail(Status::Shape, op, ": the filter's window is empty (", context, ")");
  if (g.c % g.groups != 0)
    fail(Status::Shape, op, ": groups ", g.groups, " does not divide the ", g.c, " input channels (", context, ")");
  if (g.o % g.groups != 0)
    fail(Status::Shape, op, ": groups ", g.groups, " does not divide the ", g.o, " output channels (", context, ")");
  if (w[2] * g.groups != g.c)
    fail(Status::Shape, op, ": the input ", shape_str(x), " has ", g.c, " channels but the filter ", shape_str(w),
         " takes ", w[2] * g.groups, " (", w[2], " per group, groups ", g.groups, ")");
  resolve_spatial(op, attrs, true, g, context);
  return g;
}

Conv2dGeometry conv2d_transpose_geometry(const char* op, const Shape& x, const Shape& w, const Attrs& attrs) {
  require_rank4(op, x, "the input", "[N,H,W,Cin]");
  require_rank4(op, w, "the filter", "[KH,KW,O,Cin]");
  if (w[3] != x[3])
    fail(Status::Shape, op, ": the input ", shape_str(x), " has ", x[3], " channels but the filter ", shape_str(w),
         " takes ", w[3], " (its last dim)");
  if (w[0] < 1 || w[1] < 1)
    fail(Status::Shape, op, ": the filter's window is empty (input ", shape_str(x), ", filter ", shape_str(w), ")");
  auto strides = pair_attr(op, attrs, "strides", {1, 1}, 1);
  auto dilations = pair_attr(op, attrs, "dilations", {1, 1}, 1);
  Padding padding = padding_attr(op, attrs, false);
  bool has_output_padding = attrs.has("output_padding");
  auto output_padding = pair_attr(op, attrs, "output_padding", {0, 0}, 0);
  if (output_padding[0] >= strides[0] || output_padding[1] >= strides[1])
    fail(Status::InvalidArgument, op, ": output_padding ", shape_str(output_padding), " must be less than strides ",
         shape_str(strides));
  // keras.utils.conv_utils.deconv_output_length
  auto length = [&](int64_t in, int64_t k, int64_t stride, int64_t dilation, int64_t extra) {
    int64_t eff = (k - 1) * dilation + 1;
    if (!has_output_padding)
      return padding == Padding::Same ? in * stride : in * stride + std::max<int64_t>(eff - stride, 0);
    int64_t pad = padding == Padding::Same ? eff / 2 : 0;
    return (in - 1) * stride + eff - 2 * pad + extra;
  };
  Shape result{x[0], length(x[1], w[0], strides[0], dilations[0], output_padding[0]),
               length(x[2], w[1], strides[1], dilations[1], output_padding[1]), w[2]};
  if (result[1] < 0 || result[2] < 0)
    fail(Status::Shape, op, ": the input ", shape_str(x), " is too small for output_padding ",
         shape_str(output_padding));
  Attrs conv;
  conv.set("strides", strides).set("dilations", dilations).set("padding", static_cast<int64_t>(padding));
  Conv2dGeometry g = conv2d_geometry(op, result, w, conv);
  if (g.oh != x[1] || g.ow != x[2])
    fail(Status::Shape, op, ": the input ", shape_str(x), " with filter ", shape_str(w), " and output_padding ",
         shape_str(output_padding), " gives a result ", shape_str(result),
         " that the strided convolution does not map back onto the input");
  return g;
}

Conv2dGeometry pool2d_geometry(const char* op, const Shape& x, const Attrs& attrs) {
  require_rank4(op, x, "the input", "[N,H,W,C]");
  auto pool = pair_attr(op, attrs, "pool_size", {}, 1);
  Conv2dGeometry g;
  g.n = x[0], g.h = x[1], g.w = x[2], g.c = x[3], g.o = x[3];
  g.kh = pool[0], g.kw = pool[1];
  resolve_spatial(op, attrs, false, g, "pool_size " + shape_str(pool) + ", input " + shape_str(x));
  return g;
}

namespace {

constexpr AttrKind I = AttrKind::Int, IS = AttrKind::Ints;
constexpr bool REQ = true, OPT = false;

void require_floating_pair(const OpDef& def, const std::vector<TensorMeta>& in) {
  for (const TensorMeta& m : in)
    if (!is_floating(m.dtype))
      fail(Status::DType, def.name, ": inputs must be f32 or f64, got ", dtype_name(m.dtype), " ", shape_str(m.shape));
  for (size_t i = 1; i < in.size(); ++i)
    if (in[i].dtype != in[0].dtype)
      fail(Status::DType, def.name, ": dtype mismatch: ", dtype_name(in[0].dtype), " ", shape_str(in[0].shape), " vs ",
           dtype_name(in[i].dtype), " ", shape_str(in[i].shape));
}

Shape shape_attr(const OpDef& def, const Attrs& attrs, const char* name) {
  Shape s = attrs.get_ints(name);
  if (s.size() != 4) fail(Status::InvalidArgument, def.name, ": ", name, " must be 4 ints, got ", shape_str(s));
  check_shape(def.name, s);
  return s;
}

// A gradient input must have the shape the forward op produced.
void require_shape(const OpDef& def, const TensorMeta& got, const Shape& want, const char* what,
                   const std::string& forward) {
  if (got.shape != want)
    fail(Status::Shape, def.name, ": ", what, " ", shape_str(got.shape), " does not match the ", shape_str(want),
         " result of ", forward);
}

std::vector<TensorMeta> conv2d_rule(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs) {
  require_floating_pair(def, in);
  return {{in[0].dtype, conv2d_geometry(def.name, in[0].shape, in[1].shape, attrs).output_shape()}};
}

std::vector<TensorMeta> conv2d_backward_input_rule(const OpDef& def, const std::vector<TensorMeta>& in,
                                                   const Attrs& attrs) {
  require_floating_pair(def, in);
  Shape x = shape_attr(def, attrs, "input_shape");
  Conv2dGeometry g = conv2d_geometry(def.name, x, in[1].shape, attrs);
  require_shape(def, in[0], g.output_shape(), "dy", "conv2d(" + shape_str(x) + ", " + shape_str(in[1].shape) + ")");
  return {{in[0].dtype, x}};
}

std::vector<TensorMeta> conv2d_backward_filter_rule(const OpDef& def, const std::vector<TensorMeta>& in,
                                                    const Attrs& attrs) {
  require_floating_pair(def, in);
  Shape w = shape_attr(def, attrs, "filter_shape");
  Conv2dGeometry g = conv2d_geometry(def.name, in[0].shape, w, attrs);
  require_shape(def, in[1], g.output_shape(), "dy", "conv2d(" + shape_str(in[0].shape) + ", " + shape_str(w) + ")");
  return {{in[0].dtype, w}};
}

std::vector<TensorMeta> conv2d_transpose_rule(const OpDef& def, const std::vector<TensorMeta>& in,
                                              const Attrs& attrs) {
  require_floating_pair(def, in);
  return {{in[0].dtype, conv2d_transpose_geometry(def.name, in[0].shape, in[1].shape, attrs).input_shape()}};
}

std::vector<TensorMeta> pool2d_rule(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs) {
  require_floating_pair(def, in);
  return {{in[0].dtype, pool2d_geometry(def.name, in[0].shape, attrs).output_shape()}};
}

std::vector<TensorMeta> max_pool2d_grad_rule(const OpDef& def, const std::vector<TensorMeta>& in,
                                             const Attrs& attrs) {
  require_floating_pair(def, in);
  Conv2dGeometry g = pool2d_geometry(def.name, in[0].shape, attrs);
  require_shape(def, in[1], g.output_shape(), "dy", "max_pool2d(" + shape_str(in[0].shape) + ")");
  return {in[0]};
}

std::vector<TensorMeta> avg_pool2d_grad_rule(const OpDef& def, const std::vector<TensorMeta>& in,
                                             const Attrs& attrs) {
  require_floating_pair(def, in);
  Shape x = shape_attr(def, attrs, "input_shape");
  require_shape(def, in[0], pool2d_geometry(def.name, x, attrs).output_shape(), "dy",
                "avg_pool2d(" + shape_str(x) + ")");
  return {{in[0].dtype, x}};
}

Shape upsampled_shape(const OpDef& def, const Shape& x, const Attrs& attrs) {
  require_rank4(def.name, x, "the input", "[N,H,W,C]");
  auto size = pair_attr(def.name, attrs, "size", {2, 2}, 1);
  int64_t interpolation = attrs.get_int("interpolation", 0);
  if (interpolation != 0 && interpolation != 1)
    fail(Status::InvalidArgument, def.name, ": interpolation must be 0 (nearest) or 1 (bilinear), got ", interpolation);
  Shape out{x[0], x[1] * size[0], x[2] * size[1], x[3]};
  check_shape(def.name, out);
  return out;
}

std::vector<TensorMeta> upsample2d_rule(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs) {
  require_floating_pair(def, in);
  return {{in[0].dtype, upsampled_shape(def, in[0].shape, attrs)}};
}

std::vector<TensorMeta> upsample2d_grad_rule(const OpDef& def, const std::vector<TensorMeta>& in,
                                             const Attrs& attrs) {
  require_floating_pair(def, in);
  Shape x = shape_attr(def, attrs, "input_shape");
  require_shape(def, in[0], upsampled_shape(def, x, attrs), "dy", "upsample2d(" + shape_str(x) + ")");
  return {{in[0].dtype, x}};
}

const AttrDef kStrides{"strides", IS, OPT}, kPadding{"padding", I, OPT}, kPads{"pads", IS, OPT},
    kDilations{"dilations", IS, OPT}, kGroups{"groups", I, OPT}, kPoolSize{"pool_size", IS, REQ},
    kInputShape{"input_shape", IS, REQ}, kSize{"size", IS, OPT}, kInterpolation{"interpolation", I, OPT};

}  // namespace

std::vector<OpDef> conv_op_defs() {
  return {
      {OpId::Conv2d, "conv2d",
       "NHWC convolution of `x [N,H,W,C]` with `w [KH,KW,C/groups,O]`; `padding` 0 valid, 1 same (TensorFlow), 2 "
       "explicit `pads` (top, bottom, left, right); `strides`, `dilations`, `groups`; no bias.",
       2, 0, {kStrides, kPadding, kPads, kDilations, kGroups}, conv2d_rule},
      {OpId::Conv2dBackwardInput, "conv2d_backward_input",
       "conv2d's gradient wrt its input: `dx [input_shape]` from `(dy, w)`; attributes as conv2d.", 2, 0,
       {kStrides, kPadding, kPads, kDilations, kGroups, kInputShape}, conv2d_backward_input_rule},
      {OpId::Conv2dBackwardFilter, "conv2d_backward_filter",
       "conv2d's gradient wrt its filter: `dw [filter_shape]` from `(x, dy)`, summed over the batch in a fixed order.",
       2, 0, {kStrides, kPadding, kPads, kDilations, kGroups, {"filter_shape", IS, REQ}}, conv2d_backward_filter_rule},
      {OpId::Conv2dTranspose, "conv2d_transpose",
       "Keras Conv2DTranspose of `x [N,H,W,Cin]` with `w [KH,KW,O,Cin]`: `padding` 0 valid, 1 same; `strides`, "
       "`dilations`, `output_padding`.",
       2, 0, {kStrides, kPadding, kDilations, {"output_padding", IS, OPT}}, conv2d_transpose_rule},
      {OpId::MaxPool2d, "max_pool2d",
       "Maximum over `pool_size` windows of NHWC images; `strides` (default `pool_size`), `padding` 0 valid, 1 same.",
       1, 0, {kPoolSize, kStrides, kPadding}, pool2d_rule},
      {OpId::MaxPool2dGrad, "max_pool2d_grad",
       "max_pool2d's gradient: `dy` routed to each window's first maximum of `x`, from `(x, dy)`.", 2, 0,
       {kPoolSize, kStrides, kPadding}, max_pool2d_grad_rule},
      {OpId::AvgPool2d, "avg_pool2d",
       "Mean over `pool_size` windows of NHWC images, counting only real (unpadded) elements as Keras.", 1, 0,
       {kPoolSize, kStrides, kPadding}, pool2d_rule},
      {OpId::AvgPool2dGrad, "avg_pool2d_grad", "avg_pool2d's gradient: `dx [input_shape]` from `dy`.", 1, 0,
       {kPoolSize, kStrides, kPadding, kInputShape}, avg_pool2d_grad_rule},
      {OpId::Upsample2d, "upsample2d",
       "Enlarges NHWC images by integer factors `size` (default 2, 2); `interpolation` 0 nearest, 1 bilinear "
       "(half-pixel centres, edges clamped, as tf.image.resize).",
       1, 0, {kSize, kInterpolation}, upsample2d_rule},
      {OpId::Upsample2dGrad, "upsample2d_grad", "upsample2d's gradient: `dx [input_shape]` from `dy`.", 1, 0,
       {kSize, kInterpolation, kInputShape}, upsample2d_grad_rule},
  };
}

}  // namespace nr
