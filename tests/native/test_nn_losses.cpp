// The composite losses of the nn family (mse, mae, huber, the cross-entropies from probabilities, reduce_loss, the
// weight penalties) against double-precision reference loops written here. f32 is compared with 1e-5 relative to the
// largest reference value (inputs and each part round once in f32), f64 with 1e-12.
#include <algorithm>
#include <cmath>
#include <random>

#include "check.h"
#include "test_util.h"
#include "neurite/autograd.hpp"
#include "neurite/ops.hpp"

using namespace nr;

namespace {

using namespace nrtest;

using D = std::vector<double>;

template <class T>
constexpr double tol() {
  return sizeof(T) == 4 ? 1e-5 : 1e-12;
}

// Per-sample loss over rows of length k (the last axis): f(p, t) summed then divided by k when `mean`.
template <class F>
D per_row(const D& a, const D& b, int64_t k, bool mean, F f) {
  D out(a.size() / static_cast<size_t>(k), 0.0);
  for (size_t i = 0; i < a.size(); ++i) out[i / static_cast<size_t>(k)] += f(a[i], b[i]);
  if (mean)
    for (double& o : out) o /= static_cast<double>(k);
  return out;
}

double clipd(double p, double eps) { return std::min(std::max(p, eps), 1 - eps); }

template <class T>
void check_elementwise_losses() {
  const Shape shape{3, 5};
  D pred = rounded<T>(random_values(15, 1, -3, 3)), target = rounded<T>(random_values(15, 2, -3, 3));
  Tensor p = tensor_of<T>(pred, shape), t = tensor_of<T>(target, shape);
  CHECK(close(values(call("mse", {p, t})[0]), per_row(pred, target, 5, true, [](double a, double b) {
    return (a - b) * (a - b);
  }), tol<T>(), "mse"));
  CHECK(close(values(call("mae", {p, t})[0]),
              per_row(pred, target, 5, true, [](double a, double b) { return std::fabs(a - b); }), tol<T>(), "mae"));
  for (double delta : {1.0, 0.7, 5.0}) {
    auto huber = [delta](double a, double b) {
      double d = std::fabs(a - b);
      return d <= delta ? 0.5 * d * d : delta * d - 0.5 * delta * delta;
    };
    CHECK(close(values(call("huber", {p, t}, Attrs().set("delta", delta))[0]), per_row(pred, target, 5, true, huber),
                tol<T>(), "huber"));
  }
  // Non-contiguous inputs: transposed views of [5, 3] storage.
  Tensor pt = ops::transpose(tensor_of<T>(pred, {5, 3}), 0, 1), tt = ops::transpose(tensor_of<T>(target, {5, 3}), 0, 1);
  D pv = values(pt), tv = values(tt);
  CHECK(close(values(call("mse", {pt, tt})[0]), per_row(pv, tv, 5, true, [](double a, double b) {
    return (a - b) * (a - b);
  }), tol<T>(), "mse transposed"));
  // Rank 1: a single sample gives a scalar.
  Tensor one = call("mae", {tensor_of<T>({1, 2, 3}, {3}), tensor_of<T>({3, 2, 1}, {3})})[0];
  CHECK(one.shape().empty());
  CHECK_NEAR(values(one)[0], 4.0 / 3, tol<T>());
}

template <class T>
void check_cross_entropies() {
  const double eps = 1e-7;
  // Probabilities including exact 0 and 1: the clip keeps every log finite.
  D probs = rounded<T>(random_values(12, 3, 0.05, 0.95));
  probs[0] = 0, probs[1] = 1, probs[5] = 0;
  D target = rounded<T>(random_values(12, 4, 0, 1));
  target[0] = 1, target[1] = 0, target[5] = 0;
  Tensor p = tensor_of<T>(probs, {3, 4}), t = tensor_of<T>(target, {3, 4});
  double e32 = static_cast<double>(static_cast<T>(eps)), hi = static_cast<double>(static_cast<T>(1 - eps));
  auto bce = [&](double a, double b) {
    double c = std::min(std::max(a, e32), hi);
    return -(b * std::log(c) + (1 - b) * std::log(1 - c));
  };
  D got = values(call("binary_cross_entropy", {p, t})[0]);
  for (double g : got) CHECK(std::isfinite(g));
  CHECK(close(got, per_row(probs, target, 4, true, bce), sizeof(T) == 4 ? 1e-4 : 1e-12, "binary_cross_entropy"));

  // categorical along the last axis and along axis 0 (a column per sample).
  D cat = values(call("categorical_cross_entropy", {p, t})[0]);
  D ref(3, 0.0);
  for (int r = 0; r < 3; ++r) {
    double total = 0;
    for (int k = 0; k < 4; ++k) total += probs[r * 4 + k];
    for (int k = 0; k < 4; ++k) ref[r] -= target[r * 4 + k] * std::log(clipd(probs[r * 4 + k] / total, eps));
  }
  for (double g : cat) CHECK(std::isfinite(g));
  CHECK(close(cat, ref, sizeof(T) == 4 ? 1e-4 : 1e-12, "categorical_cross_entropy"));
  D cat0 = values(call("categorical_cross_entropy", {p, t}, Attrs().set("axis", int64_t(0)))[0]);
  D ref0(4, 0.0);
  for (int k = 0; k < 4; ++k) {
    double total = 0;
    for (int r = 0; r < 3; ++r) total += probs[r * 4 + k];
    for (int r = 0; r < 3; ++r) ref0[k] -= target[r * 4 + k] * std::log(clipd(probs[r * 4 + k] / total, eps));
  }
  CHECK(close(cat0, ref0, sizeof(T) == 4 ? 1e-4 : 1e-12, "categorical_cross_entropy axis 0"));

  // sparse: labels pick the exact 0 and 1 probabilities too.
  Tensor labels = Tensor::from_vector<int32_t>({0, 1, 3}, {3});
  D sparse = values(call("sparse_categorical_cross_entropy", {p, labels})[0]);
  D sref{-std::log(e32), -std::log(clipd(probs[5], e32)), -std::log(clipd(probs[11], e32))};
  for (double g : sparse) CHECK(std::isfinite(g));
  CHECK(close(sparse, sref, sizeof(T) == 4 ? 1e-4 : 1e-12, "sparse_categorical_cross_entropy"));
  Tensor labels0 = Tensor::from_vector<int64_t>({2, 0, 1, 2}, {4});
  D sparse0 = values(call("sparse_categorical_cross_entropy", {p, labels0}, Attrs().set("axis", int64_t(0)))[0]);
  D sref0(4);
  for (int k = 0; k < 4; ++k) sref0[k] = -std::log(clipd(probs[static_cast<size_t>(labels0.to_vector<int64_t>()[k] * 4 + k)], e32));
  CHECK(close(sparse0, sref0, sizeof(T) == 4 ? 1e-4 : 1e-12, "sparse_categorical_cross_entropy axis 0"));
}

template <class T>
void check_reduce_and_penalties() {
  D losses = rounded<T>(random_values(6, 5, 0, 2)), w = rounded<T>(random_values(2, 6, 0, 1));
  Tensor l = tensor_of<T>(losses, {2, 3}), sw = tensor_of<T>(w, {2, 1});
  D weighted(6);
  double total = 0;
  for (size_t i = 0; i < 6; ++i) total += weighted[i] = losses[i] * w[i / 3];
  auto reduce = [&](int64_t r, const Tensor& weights) {
    return values(call("reduce_loss", {l, weights}, Attrs().set("reduction", r))[0]);
  };
  CHECK(close(reduce(0, sw), weighted, tol<T>(), "reduce_loss none"));
  CHECK(close(reduce(1, sw), {total}, tol<T>(), "reduce_loss sum"));
  CHECK(close(reduce(2, sw), {total / 6}, tol<T>(), "reduce_loss mean"));
  double plain = 0;
  for (double v : losses) plain += v;
  CHECK(close(values(call("reduce_loss", {l, tensor_of<T>({1}, {})})[0]), {plain / 6}, tol<T>(), "reduce_loss default"));
  // An empty batch: the mean is 0, not 0/0.
  D empty = values(call("reduce_loss", {tensor_of<T>({}, {0}), tensor_of<T>({1}, {})})[0]);
  CHECK(empty.size() == 1 && empty[0] == 0);

  D wv = rounded<T>(random_values(12, 7, -2, 2));
  Tensor wt = tensor_of<T>(wv, {3, 4});
  double l1 = 0, l2 = 0;
  for (double v : wv) l1 += std::fabs(v), l2 += v * v;
  CHECK(close(values(call("l1_penalty", {wt}, Attrs().set("l1", 0.3))[0]), {0.3 * l1}, tol<T>(), "l1_penalty"));
  CHECK(close(values(call("l2_penalty", {wt}, Attrs().set("l2", 0.2))[0]), {0.2 * l2}, tol<T>(), "l2_penalty"));
  CHECK(close(values(call("l2_penalty", {wt})[0]), {0.01 * l2}, tol<T>(), "l2_penalty default"));
}

// Central differences of sum(op(inputs) * weights) against nr::grad for input `which`, f64.
bool gradient_matches(const char* op, std::vector<Tensor> inputs, size_t which, const Attrs& attrs = Attrs()) {
  inputs[which].set_requires_grad(true);
  Tensor out = call(op, inputs, attrs)[0];
  Tensor weights = Tensor::from_vector(random_values(out.numel(), 9, 0.5, 1.5), out.shape());
  Tensor analytic = nr::grad({ops::sum(ops::mul(out, weights))}, {inputs[which]})[0];
  NoGradGuard no_grad;
  D base = inputs[which].to_vector<double>(), an = analytic.to_vector<double>();
  for (size_t e = 0; e < base.size(); ++e) {
    double side[2];
    for (int s = 0; s < 2; ++s) {
      D moved = base;
      moved[e] += s ? -1e-6 : 1e-6;
      std::vector<Tensor> in2 = inputs;
      in2[which] = Tensor::from_vector(moved, inputs[which].shape());
      side[s] = ops::sum(ops::mul(call(op, in2, attrs)[0], weights)).to_vector<double>()[0];
    }
    double numeric = (side[0] - side[1]) / 2e-6;
    if (!(std::fabs(an[e] - numeric) <= 1e-6 + 1e-5 * std::fabs(numeric))) {
      std::fprintf(stderr, "%s: element %zu: analytic %.10g, numeric %.10g\n", op, e, an[e], numeric);
      return false;
    }
  }
  return true;
}

}  // namespace

TEST(elementwise_losses_match_references) {
  check_elementwise_losses<float>();
  check_elementwise_losses<double>();
}

TEST(cross_entropies_match_references_and_stay_finite_at_0_and_1) {
  check_cross_entropies<float>();
  check_cross_entropies<double>();
}

TEST(reduce_loss_and_penalties_match_references) {
  check_reduce_and_penalties<float>();
  check_reduce_and_penalties<double>();
}

TEST(cross_entropy_gradients_inside_the_clip) {
  Tensor probs = Tensor::from_vector(random_values(12, 11, 0.1, 0.9), {3, 4});
  Tensor targets = Tensor::from_vector(random_values(12, 12, 0, 1), {3, 4});
  CHECK(gradient_matches("binary_cross_entropy", {probs, targets}, 0));
  CHECK(gradient_matches("binary_cross_entropy", {probs, targets}, 1));
  CHECK(gradient_matches("categorical_cross_entropy", {probs, targets}, 0));
  Tensor labels = Tensor::from_vector<int64_t>({3, 0, 2}, {3});
  CHECK(gradient_matches("sparse_categorical_cross_entropy", {probs, labels}, 0));
  Tensor labels0 = Tensor::from_vector<int32_t>({2, 1, 0, 2}, {4});
  CHECK(gradient_matches("sparse_categorical_cross_entropy", {probs, labels0}, 0, Attrs().set("axis", int64_t(0))));
}

TEST(clipped_probabilities_give_finite_gradients) {
  Tensor probs = Tensor::from_vector<double>({0, 1, 0.5, 1, 0, 0}, {2, 3});
  probs.set_requires_grad(true);
  Tensor targets = Tensor::from_vector<double>({1, 0, 1, 0, 1, 0}, {2, 3});
  for (const char* op : {"binary_cross_entropy", "categorical_cross_entropy"}) {
    Tensor loss = ops::sum(call(op, {probs, targets})[0]);
    for (double g : nr::grad({loss}, {probs})[0].to_vector<double>()) CHECK(std::isfinite(g));
  }
}

TEST(errors_name_the_op_and_shapes) {
  Tensor a = ops::zeros({2, 3}), b = ops::zeros({3, 2}), s = ops::zeros({});
  CHECK_THROWS(call("mse", {a, b}), Status::Shape, "mse: target [3,2] must have the shape of pred [2,3]");
  CHECK_THROWS(call("mae", {s, s}), Status::Shape, "mae: pred is a scalar");
  CHECK_THROWS(call("huber", {a, ops::zeros({2, 3}, DType::F64)}), Status::DType, "huber: target is f64");
  CHECK_THROWS(call("huber", {a, a}, Attrs().set("delta", 0.0)), Status::InvalidArgument, "huber: delta");
  CHECK_THROWS(call("binary_cross_entropy", {a, b}), Status::Shape, "binary_cross_entropy: targets [3,2]");
  CHECK_THROWS(call("binary_cross_entropy", {a, a}, Attrs().set("epsilon", 0.7)), Status::InvalidArgument,
               "binary_cross_entropy: epsilon");
  CHECK_THROWS(call("categorical_cross_entropy", {a, b}), Status::Shape, "categorical_cross_entropy: targets [3,2]");
  CHECK_THROWS(call("categorical_cross_entropy", {a, a}, Attrs().set("axis", int64_t(2))), Status::Index,
               "categorical_cross_entropy: axis 2");
  CHECK_THROWS(call("sparse_categorical_cross_entropy", {a, ops::zeros({3}, DType::I32)}), Status::Shape,
               "sparse_categorical_cross_entropy: labels [3] must have shape [2]");
  CHECK_THROWS(call("sparse_categorical_cross_entropy", {a, ops::zeros({2})}), Status::DType,
               "sparse_categorical_cross_entropy: labels must be i32 or i64");
  CHECK_THROWS(call("sparse_categorical_cross_entropy", {a, Tensor::from_vector<int64_t>({0, 3}, {2})}),
               Status::Index, "sparse_categorical_cross_entropy");
  CHECK_THROWS(call("reduce_loss", {ops::zeros({3}), a}), Status::Shape, "reduce_loss: sample_weight [2,3]");
  CHECK_THROWS(call("reduce_loss", {a, s}, Attrs().set("reduction", int64_t(3))), Status::InvalidArgument,
               "reduce_loss: reduction");
  CHECK_THROWS(call("l1_penalty", {ops::zeros({2}, DType::I32)}), Status::DType, "l1_penalty: w");
}

TEST_MAIN()
