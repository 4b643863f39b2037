#include "ops/op_table.h"

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

// One entry per op, in NR_OP_LIST order:
//  {id, name, inputs, dtype_input, attributes, shape rule[, view]}
const OpDef kOps[] = {
    {OpId::Zeros, "zeros", 0, -1, {kShape, kDType}, creation},
    {OpId::Ones, "ones", 0, -1, {kShape, kDType}, creation},
    {OpId::Full, "full", 0, -1, {kShape, kDType, {"value", F, REQ}}, creation},
    {OpId::Arange, "arange", 0, -1, {{"start", F, OPT}, {"stop", F, REQ}, {"step", F, OPT}, kDType}, arange},
    {OpId::Linspace, "linspace", 0, -1, {{"start", F, REQ}, {"stop", F, REQ}, {"num", I, REQ}, kDType}, linspace},
    {OpId::Eye, "eye", 0, -1, {{"n", I, REQ}, {"m", I, OPT}, {"k", I, OPT}, kDType}, eye},
    {OpId::RandomUniform, "random_uniform", 0, -1, {kShape, kDType, {"low", F, OPT}, {"high", F, OPT}, kSeed, kOffset},
     creation},
    {OpId::RandomNormal, "random_normal", 0, -1, {kShape, kDType, {"mean", F, OPT}, {"stddev", F, OPT}, kSeed, kOffset},
     creation},
    {OpId::TruncatedNormal, "truncated_normal", 0, -1,
     {kShape, kDType, {"mean", F, OPT}, {"stddev", F, OPT}, kSeed, kOffset}, creation},

    {OpId::Neg, "neg", 1, 0, {}, same},
    {OpId::Abs, "abs", 1, 0, {}, same},
    {OpId::Sign, "sign", 1, 0, {}, same},
    {OpId::Exp, "exp", 1, 0, {}, floating_same},
    {OpId::Log, "log", 1, 0, {}, floating_same},
    {OpId::Log1p, "log1p", 1, 0, {}, floating_same},
    {OpId::Sqrt, "sqrt", 1, 0, {}, floating_same},
    {OpId::Rsqrt, "rsqrt", 1, 0, {}, floating_same},
    {OpId::Square, "square", 1, 0, {}, same},
    {OpId::Reciprocal, "reciprocal", 1, 0, {}, floating_same},
    {OpId::Sin, "sin", 1, 0, {}, floating_same},
    {OpId::Cos, "cos", 1, 0, {}, floating_same},
    {OpId::Tanh, "tanh", 1, 0, {}, floating_same},
    {OpId::Sigmoid, "sigmoid", 1, 0, {}, floating_same},
    {OpId::Relu, "relu", 1, 0, {}, floating_same},
    {OpId::LeakyRelu, "leaky_relu", 1, 0, {{"alpha", F, OPT}}, floating_same},
    {OpId::Elu, "elu", 1, 0, {{"alpha", F, OPT}}, floating_same},
    {OpId::Selu, "selu", 1, 0, {}, floating_same},
    {OpId::Gelu, "gelu", 1, 0, {{"approximate", I, OPT}}, floating_same},
    {OpId::Softplus, "softplus", 1, 0, {}, floating_same},
    {OpId::Clip, "clip", 1, 0, {{"min", F, REQ}, {"max", F, REQ}}, floating_same},
    {OpId::LogicalNot, "logical_not", 1, 0, {}, bool_same},

    {OpId::Add, "add", 2, 0, {}, binary},
    {OpId::Sub, "sub", 2, 0, {}, binary},
    {OpId::Mul, "mul", 2, 0, {}, binary},
    {OpId::Div, "div", 2, 0, {}, binary},
    {OpId::Pow, "pow", 2, 0, {}, floating_binary},
    {OpId::Maximum, "maximum", 2, 0, {}, binary},
    {OpId::Minimum, "minimum", 2, 0, {}, binary},
    {OpId::Equal, "equal", 2, 0, {}, compare},
    {OpId::NotEqual, "not_equal", 2, 0, {}, compare},
    {OpId::Less, "less", 2, 0, {}, compare},
    {OpId::LessEqual, "less_equal", 2, 0, {}, compare},
    {OpId::Greater, "greater", 2, 0, {}, compare},
    {OpId::GreaterEqual, "greater_equal", 2, 0, {}, compare},
    {OpId::LogicalAnd, "logical_and", 2, 0, {}, logical_binary},
    {OpId::LogicalOr, "logical_or", 2, 0, {}, logical_binary},
    {OpId::LogicalXor, "logical_xor", 2, 0, {}, logical_binary},
    {OpId::Where, "where", 3, 1, {}, where},

    {OpId::Sum, "sum", 1, 0, {kAxes, kKeepDims}, reduce},
    {OpId::Mean, "mean", 1, 0, {kAxes, kKeepDims}, floating_reduce},
    {OpId::Max, "max", 1, 0, {kAxes, kKeepDims}, reduce},
    {OpId::Min, "min", 1, 0, {kAxes, kKeepDims}, reduce},
    {OpId::Prod, "prod", 1, 0, {kAxes, kKeepDims}, reduce},
    {OpId::Argmax, "argmax", 1, 0, {kAxis, kKeepDims}, arg_reduce},
    {OpId::Argmin, "argmin", 1, 0, {kAxis, kKeepDims}, arg_reduce},
    {OpId::Var, "var", 1, 0, {kAxes, kKeepDims, {"correction", I, OPT}}, floating_reduce},
    {OpId::Std, "std", 1, 0, {kAxes, kKeepDims, {"correction", I, OPT}}, floating_reduce},
    {OpId::LogSumExp, "logsumexp", 1, 0, {kAxes, kKeepDims}, floating_reduce},
    {OpId::All, "all", 1, 0, {kAxes, kKeepDims}, bool_reduce},
    {OpId::Any, "any", 1, 0, {kAxes, kKeepDims}, bool_reduce},

    {OpId::Matmul, "matmul", 2, 0, {}, matmul},

    {OpId::Reshape, "reshape", 1, 0, {kShape}, rules::reshape, views::reshape},
    {OpId::Permute, "permute", 1, 0, {{"perm", IS, REQ}}, rules::permute, views::strided},
    {OpId::Slice, "slice", 1, 0,
     {{"starts", IS, REQ}, {"stops", IS, OPT}, {"steps", IS, OPT}, kAxes}, rules::slice, views::slice},
    {OpId::BroadcastTo, "broadcast_to", 1, 0, {kShape}, rules::broadcast_to, views::broadcast_to},
    {OpId::Squeeze, "squeeze", 1, 0, {kAxes}, rules::squeeze, views::squeeze},
    {OpId::Unsqueeze, "unsqueeze", 1, 0, {kAxis}, rules::unsqueeze, views::unsqueeze},

    {OpId::Contiguous, "contiguous", 1, 0, {}, same},
    {OpId::Cast, "cast", 1, 0, {{"dtype", I, REQ}}, cast},
    {OpId::Concat, "concat", kVariadic, 0, {kAxis}, concat},
    {OpId::Stack, "stack", kVariadic, 0, {kAxis}, stack},
    {OpId::Split, "split", 1, 0, {kAxis, {"sizes", IS, OPT}, {"sections", I, OPT}}, split},
    {OpId::Pad, "pad", 1, 0, {{"pads", IS, REQ}, {"value", F, OPT}, {"mode", I, OPT}}, pad},
    {OpId::Tile, "tile", 1, 0, {{"reps", IS, REQ}}, tile},
    {OpId::Repeat, "repeat", 1, 0, {{"repeats", I, REQ}, kAxis}, repeat},
    {OpId::Flip, "flip", 1, 0, {kAxes}, flip},
    {OpId::Gather, "gather", 2, 0, {kAxis}, gather},
    {OpId::TakeAlongAxis, "take_along_axis", 2, 0, {kAxis}, take_along_axis},
    {OpId::OneHot, "one_hot", 1, 0, {{"depth", I, REQ}, kDType}, one_hot},

    {OpId::Softmax, "softmax", 1, 0, {kAxis}, softmax},
    {OpId::LogSoftmax, "log_softmax", 1, 0, {kAxis}, softmax},
};

static_assert(sizeof(kOps) / sizeof(kOps[0]) == kNumOps, "op_table.cpp and op_list.h disagree on the number of ops");

constexpr const char* kListNames[] = {
#define NR_OP_NAME(id, name) name,
    NR_OP_LIST(NR_OP_NAME)
#undef NR_OP_NAME
};

// The table is checked against the list once, so an entry out of order is caught at load, not by a wrong kernel.
bool table_matches_list() {
  for (int i = 0; i < kNumOps; ++i)
    if (static_cast<int>(kOps[i].id) != i || std::string(kOps[i].name) != kListNames[i]) return false;
  return true;
}

}  // namespace

const OpDef& op_def(OpId id) {
  static const bool ok = table_matches_list();
  if (!ok) fail(Status::Internal, "op table is out of order with op_list.h");
  int i = static_cast<int>(id);
  if (i < 0 || i >= kNumOps) fail(Status::InvalidArgument, "unknown op id ", i);
  return kOps[i];
}

const OpDef* find_op(const std::string& name) {
  static const std::unordered_map<std::string, const OpDef*> by_name = [] {
    std::unordered_map<std::string, const OpDef*> m;
    for (const OpDef& d : kOps) m.emplace(d.name, &d);
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
