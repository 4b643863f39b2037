// Runs an op: validates inputs and attributes against the op table, infers output shapes, returns a view for view
// ops, else allocates the outputs and runs the backend's kernel.
#pragma once

#include "ops/op_table.h"

namespace nr {

std::vector<Tensor> call(OpId op, const std::vector<Tensor>& inputs, const Attrs& attrs = Attrs());

}  // namespace nr
