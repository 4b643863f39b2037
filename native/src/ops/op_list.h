// The list of every op, in table order: the core ops here, then each family's list from its own header. Adding an
// op: a line in its family's list, its definition in that family's op_table file (the table is checked against
// this list at load), a CPU kernel, a gradient if it is differentiable, and tests; the op-doc, kernel-coverage and
// gradcheck-coverage tests fail until all exist.
#pragma once

#include "ops/op_list_conv.h"
#include "ops/op_list_nn.h"
#include "ops/op_list_optim.h"
#include "ops/op_list_rnn.h"

#define NR_OP_LIST_CORE(X)                                                                                         \
  /* creation */                                                                                                 \
  X(Zeros, "zeros") X(Ones, "ones") X(Full, "full") X(Arange, "arange") X(Linspace, "linspace") X(Eye, "eye")    \
  X(RandomUniform, "random_uniform") X(RandomNormal, "random_normal") X(TruncatedNormal, "truncated_normal")    \
  /* unary elementwise */                                                                                        \
  X(Neg, "neg") X(Abs, "abs") X(Sign, "sign") X(Exp, "exp") X(Log, "log") X(Log1p, "log1p") X(Sqrt, "sqrt")     \
  X(Rsqrt, "rsqrt") X(Square, "square") X(Reciprocal, "reciprocal") X(Sin, "sin") X(Cos, "cos")                 \
  X(Tanh, "tanh") X(Sigmoid, "sigmoid") X(Relu, "relu") X(LeakyRelu, "leaky_relu") X(Elu, "elu")                \
  X(Selu, "selu") X(Gelu, "gelu") X(Softplus, "softplus") X(Clip, "clip") X(LogicalNot, "logical_not")         \
  /* binary elementwise, broadcasting */                                                                         \
  X(Add, "add") X(Sub, "sub") X(Mul, "mul") X(Div, "div") X(Pow, "pow") X(Maximum, "maximum")                   \
  X(Minimum, "minimum") X(Equal, "equal") X(NotEqual, "not_equal") X(Less, "less")                              \
  X(LessEqual, "less_equal") X(Greater, "greater") X(GreaterEqual, "greater_equal")                             \
  X(LogicalAnd, "logical_and") X(LogicalOr, "logical_or") X(LogicalXor, "logical_xor") X(Where, "where")       \
  /* reductions */                                                                                               \
  X(Sum, "sum") X(Mean, "mean") X(Max, "max") X(Min, "min") X(Prod, "prod") X(Argmax, "argmax")                 \
  X(Argmin, "argmin") X(Var, "var") X(Std, "std") X(LogSumExp, "logsumexp") X(All, "all") X(Any, "any")         \
  /* linear algebra */                                                                                           \
  X(Matmul, "matmul")                                                                                            \
  /* views (no kernel: they share storage) */                                                                    \
  X(Reshape, "reshape") X(Permute, "permute") X(Slice, "slice") X(BroadcastTo, "broadcast_to")                  \
  X(Squeeze, "squeeze") X(Unsqueeze, "unsqueeze")                                                                \
  /* shape ops that copy */                                                                                      \
  X(Contiguous, "contiguous") X(Cast, "cast") X(Concat, "concat") X(Stack, "stack") X(Split, "split")          \
  X(Pad, "pad") X(Tile, "tile") X(Repeat, "repeat") X(Flip, "flip") X(Gather, "gather")                         \
  X(TakeAlongAxis, "take_along_axis") X(OneHot, "one_hot")                                                       \
  /* normalisation over an axis */                                                                               \
  X(Softmax, "softmax") X(LogSoftmax, "log_softmax")                                                             \
  /* used by gradients (and useful on their own) */                                                             \
  X(SliceScatter, "slice_scatter") X(ScatterAdd, "scatter_add") X(GeluGrad, "gelu_grad")

#define NR_OP_LIST(X) NR_OP_LIST_CORE(X) NR_OP_LIST_CONV(X) NR_OP_LIST_NN(X) NR_OP_LIST_RNN(X) NR_OP_LIST_OPTIM(X)

namespace nr {

enum class OpId : int32_t {
#define NR_OP_ENUM(id, name) id,
  NR_OP_LIST(NR_OP_ENUM)
#undef NR_OP_ENUM
      Count
};

constexpr int kNumOps = static_cast<int>(OpId::Count);

}  // namespace nr
