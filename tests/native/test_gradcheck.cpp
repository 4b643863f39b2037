// Every differentiable op of the table against central finite differences in float64 (see gradcheck.h), on random
// inputs, including broadcast shapes and non-contiguous inputs; a differentiable op without a case here or in a
// family's gradcheck_cases_*.h fails the test. Also second derivatives (a gradient of a gradient) for the
// elementwise and matmul ops, and the tape's bookkeeping.
#include <cmath>
#include <map>
#include <random>
#include <set>

#include "autograd/node.h"
#include "check.h"
#include "gradcheck.h"
#include "gradcheck_cases_conv.h"
#include "gradcheck_cases_nn.h"
#include "gradcheck_cases_rnn.h"
#include "neurite/autograd.hpp"
#include "neurite/ops.hpp"
#include "ops/gradients.h"
#include "ops/op_table.h"

using namespace nr;

namespace {

using namespace nrtest;

using A = Attrs;
using S = Shape;
const Domain P = Domain::Positive, Z = Domain::AwayFromZero;

std::vector<GradCase> core_cases() {
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
  std::vector<GradCase> all = core_cases();
  for (auto family : {conv_gradcheck_cases, nn_gradcheck_cases, rnn_gradcheck_cases}) {
    std::vector<GradCase> more = family();
    all.insert(all.end(), more.begin(), more.end());
  }
  for (const GradCase& c : all) {
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

TEST(gradients_never_pass_silently_through_ops_without_a_formula) {
  Tensor x = Tensor::from_vector<double>({1, 2, 3}, {3});
  x.set_requires_grad(true);
  // gelu_grad has no formula of its own: differentiating through it must fail loudly.
  Tensor g = call("gelu_grad", {x, ops::ones({3}, DType::F64)})[0];
  CHECK(g.requires_grad());
  CHECK_THROWS(nr::grad({ops::sum(g)}, {x}), Status::Unsupported, "gelu_grad has no gradient formula");
  // Integer results simply carry no history.
  CHECK(!ops::argmax(x, 0).requires_grad());
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
