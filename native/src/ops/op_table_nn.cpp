// Definitions of the nn family's ops, in NR_OP_LIST_NN order, and their shape rules.
#include <cmath>
#include <initializer_list>

#include "ops/grad_ops.h"
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

// ---- composite losses (Keras semantics): computed with other ops, so autograd records their parts ----

const char* const kPredTargetNames[] = {"pred", "target"};
const char* const kProbsTargetNames[] = {"probs", "targets"};

double loss_epsilon(const OpDef& def, const Attrs& attrs) {
  double eps = attrs.get_float("epsilon", 1e-7);
  if (!(eps >= 0 && eps < 0.5))
    fail(Status::InvalidArgument, def.name, ": epsilon must be in [0, 0.5), got ", eps);
  return eps;
}

// pred and target of one floating dtype and one shape; names are the op's own input names.
void require_pair(const OpDef& def, const std::vector<TensorMeta>& in, const char* const* names) {
  require_floating(def, in[0], names[0]);
  require_dtype_of_first(def, in, names);
  if (in[1].shape != in[0].shape)
    fail(Status::Shape, def.name, ": ", names[1], " ", shape_str(in[1].shape), " must have the shape of ", names[0],
         " ", shape_str(in[0].shape));
}

// Losses averaged over the last axis: one value per sample, [N...].
std::vector<TensorMeta> per_sample_loss(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs) {
  bool probs = def.id == OpId::BinaryCrossEntropy;
  const char* const* names = probs ? kProbsTargetNames : kPredTargetNames;
  require_pair(def, in, names);
  if (in[0].shape.empty())
    fail(Status::Shape, def.name, ": ", names[0], " is a scalar; the loss is a mean over the last axis");
  if (def.id == OpId::Huber) {
    double delta = attrs.get_float("delta", 1.0);
    if (!(delta > 0) || !std::isfinite(delta))
      fail(Status::InvalidArgument, def.name, ": delta must be finite and > 0, got ", delta);
  }
  if (probs) loss_epsilon(def, attrs);
  return {{in[0].dtype, without_axis(in[0].shape, static_cast<int>(in[0].shape.size()) - 1)}};
}

std::vector<TensorMeta> categorical_cross_entropy(const OpDef& def, const std::vector<TensorMeta>& in,
                                                  const Attrs& attrs) {
  require_pair(def, in, kProbsTargetNames);
  int axis = class_axis(def, in[0], attrs, "probs");
  loss_epsilon(def, attrs);
  return {{in[0].dtype, without_axis(in[0].shape, axis)}};
}

std::vector<TensorMeta> sparse_categorical_cross_entropy(const OpDef& def, const std::vector<TensorMeta>& in,
                                                         const Attrs& attrs) {
  require_floating(def, in[0], "probs");
  if (in[1].dtype != DType::I32 && in[1].dtype != DType::I64)
    fail(Status::DType, def.name, ": labels must be i32 or i64, got ", dtype_name(in[1].dtype), " ",
         shape_str(in[1].shape));
  int axis = class_axis(def, in[0], attrs, "probs");
  Shape rows = without_axis(in[0].shape, axis);
  if (in[1].shape != rows)
    fail(Status::Shape, def.name, ": labels ", shape_str(in[1].shape), " must have shape ", shape_str(rows),
         " (probs ", shape_str(in[0].shape), " without axis ", axis, ")");
  loss_epsilon(def, attrs);
  return {{in[0].dtype, rows}};
}

std::vector<TensorMeta> reduce_loss(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs) {
  const char* const names[] = {"losses", "sample_weight"};
  require_floating(def, in[0], "losses");
  require_dtype_of_first(def, in, names);
  if (broadcast_shapes(def.name, {in[0].shape, in[1].shape}) != in[0].shape)
    fail(Status::Shape, def.name, ": sample_weight ", shape_str(in[1].shape), " must broadcast to losses ",
         shape_str(in[0].shape), " without enlarging it");
  int64_t reduction = attrs.get_int("reduction", 2);
  if (reduction < 0 || reduction > 2)
    fail(Status::InvalidArgument, def.name, ": reduction must be 0 (none), 1 (sum) or 2 (mean), got ", reduction);
  return {{in[0].dtype, reduction == 0 ? in[0].shape : Shape{}}};
}

std::vector<TensorMeta> penalty(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs) {
  require_floating(def, in[0], "w");
  double factor = attrs.get_float(def.id == OpId::L1Penalty ? "l1" : "l2", 0.01);
  if (!std::isfinite(factor))
    fail(Status::InvalidArgument, def.name, ": the factor must be finite, got ", factor, " (for w ",
         shape_str(in[0].shape), ")");
  return {{in[0].dtype, Shape{}}};
}

namespace composite {

using namespace grad_ops;

Tensor mean_axis(const Tensor& x, int64_t axis) { return op(OpId::Mean, {x}, Attrs().set("axes", Shape{axis})); }
Tensor sum_axis(const Tensor& x, int64_t axis) { return op(OpId::Sum, {x}, Attrs().set("axes", Shape{axis})); }
Tensor sum_all(const Tensor& x) { return op(OpId::Sum, {x}); }
Tensor clip(const Tensor& x, double lo, double hi) {
  return op(OpId::Clip, {x}, Attrs().set("min", lo).set("max", hi));
}
Tensor log(const Tensor& x) { return op(OpId::Log, {x}); }

V mse(const V& in, const Attrs&) { return {mean_axis(op(OpId::Square, {sub(in[0], in[1])}), -1)}; }

V mae(const V& in, const Attrs&) { return {mean_axis(op(OpId::Abs, {sub(in[0], in[1])}), -1)}; }

V huber(const V& in, const Attrs& attrs) {
  double delta = attrs.get_float("delta", 1.0);
  Tensor err = sub(in[0], in[1]);
  Tensor abs_err = op(OpId::Abs, {err});
  Tensor quadratic = mul(op(OpId::Square, {err}), 0.5);
  Tensor linear = sub(mul(abs_err, delta), scalar(0.5 * delta * delta, err));
  Tensor small = op(OpId::LessEqual, {abs_err, scalar(delta, err)});
  return {mean_axis(where(small, quadratic, linear), -1)};
}

V binary_cross_entropy(const V& in, const Attrs& attrs) {
  double eps = attrs.get_float("epsilon", 1e-7);
  Tensor p = clip(in[0], eps, 1 - eps);
  const Tensor& t = in[1];
  Tensor one = scalar(1, p);
  Tensor ll = add(mul(t, log(p)), mul(sub(one, t), log(sub(one, p))));
  return {neg(mean_axis(ll, -1))};
}

V categorical_cross_entropy(const V& in, const Attrs& attrs) {
  double eps = attrs.get_float("epsilon", 1e-7);
  int64_t axis = attrs.get_int("axis", -1);
  Tensor total = op(OpId::Sum, {in[0]}, Attrs().set("axes", Shape{axis}).set("keepdims", int64_t(1)));
  Tensor p = clip(div(in[0], total), eps, 1 - eps);
  return {neg(sum_axis(mul(in[1], log(p)), axis))};
}

V sparse_categorical_cross_entropy(const V& in, const Attrs& attrs) {
  double eps = attrs.get_float("epsilon", 1e-7);
  int64_t axis = attrs.get_int("axis", -1);
  if (axis < 0) axis += static_cast<int64_t>(in[0].shape().size());
  Tensor index = op(OpId::Unsqueeze, {in[1]}, Attrs().set("axis", axis));
  Tensor picked;
  try {
    picked = op(OpId::TakeAlongAxis, {in[0], index}, Attrs().set("axis", axis));
  } catch (const Error& e) {  // an out-of-range label: name this op, not its part
    fail(e.status(), "sparse_categorical_cross_entropy: labels for probs ", shape_str(in[0].shape()), ": ", e.what());
  }
  Tensor loss = neg(log(clip(picked, eps, 1 - eps)));
  return {op(OpId::Squeeze, {loss}, Attrs().set("axes", Shape{axis}))};
}

V reduce_loss(const V& in, const Attrs& attrs) {
  int64_t reduction = attrs.get_int("reduction", 2);
  Tensor weighted = mul(in[0], in[1]);
  if (reduction == 0) return {weighted};
  Tensor total = sum_all(weighted);
  if (reduction == 1 || in[0].numel() == 0) return {total};  // an empty batch's mean is 0, as Keras
  return {mul(total, 1.0 / static_cast<double>(in[0].numel()))};
}

V l1_penalty(const V& in, const Attrs& attrs) {
  return {mul(sum_all(op(OpId::Abs, {in[0]})), attrs.get_float("l1", 0.01))};
}

V l2_penalty(const V& in, const Attrs& attrs) {
  return {mul(sum_all(op(OpId::Square, {in[0]})), attrs.get_float("l2", 0.01))};
}

}  // namespace composite

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
      {OpId::Mse, "mse", "Composite: `mean((pred - target)²)` over the last axis, one value per sample (Keras).", 2,
       0, {}, per_sample_loss, nullptr, 0, composite::mse},
      {OpId::Mae, "mae", "Composite: `mean(|pred - target|)` over the last axis, one value per sample (Keras).", 2, 0,
       {}, per_sample_loss, nullptr, 0, composite::mae},
      {OpId::Huber, "huber",
       "Composite: Keras Huber, `d²/2` where `|d| <= delta` else `delta·|d| - delta²/2` for `d = pred - target`, "
       "mean over the last axis; `delta` default 1.",
       2, 0, {{"delta", F, OPT}}, per_sample_loss, nullptr, 0, composite::huber},
      {OpId::BinaryCrossEntropy, "binary_cross_entropy",
       "Composite: `-(t·log p + (1 - t)·log(1 - p))` for probabilities p clipped to `[epsilon, 1 - epsilon]` "
       "(default 1e-7), mean over the last axis (Keras, from probabilities).",
       2, 0, {kEpsilon}, per_sample_loss, nullptr, 0, composite::binary_cross_entropy},
      {OpId::CategoricalCrossEntropy, "categorical_cross_entropy",
       "Composite: `-Σ targets·log p` along `axis` (default -1) for probs normalised to sum 1 and clipped to "
       "`[epsilon, 1 - epsilon]` (default 1e-7) (Keras, from probabilities).",
       2, 0, {kAxis, kEpsilon}, categorical_cross_entropy, nullptr, 0, composite::categorical_cross_entropy},
      {OpId::SparseCategoricalCrossEntropy, "sparse_categorical_cross_entropy",
       "Composite: `-log(clip(probs[label], epsilon, 1 - epsilon))` along `axis` (default -1) for i32/i64 labels, "
       "one value per row.",
       2, 0, {kAxis, kEpsilon}, sparse_categorical_cross_entropy, nullptr, 0,
       composite::sparse_categorical_cross_entropy},
      {OpId::ReduceLoss, "reduce_loss",
       "Composite: `losses · sample_weight` (broadcast), then `reduction` 0 none, 1 sum, 2 (default) sum over the "
       "number of losses (Keras sum_over_batch_size; 0 when empty).",
       2, 0, {{"reduction", I, OPT}}, reduce_loss, nullptr, 0, composite::reduce_loss},
      {OpId::L1Penalty, "l1_penalty", "Composite: `l1 · Σ|w|` (`l1` default 0.01), a scalar.", 1, 0, {{"l1", F, OPT}},
       penalty, nullptr, 0, composite::l1_penalty},
      {OpId::L2Penalty, "l2_penalty", "Composite: `l2 · Σ w²` (`l2` default 0.01), a scalar.", 1, 0, {{"l2", F, OPT}},
       penalty, nullptr, 0, composite::l2_penalty},
  };
}

}  // namespace nr
