// The gradient checker shared by every family's gradcheck cases: random f64 inputs in a chosen domain, optionally
// non-contiguous, analytic gradients from nr::grad against central differences.
//
// Tolerances: central differences with step 1e-6 in f64 have truncation error ~1e-12 times the third derivative and
// rounding error ~1e-16/1e-6 = 1e-10 relative to the loss scale, so |analytic - numeric| <= 1e-6 + 1e-5*|numeric|.
#pragma once

#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "neurite/autograd.hpp"
#include "neurite/ops.hpp"

namespace nrtest {

using namespace nr;

inline constexpr double kStep = 1e-6, kAbsTol = 1e-6, kRelTol = 1e-5;

enum class Domain { Any, Positive, AwayFromZero, Index, Bool };

struct Input {
  Shape shape;
  Domain domain = Domain::Any;
  int64_t index_bound = 0;  // for Domain::Index: values in [0, bound)
  bool transposed = false;  // pass a non-contiguous (transposed) view
};

struct GradCase {
  std::string op;
  std::vector<Input> inputs;
  Attrs attrs;
};

inline std::mt19937_64& gradcheck_rng() {
  static std::mt19937_64 rng(12345);
  return rng;
}

inline Tensor make_input(const Input& in) {
  Shape storage_shape = in.shape;
  if (in.transposed) std::swap(storage_shape[0], storage_shape[1]);
  int64_t n = numel_of(storage_shape);
  if (in.domain == Domain::Bool) {
    std::vector<bool> v(static_cast<size_t>(n));
    for (size_t i = 0; i < v.size(); ++i) v[i] = (gradcheck_rng()() & 1) != 0;
    return Tensor::from_vector(v, storage_shape);
  }
  if (in.domain == Domain::Index) {
    std::vector<int64_t> v(static_cast<size_t>(n));
    for (auto& x : v) x = std::uniform_int_distribution<int64_t>(0, in.index_bound - 1)(gradcheck_rng());
    return Tensor::from_vector(v, storage_shape);
  }
  std::vector<double> v(static_cast<size_t>(n));
  std::uniform_real_distribution<double> u(-2, 2);
  for (auto& x : v) {
    x = u(gradcheck_rng());
    if (in.domain == Domain::Positive) x = std::fabs(x) + 0.5;
    if (in.domain == Domain::AwayFromZero) x = (x < 0 ? -1 : 1) * (std::fabs(x) + 0.5);
  }
  Tensor t = Tensor::from_vector(v, storage_shape);
  return in.transposed ? ops::transpose(t, 0, 1) : t;
}

// L = sum_k sum(outputs[k] * weights[k]): every output element matters, with distinct weights.
inline Tensor loss_of(const std::vector<Tensor>& outs, const std::vector<Tensor>& weights) {
  Tensor total;
  for (size_t k = 0; k < outs.size(); ++k) {
    if (!is_floating(outs[k].dtype())) continue;
    Tensor term = ops::sum(ops::mul(outs[k], weights[k]));
    total = total.defined() ? ops::add(total, term) : term;
  }
  return total;
}

inline double scalar_of(const Tensor& t) { return t.to_vector<double>()[0]; }

inline bool check_case(const GradCase& c) {
  std::vector<Tensor> inputs;
  for (const Input& in : c.inputs) inputs.push_back(make_input(in));
  std::vector<Tensor> diff;  // the inputs we differentiate
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].dtype() == DType::F64) {
      inputs[i].set_requires_grad(true);
      diff.push_back(inputs[i]);
    }
  std::vector<Tensor> outs = call(c.op, inputs, c.attrs);
  std::vector<Tensor> weights;
  for (const Tensor& o : outs) weights.push_back(make_input({o.shape()}));
  std::vector<Tensor> analytic = nr::grad({loss_of(outs, weights)}, diff);

  bool ok = true;
  NoGradGuard no_grad;
  for (size_t k = 0; k < diff.size(); ++k) {
    // Perturb a contiguous copy element by element; rebuild the (possibly transposed) input from it.
    size_t which = 0;
    for (size_t i = 0; i < inputs.size(); ++i)
      if (inputs[i].shares_storage_with(diff[k])) which = i;
    std::vector<double> base = diff[k].to_vector<double>();
    std::vector<double> an = analytic[k].to_vector<double>();
    for (size_t e = 0; e < base.size(); ++e) {
      double l[2];
      for (int side = 0; side < 2; ++side) {
        std::vector<double> moved = base;
        moved[e] += side ? -kStep : kStep;
        std::vector<Tensor> in2 = inputs;
        in2[which] = Tensor::from_vector(moved, diff[k].shape());
        l[side] = scalar_of(loss_of(call(c.op, in2, c.attrs), weights));
      }
      double numeric = (l[0] - l[1]) / (2 * kStep);
      if (!(std::fabs(an[e] - numeric) <= kAbsTol + kRelTol * std::fabs(numeric))) {
        std::fprintf(stderr, "gradcheck %s: input %zu element %zu: analytic %.10g, numeric %.10g\n", c.op.c_str(),
                     which, e, an[e], numeric);
        ok = false;
        break;
      }
    }
  }
  return ok;
}

}  // namespace nrtest
