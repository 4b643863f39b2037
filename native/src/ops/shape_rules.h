// Shape rules of the op table, grouped by op family. Each validates its inputs and attributes and returns the
// output metas; no rule touches tensor data.
#pragma once

#include "ops/op_table.h"

namespace nr::rules {

#define NR_RULE(fn) std::vector<TensorMeta> fn(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs)
NR_RULE(creation);
NR_RULE(arange);
NR_RULE(linspace);
NR_RULE(eye);
NR_RULE(same);
NR_RULE(floating_same);
NR_RULE(bool_same);
NR_RULE(binary);
NR_RULE(floating_binary);
NR_RULE(compare);
NR_RULE(logical_binary);
NR_RULE(where);
NR_RULE(reduce);
NR_RULE(floating_reduce);
NR_RULE(bool_reduce);
NR_RULE(arg_reduce);
NR_RULE(matmul);
NR_RULE(reshape);
NR_RULE(permute);
NR_RULE(slice);
NR_RULE(broadcast_to);
NR_RULE(squeeze);
NR_RULE(unsqueeze);
NR_RULE(cast);
NR_RULE(concat);
NR_RULE(stack);
NR_RULE(split);
NR_RULE(pad);
NR_RULE(tile);
NR_RULE(repeat);
NR_RULE(flip);
NR_RULE(gather);
NR_RULE(take_along_axis);
NR_RULE(one_hot);
NR_RULE(softmax);
NR_RULE(slice_scatter);
NR_RULE(scatter_add);
NR_RULE(gelu_grad);
#undef NR_RULE

// Resolved slice parameters (one entry per dim of the input), shared by the view function and the gradient.
struct SliceSpec {
  Shape start, step, size;
};
SliceSpec resolve_slice(const char* op, const Shape& shape, const Attrs& attrs);
// Resolved reshape target (one -1 filled in).
Shape resolve_reshape(const char* op, const Shape& from, const std::vector<int64_t>& to);

}  // namespace nr::rules
