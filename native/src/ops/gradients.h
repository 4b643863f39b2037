// The gradient table: for each differentiable op, its vector-Jacobian product written with other ops (tinygrad's
// gradient.py, PyTorch's derivatives.yaml). Because formulas are ops, every backend gets them and, with
// create_graph, they are differentiable again.
#pragma once

#include <vector>

#include "autograd/node.h"

namespace nr {

struct GradContext {
  const Node& node;                         // inputs, attributes
  const std::vector<Tensor>& outputs;       // the op's results; attached to the node when the pass records itself
  const std::vector<Tensor>& grad_outputs;  // one per output, defined (zeros where nothing flowed)
  const std::vector<bool>& needs;           // per input: whether its gradient is wanted
  const Tensor& in(size_t i) const { return node.inputs[i]; }
  const Tensor& out(size_t i = 0) const { return outputs[i]; }
  const Tensor& g(size_t i = 0) const { return grad_outputs[i]; }
  const Attrs& attrs() const { return node.attrs; }
};

// Returns one gradient per input, at the op's output shape or the input's shape (the engine sums broadcast dims
// away); an undefined Tensor where an input needs none.
using GradFn = std::vector<Tensor> (*)(const GradContext& ctx);

// nullptr for ops that are not differentiable (comparisons, argmax, integer ops, creation).
GradFn gradient_of(OpId op);

struct GradEntry {
  OpId op;
  GradFn fn;
};
// Each family's formulas (gradients_<family>.cpp), merged by gradient_of.
std::vector<GradEntry> conv_gradients();
std::vector<GradEntry> nn_gradients();
std::vector<GradEntry> rnn_gradients();

}  // namespace nr
