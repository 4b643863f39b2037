// Definitions of the nn family's ops, in NR_OP_LIST_NN order, and their shape rules.
#include <cmath>
#include <initializer_list>

#include "ops/op_table.h"
#include "ops/shape_util.h"

namespace nr {
namespace {

constexpr AttrKind I = AttrKind::Int, F = AttrKind::Float;
constexpr bool REQ = true, OPT = false;

const AttrDef kAxis{"axis", I, OPT}, kEpsilon{"epsilon", F, OPT};

void require_floating(const OpDef& def, const TensorMeta& m, const char* what) {
  if (!is_floating(m.dtype))
    fail(Status::DType, def.name, ": ", what, " must be a floating-point tensor (f32 or f64), got ",
         dtype_name(m.dtype), " ", shape_str(m.shape));
}

// Every input has the dtype of input 0; names[i] names input i.
void require_dtype_of_first(const OpDef& def, const std::vector<TensorMeta>& in, const char* const* names) {
  for (size_t i = 1; i < in.size(); ++i)
    if (in[i].dtype != in[0].dtype)
      fail(Status::DType, def.name, ": ", names[i], " is ", dtype_name(in[i].dtype), " ", shape_str(in[i].shape),
           " but ", names[0], " is ", dtype_name(in[0].dtype), " ", shape_str(in[0].shape), " (cast one of them first)");
}

void require_shape(const OpDef& def, const TensorMeta& m, const Shape& want, const char* what, const char* why) {
  if (m.shape != want)
    fail(Status::Shape, def.name, ": ", what, " ", shape_str(m.shape), " must have shape ", shape_str(want), " (", why,
         ")");
}

// The normalised axis of x named by the `axis` attribute (default -1); x must have one.
int class_axis(const OpDef& def, const TensorMeta& x, const Attrs& attrs, const char* what) {
  if (x.shape.empty()) fail(Status::Shape, def.name, ": ", what, " is a scalar; it has no axis to work along");
  return normalize_axis(def.name, attrs.get_int("axis", -1), static_cast<int>(x.shape.size()), x.shape);
}

Shape without_axis(const Shape& s, int axis) {
  Shape out = s;
  out.erase(out.begin() + axis);
  return out;
}

// ---- batch normalisation: x's `axis` is the channel axis; the per-channel vectors all have shape [C] ----

const char* const kTrainNames[] = {"x", "gamma", "beta"};
const char* const kTrainGradNames[] = {"x", "gamma", "batch_mean", "batch_var", "dy", "d_mean", "d_var"};
const char* const kInferenceNames[] = {"x", "gamma", "beta", "mean", "var"};

// Validates x, epsilon and the [C] vectors at inputs `vectors`; returns [C].
Shape channel_vector_shape(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs,
                           const char* const* names, std::initializer_list<size_t> vectors) {
  const TensorMeta& x = in[0];
  require_floating(def, x, "x");
  require_dtype_of_first(def, in, names);
  int axis = class_axis(def, x, attrs, "x");
  double eps = attrs.get_float("epsilon", 1e-3);
  if (!(eps >= 0) || !std::isfinite(eps))
    fail(Status::InvalidArgument, def.name, ": epsilon must be finite and >= 0, got ", eps);
  Shape c{x.shape[static_cast<size_t>(axis)]};
  for (size_t i : vectors) require_shape(def, in[i], c, names[i], "one value per channel of x's axis");
  return c;
}

std::vector<TensorMeta> batch_norm_train(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs) {
  Shape c = channel_vector_shape(def, in, attrs, kTrainNames, {1, 2});
  if (c[0] != 0 && numel_of(in[0].shape) == 0)
    fail(Status::Shape, def.name, ": x ", shape_str(in[0].shape), " has no values per channel to take statistics of");
  return {in[0], {in[0].dtype, c}, {in[0].dtype, c}};
}

std::vector<TensorMeta> batch_norm_train_grad(const OpDef& def, const std::vector<TensorMeta>& in,
                                              const Attrs& attrs) {
  Shape c = channel_vector_shape(def, in, attrs, kTrainGradNames, {1, 2, 3, 5, 6});
  require_shape(def, in[4], in[0].shape, "dy", "the shape of x");
  return {in[0], {in[0].dtype, c}, {in[0].dtype, c}};
}

std::vector<TensorMeta> batch_norm_inference(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs) {
  channel_vector_shape(def, in, attrs, kInferenceNames, {1, 2, 3, 4});
  return {in[0]};
}

std::vector<TensorMeta> dropout(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs) {
  require_floating(def, in[0], "x");
  double rate = attrs.get_float("rate", 0);
  if (!(rate >= 0 && rate < 1))
    fail(Status::InvalidArgument, def.name, ": rate must be in [0, 1), got ", rate, " (for x ", shape_str(in[0].shape),
         ")");
  if (attrs.get_int("offset", 0) < 0)
    fail(Status::InvalidArgument, def.name, ": offset must be >= 0, got ", attrs.get_int("offset", 0));
  return {in[0]};
}

// ---- losses: one value per row of `axis` (the class axis) ----

const char* const kDenseLossNames[] = {"logits", "targets", "g"};
const char* const kSparseLossNames[] = {"logits", "labels", "g"};

std::vector<TensorMeta> softmax_cross_entropy(const OpDef& def, const std::vector<TensorMeta>& in,
                                              const Attrs& attrs) {
  require_floating(def, in[0], "logits");
  require_dtype_of_first(def, in, kDenseLossNames);
  int axis = class_axis(def, in[0], attrs, "logits");
  require_shape(def, in[1], in[0].shape, "targets", "the shape of logits");
  Shape rows = without_axis(in[0].shape, axis);
  if (def.id == OpId::SoftmaxCrossEntropyGrad) {
    require_shape(def, in[2], rows, "g", "one value per row of logits");
    return {in[0]};
  }
  return {{in[0].dtype, rows}};
}

std::vector<TensorMeta> sparse_softmax_cross_entropy(const OpDef& def, const std::vector<TensorMeta>& in,
                                                     const Attrs& attrs) {
  require_floating(def, in[0], "logits");
  if (in[1].dtype != DType::I32 && in[1].dtype != DType::I64)
    fail(Status::DType, def.name, ": labels must be i32 or i64, got ", dtype_name(in[1].dtype), " ",
         shape_str(in[1].shape));
  int axis = class_axis(def, in[0], attrs, "logits");
  Shape rows = without_axis(in[0].shape, axis);
  require_shape(def, in[1], rows, "labels", "one label per row of logits");
  if (def.id == OpId::SparseSoftmaxCrossEntropyGrad) {
    if (in[2].dtype != in[0].dtype)
      fail(Status::DType, def.name, ": g is ", dtype_name(in[2].dtype), " but logits are ", dtype_name(in[0].dtype));
    require_shape(def, in[2], rows, "g", "one value per row of logits");
    return {in[0]};
  }
  return {{in[0].dtype, rows}};
}

std::vector<TensorMeta> sigmoid_cross_entropy(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs&) {
  require_floating(def, in[0], "logits");
  require_dtype_of_first(def, in, kDenseLossNames);
  require_shape(def, in[1], in[0].shape, "targets", "the shape of logits");
  return {in[0]};
}

}  // namespace

std::vector<OpDef> nn_op_defs() {
  const AttrDef rate{"rate", F, REQ}, seed{"seed", I, OPT}, offset{"offset", I, OPT};
  return {
      {OpId::BatchNormTrain, "batch_norm_train",
       "Batch normalisation with batch statistics: `(y, batch_mean, batch_var)` for inputs `(x, gamma, beta)`; "
       "statistics over every axis but `axis` (default -1), biased variance, `epsilon` default 1e-3.",
       3, 0, {kAxis, kEpsilon}, batch_norm_train},
      {OpId::BatchNormTrainGrad, "batch_norm_train_grad",
       "batch_norm_train's gradient: `(dx, dgamma, dbeta)` for `(x, gamma, batch_mean, batch_var, dy, d_mean, d_var)`.",
       7, 0, {kAxis, kEpsilon}, batch_norm_train_grad},
      {OpId::BatchNormInference, "batch_norm_inference",
       "`(x - mean) / sqrt(var + epsilon) · gamma + beta` for inputs `(x, gamma, beta, mean, var)`, per channel of `axis`.",
       5, 0, {kAxis, kEpsilon}, batch_norm_inference},
      {OpId::Dropout, "dropout",
       "Keeps element i when its Philox uniform `(seed, offset + i)` is >= `rate`, scaled by `1 / (1 - rate)`; the "
       "rest are multiplied by 0.",
       1, 0, {rate, seed, offset}, dropout},
      {OpId::SoftmaxCrossEntropy, "softmax_cross_entropy",
       "`-Σ targets · log_softmax(logits)` along `axis` (default -1), one value per row, fused and stable.", 2, 0,
       {kAxis}, softmax_cross_entropy},
      {OpId::SoftmaxCrossEntropyGrad, "softmax_cross_entropy_grad",
       "softmax_cross_entropy's logits gradient: `(softmax(logits) · Σ targets - targets) · g` for `(logits, targets, g)`.",
       3, 0, {kAxis}, softmax_cross_entropy},
      {OpId::SparseSoftmaxCrossEntropy, "sparse_softmax_cross_entropy",
       "`-log_softmax(logits)[label]` along `axis` (default -1) for i32/i64 labels in `[0, K)`, fused and stable.", 2,
       0, {kAxis}, sparse_softmax_cross_entropy},
      {OpId::SparseSoftmaxCrossEntropyGrad, "sparse_softmax_cross_entropy_grad",
       "sparse_softmax_cross_entropy's logits gradient: `(softmax(logits) - one_hot(labels)) · g` for "
       "`(logits, labels, g)`.",
       3, 0, {kAxis}, sparse_softmax_cross_entropy},
      {OpId::SigmoidCrossEntropy, "sigmoid_cross_entropy",
       "Elementwise `max(x, 0) - x·z + log1p(e^-|x|)` for logits x and targets z, stable for large `|x|`.", 2, 0, {},
       sigmoid_cross_entropy},
  };
}

}  // namespace nr
