// Every differentiable op of the table against central finite differences in float64, on random inputs, including
// broadcast shapes and non-contiguous inputs; a differentiable op without a case here fails the test. Also second
// derivatives (a gradient of a gradient) for the elementwise and matmul ops, and the tape's bookkeeping.
//
// Tolerances: central differences with step 1e-6 in f64 have truncation error ~1e-12·f''' and rounding error
// ~1e-16/1e-6 = 1e-10 relative to the loss scale, so |analytic - numeric| <= 1e-6 + 1e-5·|numeric|.
#include <cmath>
#include <map>
#include <random>
#include <set>

#include "autograd/node.h"
#include "check.h"
#include "neurite/autograd.hpp"
#include "neurite/ops.hpp"
#include "ops/gradients.h"
#include "ops/op_table.h"

using namespace nr;

namespace {

constexpr double kStep = 1e-6, kAbsTol = 1e-6, kRelTol = 1e-5;

enum class Domain { Any, Positive, AwayFromZero, Index, Bool };

struct Input {
  Shape shape;
  Domain domain = Domain::Any;
  int64_t index_bound = 0;  // for Domain::Index: values in [0, bound)
  bool transposed = false;  // pass a non-contiguous (transposed) view
};

struct Case {
  std::string op;
  std::vector<Input> inputs;
  Attrs attrs;
};

std::mt19937_64 rng(12345);

Tensor make_input(const Input& in) {
  Shape storage_shape = in.shape;
  if (in.transposed) std::swap(storage_shape[0], storage_shape[1]);
  int64_t n = numel_of(storage_shape);
  if (in.domain == Domain::Bool) {
    std::vector<bool> v(static_cast<size_t>(n));
    for (size_t i = 0; i < v.size(); ++i) v[i] = (rng() & 1) != 0;
    return Tensor::from_vector(v, storage_shape);
  }
  if (in.domain == Domain::Index) {
    std::vector<int64_t> v(static_cast<size_t>(n));
    for (auto& x : v) x = std::uniform_int_distribution<int64_t>(0, in.index_bound - 1)(rng);
    return Tensor::from_vector(v, storage_shape);
  }
  std::vector<double> v(static_cast<size_t>(n));
  std::uniform_real_distribution<double> u(-2, 2);
  for (auto& x : v) {
    x = u(rng);
    if (in.domain == Domain::Positive) x = std::fabs(x) + 0.5;
    if (in.domain == Domain::AwayFromZero) x = (x < 0 ? -1 : 1) * (std::fabs(x) + 0.5);
  }
  Tensor t = Tensor::from_vector(v, storage_shape);
  return in.transposed ? ops::transpose(t, 0, 1) : t;
}

// L = sum_k sum(outputs[k] * weights[k]): every output element matters, with distinct weights.
Tensor loss_of(const std::vector<Tensor>& outs, const std::vector<Tensor>& weights) {
  Tensor total;
  for (size_t k = 0; k < outs.size(); ++k) {
    if (!is_floating(outs[k].dtype())) continue;
    Tensor term = ops::sum(ops::mul(outs[k], weights[k]));
    total = total.defined() ? ops::add(total, term) : term;
  }
  return total;
}

double scalar_of(const Tensor& t) { return t.to_vector<double>()[0]; }

bool check_case(const Case& c) {
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

using A = Attrs;
using S = Shape;
const Domain P = Domain::Positive, Z = Domain::AwayFromZero;

std::vector<Case> cases() {
  std::vector<int64_t> all;
  return {
      {"neg", {{S{2, 3}}}}, {"abs", {{S{2, 3}, Z}}}, {"sign", {{S{2, 3}, Z}}}, {"exp", {{S{2, 3}}}},
      {"log", {{S{2, 3}, P}}}, {"log1p", {{S{2, 3}, P}}}, {"sqrt", {{S{2, 3}, P}}}, {"rsqrt", {{S{2, 3}, P}}},
      {"square", {{S{3, 2}, Domain::Any, 0, true}}}, {"reciprocal", {{S{2, 3}, Z}}}, {"sin", {{S{4}}}},
      {"cos", {{S{4}}}}, {"tanh", {{S{2, 3}}}}, {"sigmoid", {{S{2, 3}}}}, {"relu", {{S{2, 3}, Z}}},
      {"leaky_relu", {{S{2, 3}, Z}}, A().set("alpha", 0.2)}, {"elu", {{S{2, 3}, Z}}, A().set("alpha", 0.7)},
      {"selu", {{S{2, 3}, Z}}}, {"gelu", {{S{2, 3}}}}, {"gelu", {{S{2, 3}}}, A().set("approximate", int64_t(1))},
      {"softplus", {{S{2, 3}}}}, {"clip", {{S{2, 3}, Z}}, A().set("min", -1.0).set("max", 1.0)},
      {"add", {{S{3, 1}}, {S{1, 4}}}}, {"sub", {{S{2, 3}}, {S{3}}}}, {"mul", {{S{3, 2}, Domain::Any, 0, true}, {S{3, 2}}}},
      {"div", {{S{2, 3}}, {S{2, 1}, Z}}}, {"pow", {{S{2, 3}, P}, {S{2, 3}}}}, {"maximum", {{S{2, 3}}, {S{2, 3}}}},
      {"minimum", {{S{2, 3}}, {S{3}}}},
      {"sum", {{S{2, 3, 4}}}, A().set("axes", std::vector<int64_t>{0, 2})},
      {"sum", {{S{3, 2}, Domain::Any, 0, true}}, A().set("axes", std::vector<int64_t>{1}).set("keepdims", int64_t(1))},
      {"mean", {{S{2, 3, 4}}}, A().set("axes", std::vector<int64_t>{1})}, {"max", {{S{2, 5}}}, A().set("axes", std::vector<int64_t>{1})},
      {"min", {{S{4, 3}}}, A().set("axes", std::vector<int64_t>{0})}, {"prod", {{S{2, 3}, Z}}, A().set("axes", std::vector<int64_t>{1})},
      {"var", {{S{3, 4}}}, A().set("axes", std::vector<int64_t>{1}).set("correction", int64_t(1))},
      {"std", {{S{3, 4}}}, A().set("axes", std::vector<int64_t>{0})}, {"logsumexp", {{S{3, 4}}}, A().set("axes", std::vector<int64_t>{1})},
      {"matmul", {{S{3, 4}}, {S{4, 2}}}}, {"matmul", {{S{3, 4}, Domain::Any, 0, true}, {S{2, 4, 2}}}},
      {"matmul", {{S{4}}, {S{4, 3}}}}, {"matmul", {{S{2, 3, 4}}, {S{4}}}},
      {"reshape", {{S{2, 3}}}, A().set("shape", std::vector<int64_t>{3, 2})},
      {"permute", {{S{2, 3, 4}}}, A().set("perm", std::vector<int64_t>{2, 0, 1})},
      {"slice", {{S{5, 4}}}, A().set("starts", std::vector<int64_t>{4, 0}).set("stops", std::vector<int64_t>{0, 4})
                                  .set("steps", std::vector<int64_t>{-2, 3})},
      {"broadcast_to", {{S{3, 1}}}, A().set("shape", std::vector<int64_t>{2, 3, 4})},
      {"squeeze", {{S{2, 1, 3}}}}, {"unsqueeze", {{S{2, 3}}}, A().set("axis", int64_t(1))},
      {"contiguous", {{S{3, 2}, Domain::Any, 0, true}}}, {"cast", {{S{2, 3}}}, A().set("dtype", DType::F64)},
      {"concat", {{S{2, 3}}, {S{2, 2}}}, A().set("axis", int64_t(1))}, {"stack", {{S{2, 3}}, {S{2, 3}}}, A().set("axis", int64_t(1))},
      {"split", {{S{5, 2}}}, A().set("axis", int64_t(0)).set("sizes", std::vector<int64_t>{2, 3})},
      {"pad", {{S{2, 3}}}, A().set("pads", std::vector<int64_t>{1, 0, 2, 1})},
      {"pad", {{S{3, 4}}}, A().set("pads", std::vector<int64_t>{2, 1, 1, 3}).set("mode", int64_t(1))},
      {"pad", {{S{2, 3}}}, A().set("pads", std::vector<int64_t>{1, 2, 0, 2}).set("mode", int64_t(2))},
      {"tile", {{S{2, 3}}}, A().set("reps", std::vector<int64_t>{2, 1, 2})}, {"repeat", {{S{2, 3}}}, A().set("repeats", int64_t(2)).set("axis", int64_t(1))},
      {"flip", {{S{2, 3}}}, A().set("axes", std::vector<int64_t>{1})},
      {"gather", {{S{4, 3}}, {S{2, 2}, Domain::Index, 4}}, A().set("axis", int64_t(0))},
      {"take_along_axis", {{S{3, 4}}, {S{3, 2}, Domain::Index, 4}}, A().set("axis", int64_t(1))},
      {"softmax", {{S{3, 4}}}, A().set("axis", int64_t(-1))}, {"log_softmax", {{S{3, 4}}}, A().set("axis", int64_t(0))},
      {"where", {{S{2, 3}, Domain::Bool}, {S{2, 3}}, {S{3}}}},
      {"slice_scatter", {{S{4, 3}}, {S{2, 3}}}, A().set("starts", std::vector<int64_t>{0}).set("steps", std::vector<int64_t>{2})},
      {"scatter_add", {{S{4, 2}}, {S{3, 2}, Domain::Index, 4}, {S{3, 2}}}, A().set("axis", int64_t(0))},
  };
}

}  // namespace

TEST(every_differentiable_op_matches_finite_differences) {
  std::set<std::string> covered;
  for (Case c : cases()) {
    covered.insert(c.op);
    bool ok;
    try {
      ok = check_case(c);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "gradcheck %s threw: %s\n", c.op.c_str(), e.what());
      ok = false;
    }
    CHECK(ok);
  }
  for (int i = 0; i < kNumOps; ++i) {
    OpId id = static_cast<OpId>(i);
    if (gradient_of(id) && !covered.count(op_def(id).name)) {
      std::fprintf(stderr, "differentiable op %s has no gradcheck case\n", op_def(id).name);
      CHECK(false);
    }
  }
}

TEST(second_derivatives) {
  // d²/dx² of sum(tanh(x)·x) and of x³ through mul; d²/dw² through matmul is 0 but its mixed term is not.
  Tensor x = Tensor::from_vector<double>({0.3, -1.2, 2.0}, {3});
  x.set_requires_grad(true);
  Tensor y = ops::sum(ops::mul(ops::mul(x, x), x));
  Tensor g = nr::grad({y}, {x}, {}, false, true)[0];   // 3x²
  Tensor h = nr::grad({ops::sum(g)}, {x})[0];          // 6x
  auto hv = h.to_vector<double>();
  CHECK_NEAR(hv[0], 1.8, 1e-12);
  CHECK_NEAR(hv[1], -7.2, 1e-12);
  CHECK_NEAR(hv[2], 12.0, 1e-12);

  Tensor a = Tensor::from_vector<double>({1, 2, 3, 4}, {2, 2});
  Tensor w = Tensor::from_vector<double>({0.5, -1, 2, 0.25}, {2, 2});
  a.set_requires_grad(true);
  w.set_requires_grad(true);
  Tensor l = ops::sum(ops::tanh(ops::matmul(a, w)));
  Tensor ga = nr::grad({l}, {a}, {}, false, true)[0];
  Tensor gw = nr::grad({ops::sum(ops::mul(ga, ga))}, {w})[0];
  // Finite differences of w -> sum(ga(w)²).
  NoGradGuard no_grad;
  auto base = w.to_vector<double>();
  auto an = gw.to_vector<double>();
  for (size_t e = 0; e < base.size(); ++e) {
    double f[2];
    for (int side = 0; side < 2; ++side) {
      std::vector<double> m = base;
      m[e] += side ? -kStep : kStep;
      Tensor wm = Tensor::from_vector(m, {2, 2});
      Tensor t = ops::tanh(ops::matmul(a.detach(), wm));
      Tensor d = ops::sub(ops::ones({2, 2}, DType::F64), ops::mul(t, t));    // tanh'
      Tensor gam = ops::matmul(d, ops::transpose(wm, 0, 1));                 // dL/da
      f[side] = ops::sum(ops::mul(gam, gam)).to_vector<double>()[0];
    }
    CHECK_NEAR(an[e], (f[0] - f[1]) / (2 * kStep), kAbsTol + kRelTol * std::fabs(an[e]));
  }
}

TEST(backward_accumulates_and_frees_the_graph) {
  Tensor w = Tensor::from_vector<double>({1, 2, 3}, {3});
  w.set_requires_grad(true);
  Tensor loss = ops::sum(ops::mul(w, w));
  loss.backward(Tensor(), true);
  loss.backward();  // accumulates: 2·(2w)
  auto g = w.grad().to_vector<double>();
  CHECK((g == std::vector<double>{4, 8, 12}));
  CHECK_THROWS(loss.backward(), Status::InvalidArgument, "already freed");
  CHECK(w.is_leaf());
  CHECK(!loss.is_leaf());
  {
    NoGradGuard no_grad;
    CHECK(!ops::mul(w, w).requires_grad());
  }
  CHECK(!ops::mul(w.detach(), w.detach()).requires_grad());
  CHECK_THROWS(ops::argmax(w, 0).set_requires_grad(true), Status::DType, "requires_grad");
  CHECK_THROWS(ops::sum(ops::mul(w.detach(), w.detach())).backward(), Status::InvalidArgument, "does not require grad");
}

TEST(check_numerics_names_the_first_bad_op) {
  set_check_numerics(true);
  Tensor x = Tensor::from_vector<float>({1, 0, -1}, {1, 3});
  Tensor y = ops::exp(x);  // fine
  CHECK_THROWS(ops::log(ops::sub(x, Tensor::from_vector<float>({1, 0, 0}, {1, 3}))), Status::Numeric,
               "check_numerics: log produced NaN or Inf in output 0 [1,3] from inputs (f32[1,3])");
  set_check_numerics(false);
  CHECK(ops::log(x).numel() == 3);
}

TEST_MAIN()
