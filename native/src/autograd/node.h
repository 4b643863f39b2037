// The tape: nodes recorded by ops whose inputs require gradients, and the per-tensor autograd state.
#pragma once

#include <memory>
#include <vector>

#include "neurite/attrs.hpp"
#include "neurite/tensor.hpp"
#include "ops/op_list.h"

namespace nr {

struct Node {
  OpId op;
  Attrs attrs;
  std::vector<Tensor> inputs;        // what the op consumed (they keep their own grad_fn: the edges of the graph)
  std::vector<Tensor> outputs;       // detached aliases of the results (no autograd state: no reference cycle)
  std::vector<uint64_t> input_versions;  // storage versions at record time, to catch in-place changes
  std::vector<bool> needs_grad;      // per input
  uint64_t sequence = 0;             // creation order
  bool released = false;             // saved tensors freed by a backward pass without retain_graph
};

struct AutogradMeta {
  bool requires_grad = false;
  Tensor grad;                       // accumulated by backward() on leaves
  std::shared_ptr<Node> grad_fn;     // null for leaves
  int output_index = 0;
};

// Records `node` as the producer of `outputs` when gradients are enabled and some input requires them. Called by the
// dispatcher after every op.
void record(OpId op, const Attrs& attrs, const std::vector<Tensor>& inputs, std::vector<Tensor>& outputs);

}  // namespace nr
