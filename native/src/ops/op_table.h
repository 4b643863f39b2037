// The op table: for each op its name, inputs, attributes, shape rule and (for views) how it aliases its input.
// Backends only supply kernels; everything a caller can get wrong is checked here, before any kernel runs.
#pragma once

#include <string>
#include <vector>

#include "neurite/attrs.hpp"
#include "neurite/tensor.hpp"
#include "ops/op_list.h"

namespace nr {

struct TensorMeta {
  DType dtype;
  Shape shape;
};

struct OpDef;

struct AttrDef {
  const char* name;
  AttrKind kind;
  bool required;
};

// Computes output dtypes and shapes from input metas and attributes; throws nr::Error naming the op and shapes.
using InferFn = std::vector<TensorMeta> (*)(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs);
// For ops whose result aliases the input's storage. Gets the shapes the rule inferred.
using ViewFn = std::vector<Tensor> (*)(const std::vector<Tensor>& in, const Attrs& attrs,
                                        const std::vector<TensorMeta>& out);
// For composite ops: the result computed with other ops, on any backend; the gradient comes from those parts
// (STYLE.md: composites get their gradient from their parts).
using ComposeFn = std::vector<Tensor> (*)(const std::vector<Tensor>& in, const Attrs& attrs);

struct OpDef {
  OpId id;
  const char* name;
  const char* doc;   // one line, for docs/OPS.md
  int num_inputs;    // kVariadic: one or more
  int dtype_input;   // which input's dtype selects the kernel; -1: the first output's
  std::vector<AttrDef> attrs;
  InferFn infer;
  ViewFn view = nullptr;
  uint32_t mutates = 0;  // bit i: the op writes input i in place (optimizer updates); such ops have no gradient
  ComposeFn compose = nullptr;  // set for composite ops, which have no kernel of their own
};

constexpr int kVariadic = -1;

// Each family's definitions, in the order of its list (op_table_<family>.cpp).
std::vector<OpDef> conv_op_defs();
std::vector<OpDef> nn_op_defs();
std::vector<OpDef> rnn_op_defs();
std::vector<OpDef> optim_op_defs();

const OpDef& op_def(OpId id);
// nullptr when no op has that name.
const OpDef* find_op(const std::string& name);

// Checks attribute names and kinds against the op's declaration.
void validate_attrs(const OpDef& def, const Attrs& attrs);

}  // namespace nr
