#include "ops/op_table.h"

#include <iterator>
#include <unordered_map>

#include "ops/shape_rules.h"
#include "ops/views.h"

namespace nr {
namespace {

constexpr AttrKind I = AttrKind::Int, F = AttrKind::Float, IS = AttrKind::Ints;
constexpr bool REQ = true, OPT = false;

const AttrDef kShape{"shape", IS, REQ}, kDType{"dtype", I, OPT}, kSeed{"seed", I, OPT}, kOffset{"offset", I, OPT};
const AttrDef kAxes{"axes", IS, OPT}, kKeepDims{"keepdims", I, OPT}, kAxis{"axis", I, OPT};

using namespace rules;

// One entry per core op, in NR_OP_LIST_CORE order:
//  {id, name, doc, inputs, dtype_input, attributes, shape rule[, view]}
const OpDef kOps[] = {
    {OpId::Zeros, "zeros", "A tensor of zeros.", 0, -1, {kShape, kDType}, creation},
    {OpId::Ones, "ones", "A tensor of ones.", 0, -1, {kShape, kDType}, creation},
    {OpId::Full, "full", "A tensor filled with `value`.", 0, -1, {kShape, kDType, {"value", F, REQ}}, creation},
    {OpId::Arange, "arange", "`start, start+step, ...` up to but excluding `stop`.", 0, -1, {{"start", F, OPT}, {"stop", F, REQ}, {"step", F, OPT}, kDType}, arange},
    {OpId::Linspace, "linspace", "`num` evenly spaced values from `start` to `stop`, both included.", 0, -1, {{"start", F, REQ}, {"stop", F, REQ}, {"num", I, REQ}, kDType}, linspace},
    {OpId::Eye, "eye", "An `n x m` matrix with ones on diagonal `k`.", 0, -1, {{"n", I, REQ}, {"m", I, OPT}, {"k", I, OPT}, kDType}, eye},
    {OpId::RandomUniform, "random_uniform", "Uniform values in `[low, high)`; element i depends only on `(seed, offset + i)` (Philox).", 0, -1, {kShape, kDType, {"low", F, OPT}, {"high", F, OPT}, kSeed, kOffset},
     creation},
    {OpId::RandomNormal, "random_normal", "Normal values (Box-Muller over Philox); deterministic per `(seed, offset + i)`.", 0, -1, {kShape, kDType, {"mean", F, OPT}, {"stddev", F, OPT}, kSeed, kOffset},
     creation},
    {OpId::TruncatedNormal, "truncated_normal", "Normal values redrawn until within `mean ± 2·stddev` (as TensorFlow).", 0, -1,
     {kShape, kDType, {"mean", F, OPT}, {"stddev", F, OPT}, kSeed, kOffset}, creation},

    {OpId::Neg, "neg", "`-x`.", 1, 0, {}, same},
    {OpId::Abs, "abs", "`|x|`.", 1, 0, {}, same},
    {OpId::Sign, "sign", "-1, 0 or 1.", 1, 0, {}, same},
    {OpId::Exp, "exp", "`e^x`.", 1, 0, {}, floating_same},
    {OpId::Log, "log", "Natural logarithm.", 1, 0, {}, floating_same},
    {OpId::Log1p, "log1p", "`log(1 + x)`, accurate near 0.", 1, 0, {}, floating_same},
    {OpId::Sqrt, "sqrt", "Square root.", 1, 0, {}, floating_same},
    {OpId::Rsqrt, "rsqrt", "`1 / sqrt(x)`.", 1, 0, {}, floating_same},
    {OpId::Square, "square", "`x²`.", 1, 0, {}, same},
    {OpId::Reciprocal, "reciprocal", "`1 / x`.", 1, 0, {}, floating_same},
    {OpId::Sin, "sin", "Sine.", 1, 0, {}, floating_same},
    {OpId::Cos, "cos", "Cosine.", 1, 0, {}, floating_same},
    {OpId::Tanh, "tanh", "Hyperbolic tangent.", 1, 0, {}, floating_same},
    {OpId::Sigmoid, "sigmoid", "`1 / (1 + e^-x)`, stable for large `|x|`.", 1, 0, {}, floating_same},
    {OpId::Relu, "relu", "`max(x, 0)`.", 1, 0, {}, floating_same},
    {OpId::LeakyRelu, "leaky_relu", "`x` if positive, else `alpha·x` (default 0.01).", 1, 0, {{"alpha", F, OPT}}, floating_same},
    {OpId::Elu, "elu", "`x` if positive, else `alpha·(e^x - 1)` (default 1).", 1, 0, {{"alpha", F, OPT}}, floating_same},
    {OpId::Selu, "selu", "Scaled ELU with the self-normalising constants.", 1, 0, {}, floating_same},
    {OpId::Gelu, "gelu", "`x·Φ(x)`; `approximate=1` uses the tanh form.", 1, 0, {{"approximate", I, OPT}}, floating_same},
    {OpId::Softplus, "softplus", "`log(1 + e^x)`, computed stably.", 1, 0, {}, floating_same},
    {OpId::Clip, "clip", "Clamps to `[min, max]`.", 1, 0, {{"min", F, REQ}, {"max", F, REQ}}, floating_same},
    {OpId::LogicalNot, "logical_not", "Boolean negation.", 1, 0, {}, bool_same},

    {OpId::Add, "add", "`a + b`, broadcasting.", 2, 0, {}, binary},
    {OpId::Sub, "sub", "`a - b`, broadcasting.", 2, 0, {}, binary},
    {OpId::Mul, "mul", "`a · b`, broadcasting.", 2, 0, {}, binary},
    {OpId::Div, "div", "`a / b`, broadcasting (integer division by 0 gives 0).", 2, 0, {}, binary},
    {OpId::Pow, "pow", "`a^b`, broadcasting.", 2, 0, {}, floating_binary},
    {OpId::Maximum, "maximum", "Elementwise maximum (NaN propagates).", 2, 0, {}, binary},
    {OpId::Minimum, "minimum", "Elementwise minimum (NaN propagates).", 2, 0, {}, binary},
    {OpId::Equal, "equal", "`a == b` as bool.", 2, 0, {}, compare},
    {OpId::NotEqual, "not_equal", "`a != b` as bool.", 2, 0, {}, compare},
    {OpId::Less, "less", "`a < b` as bool.", 2, 0, {}, compare},
    {OpId::LessEqual, "less_equal", "`a <= b` as bool.", 2, 0, {}, compare},
    {OpId::Greater, "greater", "`a > b` as bool.", 2, 0, {}, compare},
    {OpId::GreaterEqual, "greater_equal", "`a >= b` as bool.", 2, 0, {}, compare},
    {OpId::LogicalAnd, "logical_and", "Boolean and.", 2, 0, {}, logical_binary},
    {OpId::LogicalOr, "logical_or", "Boolean or.", 2, 0, {}, logical_binary},
    {OpId::LogicalXor, "logical_xor", "Boolean xor.", 2, 0, {}, logical_binary},
    {OpId::Where, "where", "`a` where `cond`, else `b`; all three broadcast.", 3, 1, {}, where},

    {OpId::Sum, "sum", "Sum over `axes` (all when empty).", 1, 0, {kAxes, kKeepDims}, reduce},
    {OpId::Mean, "mean", "Mean over `axes`.", 1, 0, {kAxes, kKeepDims}, floating_reduce},
    {OpId::Max, "max", "Maximum over `axes`.", 1, 0, {kAxes, kKeepDims}, reduce},
    {OpId::Min, "min", "Minimum over `axes`.", 1, 0, {kAxes, kKeepDims}, reduce},
    {OpId::Prod, "prod", "Product over `axes`.", 1, 0, {kAxes, kKeepDims}, reduce},
    {OpId::Argmax, "argmax", "Index (i64) of the maximum along `axis`; first on ties.", 1, 0, {kAxis, kKeepDims}, arg_reduce},
    {OpId::Argmin, "argmin", "Index (i64) of the minimum along `axis`; first on ties.", 1, 0, {kAxis, kKeepDims}, arg_reduce},
    {OpId::Var, "var", "Variance over `axes`, divided by `n - correction`.", 1, 0, {kAxes, kKeepDims, {"correction", I, OPT}}, floating_reduce},
    {OpId::Std, "std", "Standard deviation over `axes`, divided by `n - correction`.", 1, 0, {kAxes, kKeepDims, {"correction", I, OPT}}, floating_reduce},
    {OpId::LogSumExp, "logsumexp", "`log(Σ e^x)` over `axes`, shifted by the maximum.", 1, 0, {kAxes, kKeepDims}, floating_reduce},
    {OpId::All, "all", "True if every element over `axes` is true.", 1, 0, {kAxes, kKeepDims}, bool_reduce},
    {OpId::Any, "any", "True if some element over `axes` is true.", 1, 0, {kAxes, kKeepDims}, bool_reduce},

    {OpId::Matmul, "matmul", "`numpy.matmul`: batched, broadcast batch dims, 1-D operands as vectors (OpenBLAS gemm).", 2, 0, {}, matmul},

    {OpId::Reshape, "reshape", "Same elements, new shape (one dim may be -1); a view when strides allow, else a copy.", 1, 0, {kShape}, rules::reshape, views::reshape},
    {OpId::Permute, "permute", "Reorders axes (a view).", 1, 0, {{"perm", IS, REQ}}, rules::permute, views::strided},
    {OpId::Slice, "slice", "Python-style slices of `axes` with `starts`, `stops`, `steps` (a view).", 1, 0,
     {{"starts", IS, REQ}, {"stops", IS, OPT}, {"steps", IS, OPT}, kAxes}, rules::slice, views::slice},
    {OpId::BroadcastTo, "broadcast_to", "Broadcasts to `shape` (a view with zero strides).", 1, 0, {kShape}, rules::broadcast_to, views::broadcast_to},
    {OpId::Squeeze, "squeeze", "Drops size-1 `axes` (all when not given) (a view).", 1, 0, {kAxes}, rules::squeeze, views::squeeze},
    {OpId::Unsqueeze, "unsqueeze", "Inserts a size-1 axis at `axis` (a view).", 1, 0, {kAxis}, rules::unsqueeze, views::unsqueeze},

    {OpId::Contiguous, "contiguous", "A row-major copy (any dtype).", 1, 0, {}, same},
    {OpId::Cast, "cast", "Converts to `dtype` (to bool: non-zero is true).", 1, 0, {{"dtype", I, REQ}}, cast},
    {OpId::Concat, "concat", "Joins inputs along an existing `axis`.", kVariadic, 0, {kAxis}, concat},
    {OpId::Stack, "stack", "Joins inputs along a new `axis`.", kVariadic, 0, {kAxis}, stack},
    {OpId::Split, "split", "Splits along `axis` into `sizes` or `sections` equal pieces.", 1, 0, {kAxis, {"sizes", IS, OPT}, {"sections", I, OPT}}, split},
    {OpId::Pad, "pad", "Pads by `pads` = (before, after) per dim; mode 0 constant `value`, 1 reflect, 2 edge.", 1, 0, {{"pads", IS, REQ}, {"value", F, OPT}, {"mode", I, OPT}}, pad},
    {OpId::Tile, "tile", "Repeats the whole tensor `reps` times per dim (numpy.tile).", 1, 0, {{"reps", IS, REQ}}, tile},
    {OpId::Repeat, "repeat", "Repeats each element `repeats` times along `axis` (numpy.repeat).", 1, 0, {{"repeats", I, REQ}, kAxis}, repeat},
    {OpId::Flip, "flip", "Reverses `axes` (all when empty).", 1, 0, {kAxes}, flip},
    {OpId::Gather, "gather", "`numpy.take(x, indices, axis)`; indices i32/i64, negative from the end.", 2, 0, {kAxis}, gather},
    {OpId::TakeAlongAxis, "take_along_axis", "`numpy.take_along_axis(x, indices, axis)`.", 2, 0, {kAxis}, take_along_axis},
    {OpId::OneHot, "one_hot", "Rows of length `depth` with a 1 at each index.", 1, 0, {{"depth", I, REQ}, kDType}, one_hot},

    {OpId::Softmax, "softmax", "`e^x / Σ e^x` along `axis`, shifted by the maximum.", 1, 0, {kAxis}, softmax},
    {OpId::LogSoftmax, "log_softmax", "`x - logsumexp(x)` along `axis`.", 1, 0, {kAxis}, softmax},

    {OpId::SliceScatter, "slice_scatter", "A copy of `base` with the slice (as `slice`) replaced by `src`.", 2, 0,
     {{"starts", IS, REQ}, {"stops", IS, OPT}, {"steps", IS, OPT}, kAxes}, slice_scatter},
    {OpId::ScatterAdd, "scatter_add",
     "A copy of `base` plus `src` added at `indices` along `axis` (inverse of take_along_axis).", 3, 0, {kAxis},
     scatter_add},
    {OpId::GeluGrad, "gelu_grad", "The gradient of gelu: `g · gelu'(x)` for inputs `(x, g)`.", 2, 0,
     {{"approximate", I, OPT}}, gelu_grad},
};

#define NR_OP_COUNT(id, name) +1
static_assert(sizeof(kOps) / sizeof(kOps[0]) == 0 NR_OP_LIST_CORE(NR_OP_COUNT),
              "op_table.cpp and NR_OP_LIST_CORE disagree on the number of ops");
#undef NR_OP_COUNT

constexpr const char* kListNames[] = {
#define NR_OP_NAME(id, name) name,
    NR_OP_LIST(NR_OP_NAME)
#undef NR_OP_NAME
};

// The core table followed by each family's, checked against the list once, so an entry out of order is caught at
// load, not by a wrong kernel.
const std::vector<OpDef>& all_ops() {
  static const std::vector<OpDef> ops = [] {
    std::vector<OpDef> v(std::begin(kOps), std::end(kOps));
    for (auto family : {conv_op_defs, nn_op_defs, rnn_op_defs, optim_op_defs}) {
      std::vector<OpDef> f = family();
      v.insert(v.end(), f.begin(), f.end());
    }
    return v;
  }();
  return ops;
}

bool table_matches_list() {
  const auto& ops = all_ops();
  if (static_cast<int>(ops.size()) != kNumOps) return false;
  for (int i = 0; i < kNumOps; ++i)
    if (static_cast<int>(ops[static_cast<size_t>(i)].id) != i || std::string(ops[static_cast<size_t>(i)].name) != kListNames[i])
      return false;
  return true;
}

}  // namespace

const OpDef& op_def(OpId id) {
  static const bool ok = table_matches_list();
  if (!ok) fail(Status::Internal, "op table is out of order with op_list.h");
  int i = static_cast<int>(id);
  if (i < 0 || i >= kNumOps) fail(Status::InvalidArgument, "unknown op id ", i);
  return all_ops()[static_cast<size_t>(i)];
}

const OpDef* find_op(const std::string& name) {
  static const std::unordered_map<std::string, const OpDef*> by_name = [] {
    std::unordered_map<std::string, const OpDef*> m;
    for (const OpDef& d : all_ops()) m.emplace(d.name, &d);
    return m;
  }();
  auto it = by_name.find(name);
  return it == by_name.end() ? nullptr : it->second;
}

void validate_attrs(const OpDef& def, const Attrs& attrs) {
  for (const auto& [name, value] : attrs.items()) {
    const AttrDef* decl = nullptr;
    for (const AttrDef& a : def.attrs)
      if (name == a.name) decl = &a;
    if (!decl) {
      std::string known;
      for (const AttrDef& a : def.attrs) known += std::string(known.empty() ? "" : ", ") + a.name;
      fail(Status::InvalidArgument, def.name, ": unknown attribute '", name, "' (",
           known.empty() ? std::string("it takes none") : "it takes " + known, ")");
    }
    bool kind_ok = value.kind == decl->kind || (decl->kind == AttrKind::Float && value.kind == AttrKind::Int);
    if (!kind_ok) {
      static const char* kinds[] = {"an int", "a float", "a list of ints"};
      fail(Status::InvalidArgument, def.name, ": attribute '", name, "' must be ", kinds[static_cast<int>(decl->kind)],
           ", got ", kinds[static_cast<int>(value.kind)]);
    }
  }
  for (const AttrDef& a : def.attrs)
    if (a.required && !attrs.has(a.name))
      fail(Status::InvalidArgument, def.name, ": the '", a.name, "' attribute is required");
}

}  // namespace nr
