// Reverse-mode automatic differentiation, eager like PyTorch and TensorFlow 2's GradientTape.
//
// A floating-point tensor marked with set_requires_grad(true) makes every op that consumes it record a node on the
// tape (the node keeps what the op's gradient formula needs). backward() walks the tape from a scalar in reverse
// topological order, reduces broadcast gradients back to each input's shape, and accumulates into .grad() of the
// leaves; grad() returns gradients without touching .grad(). Gradient formulas are written with ops, so with
// create_graph the gradient is itself differentiable (second derivatives).
//
//   nr::Tensor w = nr::ops::random_normal({3, 1}, 7);
//   w.set_requires_grad(true);
//   nr::Tensor loss = nr::ops::sum(nr::ops::matmul(x, w));
//   loss.backward();                 // w.grad() == x summed over rows, as a column
//   { nr::NoGradGuard no_grad; ... } // ops inside record nothing
#pragma once

#include <vector>

#include "neurite/tensor.hpp"

namespace nr {

// Whether ops on this thread record nodes (default true).
bool grad_enabled();
void set_grad_enabled(bool enabled);

class NoGradGuard {
 public:
  NoGradGuard() : previous_(grad_enabled()) { set_grad_enabled(false); }
  ~NoGradGuard() { set_grad_enabled(previous_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

// Stops at the first op whose floating output holds NaN or Inf and raises a Numeric error naming the op and its input
// shapes. Off by default; NEURITE_CHECK_NUMERICS=1 switches it on at start-up.
bool check_numerics_enabled();
void set_check_numerics(bool enabled);

// d(sum of outputs[i] * grad_outputs[i]) / d inputs[j]. grad_outputs may be empty when every output is a scalar
// (then ones). A missing path to an input gives an undefined Tensor when allow_unused, else an InvalidArgument error.
// The graph is released afterwards unless retain_graph; create_graph records the backward pass for higher orders
// (and keeps the graph, which that record refers to).
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs = {}, bool retain_graph = false,
                         bool create_graph = false, bool allow_unused = false);

// Accumulates d(root)/d(leaf) into every leaf's grad(). root must be a scalar unless `gradient` is given.
void backward(const Tensor& root, const Tensor& gradient = Tensor(), bool retain_graph = false,
              bool create_graph = false);

}  // namespace nr
