// The nn family (batch_norm_train and its backward, batch_norm_inference, dropout, the fused losses) against
// double-precision reference loops written here. f32 results are compared with a tolerance of 1e-5 relative to the
// magnitude of the reference values (one f32 rounding of inputs and outputs is ~6e-8; the kernels accumulate in
// double), f64 with 1e-12.
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include "check.h"
#include "test_util.h"
#include "core/thread_pool.h"
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

bool bit_equal(const Tensor& a, const Tensor& b) {
  return a.nbytes() == b.nbytes() && std::memcmp(a.contiguous().raw_data(), b.contiguous().raw_data(), a.nbytes()) == 0;
}

Attrs axis_attr(int64_t axis) { return Attrs().set("axis", axis); }

// [outer, C, inner] of a shape split at the channel axis.
struct Split {
  int64_t outer = 1, C = 1, inner = 1;
};
Split split_at(const Shape& s, int axis) {
  Split p;
  p.C = s[static_cast<size_t>(axis)];
  for (int d = 0; d < static_cast<int>(s.size()); ++d)
    if (d != axis) (d < axis ? p.outer : p.inner) *= s[static_cast<size_t>(d)];
  return p;
}
int64_t at(const Split& p, int64_t o, int64_t c, int64_t i) { return (o * p.C + c) * p.inner + i; }

// ---- batch normalisation ----

struct BnRef {
  D y, mean, var;
};

BnRef bn_reference(const D& x, const D& gamma, const D& beta, const Split& p, double eps) {
  BnRef r{D(x.size()), D(static_cast<size_t>(p.C), 0), D(static_cast<size_t>(p.C), 0)};
  const double m = static_cast<double>(p.outer * p.inner);
  for (int64_t c = 0; c < p.C; ++c) {
    for (int64_t o = 0; o < p.outer; ++o)
      for (int64_t i = 0; i < p.inner; ++i) r.mean[c] += x[at(p, o, c, i)];
    r.mean[c] /= m;
    for (int64_t o = 0; o < p.outer; ++o)
      for (int64_t i = 0; i < p.inner; ++i) r.var[c] += (x[at(p, o, c, i)] - r.mean[c]) * (x[at(p, o, c, i)] - r.mean[c]);
    r.var[c] /= m;
    for (int64_t o = 0; o < p.outer; ++o)
      for (int64_t i = 0; i < p.inner; ++i)
        r.y[at(p, o, c, i)] = (x[at(p, o, c, i)] - r.mean[c]) / std::sqrt(r.var[c] + eps) * gamma[c] + beta[c];
  }
  return r;
}

// x has a large common offset so a one-pass E[x²] - E[x]² in f32 would lose most digits of the variance.
template <class T>
void check_bn_train(const Shape& shape, int64_t axis, double eps, double offset) {
  int ax = static_cast<int>(axis < 0 ? axis + static_cast<int64_t>(shape.size()) : axis);
  Split p = split_at(shape, ax);
  D x = rounded<T>(random_values(numel_of(shape), 1, offset - 2, offset + 3));
  D gamma = rounded<T>(random_values(p.C, 2, 0.5, 2)), beta = rounded<T>(random_values(p.C, 3, -1, 1));
  Attrs attrs = axis_attr(axis).set("epsilon", eps);
  auto out = call("batch_norm_train", {tensor_of<T>(x, shape), tensor_of<T>(gamma, {p.C}), tensor_of<T>(beta, {p.C})}, attrs);
  BnRef r = bn_reference(x, gamma, beta, p, eps);
  CHECK(out.size() == 3);
  CHECK(out[0].shape() == shape && out[1].shape() == Shape{p.C} && out[2].shape() == Shape{p.C});
  CHECK(close(values(out[0]), r.y, tol<T>(), "batch_norm_train y"));
  CHECK(close(values(out[1]), r.mean, tol<T>(), "batch_norm_train mean"));
  CHECK(close(values(out[2]), r.var, tol<T>(), "batch_norm_train var"));
}

}  // namespace

TEST(batch_norm_train_matches_reference) {
  for (double offset : {0.0, 100.0}) {
    check_bn_train<float>({4, 5, 6, 7}, -1, 1e-3, offset);   // NHWC
    check_bn_train<double>({4, 5, 6, 7}, -1, 1e-3, offset);
    check_bn_train<float>({4, 5, 6, 7}, 1, 1e-5, offset);    // channel axis with dims after it
    check_bn_train<double>({4, 5, 6, 7}, 1, 1e-5, offset);
    check_bn_train<float>({32, 10}, -1, 1e-3, offset);       // [N, features]
    check_bn_train<double>({6, 3}, 0, 1e-3, offset);
  }
  // Large enough for several row blocks and channel chunks, both layouts.
  check_bn_train<float>({64, 32, 32, 16}, -1, 1e-3, 3.0);
  check_bn_train<float>({16, 64, 32, 32}, 1, 1e-3, 3.0);
  check_bn_train<double>({2, 3000, 40}, 1, 1e-3, 3.0);
  check_bn_train<float>({1, 70000}, -1, 1e-3, 0.0);   // one row: variance 0, y = beta
  check_bn_train<float>({5}, 0, 1e-3, 0.0);
  check_bn_train<float>({0, 0}, -1, 1e-3, 0.0);      // no channels: empty statistics
  check_bn_train<double>({2, 0, 3}, 1, 1e-3, 0.0);
}

TEST(batch_norm_train_single_value_per_channel_gives_beta) {
  auto out = call("batch_norm_train", {Tensor::from_vector<float>({3, -7}, {1, 2}), Tensor::from_vector<float>({2, 2}, {2}),
                                        Tensor::from_vector<float>({0.5f, -1}, {2})});
  CHECK((out[0].to_vector<float>() == std::vector<float>{0.5f, -1}));
  CHECK((out[2].to_vector<float>() == std::vector<float>{0, 0}));
}

TEST(batch_norm_train_reads_non_contiguous_input) {
  D x = random_values(6 * 4, 5, -2, 2);
  Tensor xt = ops::transpose(tensor_of<double>(x, {4, 6}), 0, 1);  // [6, 4], channels last
  D logical(x.size());
  for (int64_t r = 0; r < 6; ++r)
    for (int64_t c = 0; c < 4; ++c) logical[r * 4 + c] = x[c * 6 + r];
  D gamma{1, 2, 0.5, -1}, beta{0, 1, -1, 2};
  auto out = call("batch_norm_train", {xt, tensor_of<double>(gamma, {4}), tensor_of<double>(beta, {4})});
  BnRef r = bn_reference(logical, gamma, beta, split_at({6, 4}, 1), 1e-3);
  CHECK(close(values(out[0]), r.y, 1e-12, "transposed y"));
  CHECK(close(values(out[2]), r.var, 1e-12, "transposed var"));
}

TEST(batch_norm_statistics_do_not_depend_on_threads) {
  int saved = num_threads();
  for (auto [shape, axis] : std::vector<std::pair<Shape, int64_t>>{{{64, 32, 32, 16}, -1}, {{16, 64, 32, 32}, 1}}) {
    Split p = split_at(shape, axis < 0 ? 3 : 1);
    Tensor x = tensor_of<float>(random_values(numel_of(shape), 9, -1, 4), shape);
    Tensor g = tensor_of<float>(D(static_cast<size_t>(p.C), 1.5), {p.C}), b = tensor_of<float>(D(static_cast<size_t>(p.C), 0.1), {p.C});
    Tensor dy = tensor_of<float>(random_values(numel_of(shape), 10, -1, 1), shape);
    Tensor dv = tensor_of<float>(random_values(p.C, 11, -1, 1), {p.C});
    std::vector<Tensor> first, first_grad;
    for (int threads : {1, 2, 3}) {
      set_num_threads(threads);
      auto out = call("batch_norm_train", {x, g, b}, axis_attr(axis));
      auto grad = call("batch_norm_train_grad", {x, g, out[1], out[2], dy, dv, dv}, axis_attr(axis));
      if (first.empty()) {
        first = out;
        first_grad = grad;
        continue;
      }
      for (size_t k = 0; k < 3; ++k) {
        CHECK(bit_equal(out[k], first[k]));
        CHECK(bit_equal(grad[k], first_grad[k]));
      }
    }
  }
  set_num_threads(saved);
}

namespace {

// dx, dgamma, dbeta of (y, mean, var) = batch_norm_train(x) for upstream (dy, dmean, dvar), from the definitions:
// y = (x - mean)·s·gamma + beta with s = (var + eps)^-1/2, mean and var (biased) of the channel.
template <class T>
void check_bn_train_grad(const Shape& shape, int64_t axis) {
  int ax = static_cast<int>(axis < 0 ? axis + static_cast<int64_t>(shape.size()) : axis);
  Split p = split_at(shape, ax);
  const double eps = 1e-3, m = static_cast<double>(p.outer * p.inner);
  D x = rounded<T>(random_values(numel_of(shape), 21, -1, 3)), dy = rounded<T>(random_values(numel_of(shape), 22, -1, 1));
  D gamma = rounded<T>(random_values(p.C, 23, 0.5, 2)), dmean = rounded<T>(random_values(p.C, 24, -1, 1));
  D dvar = rounded<T>(random_values(p.C, 25, -1, 1));
  BnRef r = bn_reference(x, gamma, D(static_cast<size_t>(p.C), 0), p, eps);
  r.mean = rounded<T>(r.mean);
  r.var = rounded<T>(r.var);
  D dx(x.size()), dgamma(static_cast<size_t>(p.C), 0), dbeta(static_cast<size_t>(p.C), 0);
  for (int64_t c = 0; c < p.C; ++c) {
    const double s = 1 / std::sqrt(r.var[c] + eps);
    double dxhat_sum = 0, dxhat_xhat = 0;
    for (int64_t o = 0; o < p.outer; ++o)
      for (int64_t i = 0; i < p.inner; ++i) {
        int64_t k = at(p, o, c, i);
        double xhat = (x[k] - r.mean[c]) * s;
        dbeta[c] += dy[k];
        dgamma[c] += dy[k] * xhat;
        dxhat_sum += dy[k] * gamma[c];
        dxhat_xhat += dy[k] * gamma[c] * xhat;
      }
    for (int64_t o = 0; o < p.outer; ++o)
      for (int64_t i = 0; i < p.inner; ++i) {
        int64_t k = at(p, o, c, i);
        double xhat = (x[k] - r.mean[c]) * s;
        dx[k] = s / m * (m * dy[k] * gamma[c] - dxhat_sum - xhat * dxhat_xhat) + dmean[c] / m +
                dvar[c] * 2 * (x[k] - r.mean[c]) / m;
      }
  }
  auto g = call("batch_norm_train_grad",
                {tensor_of<T>(x, shape), tensor_of<T>(gamma, {p.C}), tensor_of<T>(r.mean, {p.C}), tensor_of<T>(r.var, {p.C}),
                 tensor_of<T>(dy, shape), tensor_of<T>(dmean, {p.C}), tensor_of<T>(dvar, {p.C})},
                axis_attr(axis).set("epsilon", eps));
  CHECK(close(values(g[0]), dx, tol<T>(), "batch_norm_train_grad dx"));
  CHECK(close(values(g[1]), dgamma, tol<T>(), "batch_norm_train_grad dgamma"));
  CHECK(close(values(g[2]), dbeta, tol<T>(), "batch_norm_train_grad dbeta"));
}

}  // namespace

TEST(batch_norm_train_grad_matches_reference) {
  check_bn_train_grad<float>({4, 5, 6, 7}, -1);
  check_bn_train_grad<double>({4, 5, 6, 7}, -1);
  check_bn_train_grad<float>({4, 5, 6, 7}, 1);
  check_bn_train_grad<double>({3, 4, 5}, 1);
  check_bn_train_grad<float>({16, 64, 32, 32}, 1);
  check_bn_train_grad<double>({200, 300}, 0);
}

TEST(batch_norm_train_backward_through_autograd) {
  // Only y used: the fused backward with zero d_mean and d_var, against the reference above via nr::grad.
  Tensor x = tensor_of<float>(random_values(24, 31, -1, 1), {4, 6}), gamma = tensor_of<float>(D(6, 1.0), {6});
  Tensor beta = tensor_of<float>(D(6, 0.0), {6});
  x.set_requires_grad(true);
  gamma.set_requires_grad(true);
  beta.set_requires_grad(true);
  auto out = call("batch_norm_train", {x, gamma, beta});
  auto g = nr::grad({ops::sum(out[0])}, {x, gamma, beta});
  // Σ y over a channel is M·beta whatever x and gamma are: only dbeta is non-zero.
  for (double v : values(g[0])) CHECK_NEAR(v, 0, 1e-5);
  for (double v : values(g[1])) CHECK_NEAR(v, 0, 1e-5);
  for (double v : values(g[2])) CHECK_NEAR(v, 4, 0);
}

TEST(batch_norm_errors) {
  Tensor x = ops::zeros({4, 3}), c3 = ops::zeros({3}), c4 = ops::zeros({4});
  CHECK_THROWS(call("batch_norm_train", {x, c4, c3}), Status::Shape, "batch_norm_train: gamma [4] must have shape [3]");
  CHECK_THROWS(call("batch_norm_train", {x, c3, ops::zeros({3}, DType::F64)}), Status::DType, "batch_norm_train: beta is f64");
  CHECK_THROWS(call("batch_norm_train", {ops::zeros({4, 3}, DType::I32), c3, c3}), Status::DType, "batch_norm_train: x must be");
  CHECK_THROWS(call("batch_norm_train", {x, c3, c3}, axis_attr(2)), Status::Index, "batch_norm_train: axis 2");
  CHECK_THROWS(call("batch_norm_train", {ops::zeros({}), ops::zeros({1}), ops::zeros({1})}), Status::Shape,
               "batch_norm_train: x is a scalar");
  CHECK_THROWS(call("batch_norm_train", {ops::zeros({0, 3}), c3, c3}), Status::Shape, "no values per channel");
  CHECK_THROWS(call("batch_norm_train", {x, c3, c3}, Attrs().set("epsilon", -1.0)), Status::InvalidArgument,
               "batch_norm_train: epsilon");
  CHECK_THROWS(call("batch_norm_inference", {x, c3, c3, c3, c4}), Status::Shape, "batch_norm_inference: var [4]");
  CHECK_THROWS(call("batch_norm_train_grad", {x, c3, c3, c3, ops::zeros({3, 4}), c3, c3}), Status::Shape,
               "batch_norm_train_grad: dy [3,4] must have shape [4,3]");
}

namespace {

template <class T>
void check_bn_inference(const Shape& shape, int64_t axis, bool transposed) {
  int ax = static_cast<int>(axis < 0 ? axis + static_cast<int64_t>(shape.size()) : axis);
  Split p = split_at(shape, ax);
  const double eps = 0.01;
  D x = rounded<T>(random_values(numel_of(shape), 41, -3, 3)), gamma = rounded<T>(random_values(p.C, 42, -2, 2));
  D beta = rounded<T>(random_values(p.C, 43, -1, 1)), mean = rounded<T>(random_values(p.C, 44, -1, 1));
  D var = rounded<T>(random_values(p.C, 45, 0, 2));
  Tensor xt = tensor_of<T>(x, shape);
  if (transposed) {  // the same logical values through a permuted view
    Shape swapped = shape;
    std::swap(swapped[0], swapped[1]);
    D stored(x.size());
    for (int64_t a = 0; a < shape[0]; ++a)
      for (int64_t b = 0; b < shape[1]; ++b) stored[static_cast<size_t>(b * shape[0] + a)] = x[static_cast<size_t>(a * shape[1] + b)];
    xt = ops::transpose(tensor_of<T>(stored, swapped), 0, 1);
  }
  D y(x.size());
  for (int64_t o = 0; o < p.outer; ++o)
    for (int64_t c = 0; c < p.C; ++c)
      for (int64_t i = 0; i < p.inner; ++i) {
        int64_t k = at(p, o, c, i);
        y[k] = (x[k] - mean[c]) / std::sqrt(var[c] + eps) * gamma[c] + beta[c];
      }
  Tensor out = call("batch_norm_inference", {xt, tensor_of<T>(gamma, {p.C}), tensor_of<T>(beta, {p.C}),
                                             tensor_of<T>(mean, {p.C}), tensor_of<T>(var, {p.C})},
                    axis_attr(axis).set("epsilon", eps))[0];
  CHECK(close(values(out), y, tol<T>(), "batch_norm_inference"));
}

}  // namespace

TEST(batch_norm_inference_matches_formula) {
  check_bn_inference<float>({4, 5, 6, 7}, -1, false);
  check_bn_inference<double>({4, 5, 6, 7}, -1, false);
  check_bn_inference<float>({4, 5, 6, 7}, 1, false);
  check_bn_inference<double>({3, 8}, 1, true);
  check_bn_inference<float>({64, 32, 32, 16}, 3, false);
  check_bn_inference<float>({0, 3}, 1, false);
  check_bn_inference<double>({2, 3, 0}, 1, false);
}

// ---- dropout ----

namespace {

Tensor dropout(const Tensor& x, double rate, int64_t seed, int64_t offset = 0) {
  return call("dropout", {x}, Attrs().set("rate", rate).set("seed", seed).set("offset", offset))[0];
}

}  // namespace

TEST(dropout_mask_is_deterministic_and_fair) {
  const int64_t n = 1 << 20;
  const double rate = 0.3;
  Tensor x = ops::ones({n});
  int saved = num_threads();
  set_num_threads(1);
  Tensor one_thread = dropout(x, rate, 1234);
  set_num_threads(2);
  Tensor two_threads = dropout(x, rate, 1234);
  set_num_threads(saved);
  CHECK(bit_equal(one_thread, two_threads));
  CHECK(bit_equal(dropout(x, rate, 1234), one_thread));
  CHECK(!bit_equal(dropout(x, rate, 1235), one_thread));

  // Kept elements are x / (1 - rate) exactly as the kernel rounds it; the rest are 0.
  const float scale = static_cast<float>(1.0 / (1.0 - rate));
  int64_t kept = 0;
  bool values_ok = true;
  for (float v : one_thread.to_vector<float>()) {
    kept += v != 0;
    values_ok = values_ok && (v == 0 || v == scale);
  }
  CHECK(values_ok);
  // Binomial(n, 1 - rate): within 4 standard errors.
  const double expected = n * (1 - rate), se = std::sqrt(n * rate * (1 - rate));
  CHECK(std::fabs(static_cast<double>(kept) - expected) <= 4 * se);

  // The mask is random_uniform(f64, same seed and offset) >= rate, the same for f32 and f64, and `offset` shifts it.
  Tensor u = call("random_uniform", {}, Attrs().set("shape", Shape{4096}).set("dtype", DType::F64).set("seed", int64_t(77))
                                            .set("offset", int64_t(10)))[0];
  auto uv = u.to_vector<double>();
  auto y32 = dropout(ops::ones({4096}), 0.5, 77, 10).to_vector<float>();
  auto y64 = dropout(ops::ones({4096}, DType::F64), 0.5, 77, 10).to_vector<double>();
  auto shifted = dropout(ops::ones({4106}), 0.5, 77, 0).to_vector<float>();
  bool mask_ok = true;
  for (size_t i = 0; i < uv.size(); ++i)
    mask_ok = mask_ok && ((uv[i] >= 0.5) == (y32[i] != 0)) && ((y64[i] != 0) == (y32[i] != 0)) &&
              ((shifted[i + 10] != 0) == (y32[i] != 0));
  CHECK(mask_ok);
}

TEST(dropout_scales_and_rate_zero_is_identity) {
  D xv = random_values(1000, 51, -5, 5);
  Tensor x = tensor_of<double>(xv, {10, 100});
  auto y = dropout(x, 0.25, 3).to_vector<double>();
  bool ok = true;
  for (size_t i = 0; i < xv.size(); ++i) ok = ok && (y[i] == 0 || y[i] == xv[i] * (1.0 / 0.75));
  CHECK(ok);
  CHECK(bit_equal(dropout(x, 0.0, 3), x));
  Tensor xt = ops::transpose(x, 0, 1);  // element i of the row-major logical order gets counter offset + i
  CHECK(bit_equal(dropout(xt, 0.25, 3), dropout(xt.contiguous(), 0.25, 3)));
  CHECK(dropout(ops::zeros({0, 3}), 0.5, 1).numel() == 0);
}

TEST(dropout_gradient_uses_the_same_mask) {
  Tensor x = tensor_of<float>(random_values(5000, 52, -1, 1), {50, 100});
  x.set_requires_grad(true);
  Attrs a = Attrs().set("rate", 0.4).set("seed", int64_t(9)).set("offset", int64_t(3));
  Tensor y = call("dropout", {x}, a)[0];
  Tensor w = tensor_of<float>(random_values(5000, 53, -1, 1), {50, 100});
  Tensor g = nr::grad({ops::sum(ops::mul(y, w))}, {x})[0];
  CHECK(bit_equal(g, call("dropout", {w}, a)[0]));
}

TEST(dropout_rejects_bad_rates) {
  Tensor x = ops::ones({4});
  CHECK_THROWS(dropout(x, 1.0, 0), Status::InvalidArgument, "dropout: rate must be in [0, 1), got 1");
  CHECK_THROWS(dropout(x, -0.1, 0), Status::InvalidArgument, "dropout: rate must be in [0, 1)");
  CHECK_THROWS(dropout(x, std::nan(""), 0), Status::InvalidArgument, "dropout: rate");
  CHECK_THROWS(call("dropout", {x}), Status::InvalidArgument, "dropout: the 'rate' attribute is required");
  CHECK_THROWS(dropout(x, 0.5, 0, -1), Status::InvalidArgument, "dropout: offset");
  CHECK_THROWS(dropout(ops::ones({4}, DType::I32), 0.5, 0), Status::DType, "dropout: x must be");
}

// ---- losses ----

namespace {

// Rows of a [outer, K, inner] split: log-sum-exp per row in long double from the definition.
D log_softmax_reference(const D& x, const Split& p) {
  D out(x.size());
  for (int64_t o = 0; o < p.outer; ++o)
    for (int64_t i = 0; i < p.inner; ++i) {
      double max = -std::numeric_limits<double>::infinity();
      for (int64_t k = 0; k < p.C; ++k) max = std::max(max, x[at(p, o, k, i)]);
      long double sum = 0;
      for (int64_t k = 0; k < p.C; ++k) sum += std::exp(static_cast<long double>(x[at(p, o, k, i)] - max));
      for (int64_t k = 0; k < p.C; ++k) out[at(p, o, k, i)] = x[at(p, o, k, i)] - max - static_cast<double>(std::log(sum));
    }
  return out;
}

template <class T>
void check_softmax_ce(const Shape& shape, int64_t axis, double logit_range) {
  int ax = static_cast<int>(axis < 0 ? axis + static_cast<int64_t>(shape.size()) : axis);
  Split p = split_at(shape, ax);
  D x = rounded<T>(random_values(numel_of(shape), 61, -logit_range, logit_range));
  D t = rounded<T>(random_values(numel_of(shape), 62, 0, 1));  // unnormalised targets: Σt enters the gradient
  D g = rounded<T>(random_values(p.outer * p.inner, 63, -1, 1));
  D ls = log_softmax_reference(x, p), loss(static_cast<size_t>(p.outer * p.inner), 0), dx(x.size());
  for (int64_t o = 0; o < p.outer; ++o)
    for (int64_t i = 0; i < p.inner; ++i) {
      const int64_t r = o * p.inner + i;
      double t_sum = 0;
      for (int64_t k = 0; k < p.C; ++k) {
        loss[r] -= t[at(p, o, k, i)] * ls[at(p, o, k, i)];
        t_sum += t[at(p, o, k, i)];
      }
      for (int64_t k = 0; k < p.C; ++k)
        dx[at(p, o, k, i)] = (std::exp(ls[at(p, o, k, i)]) * t_sum - t[at(p, o, k, i)]) * g[r];
    }
  Shape rows = shape;
  rows.erase(rows.begin() + ax);
  Tensor xt = tensor_of<T>(x, shape), tt = tensor_of<T>(t, shape);
  Tensor out = call("softmax_cross_entropy", {xt, tt}, axis_attr(axis))[0];
  CHECK(out.shape() == rows);
  CHECK(close(values(out), loss, tol<T>(), "softmax_cross_entropy"));
  Tensor grad = call("softmax_cross_entropy_grad", {xt, tt, tensor_of<T>(g, rows)}, axis_attr(axis))[0];
  CHECK(close(values(grad), dx, tol<T>(), "softmax_cross_entropy_grad"));
}

template <class T, class I>
void check_sparse_ce(const Shape& shape, int64_t axis, double logit_range) {
  int ax = static_cast<int>(axis < 0 ? axis + static_cast<int64_t>(shape.size()) : axis);
  Split p = split_at(shape, ax);
  D x = rounded<T>(random_values(numel_of(shape), 71, -logit_range, logit_range));
  D g = rounded<T>(random_values(p.outer * p.inner, 72, -1, 1));
  std::vector<I> labels(static_cast<size_t>(p.outer * p.inner));
  std::mt19937 gen(73);
  for (I& l : labels) l = static_cast<I>(std::uniform_int_distribution<int64_t>(0, p.C - 1)(gen));
  D ls = log_softmax_reference(x, p), loss(labels.size()), dx(x.size());
  for (int64_t o = 0; o < p.outer; ++o)
    for (int64_t i = 0; i < p.inner; ++i) {
      const int64_t r = o * p.inner + i;
      loss[r] = -ls[at(p, o, labels[r], i)];
      for (int64_t k = 0; k < p.C; ++k) dx[at(p, o, k, i)] = (std::exp(ls[at(p, o, k, i)]) - (k == labels[r])) * g[r];
    }
  Shape rows = shape;
  rows.erase(rows.begin() + ax);
  Tensor xt = tensor_of<T>(x, shape), lt = Tensor::from_vector<I>(labels, rows);
  Tensor out = call("sparse_softmax_cross_entropy", {xt, lt}, axis_attr(axis))[0];
  CHECK(out.shape() == rows);
  CHECK(close(values(out), loss, tol<T>(), "sparse_softmax_cross_entropy"));
  Tensor grad = call("sparse_softmax_cross_entropy_grad", {xt, lt, tensor_of<T>(g, rows)}, axis_attr(axis))[0];
  CHECK(close(values(grad), dx, tol<T>(), "sparse_softmax_cross_entropy_grad"));
}

}  // namespace

TEST(softmax_cross_entropy_matches_reference) {
  check_softmax_ce<float>({64, 10}, -1, 5);
  check_softmax_ce<double>({64, 10}, -1, 5);
  check_softmax_ce<float>({256, 1000}, -1, 10);
  check_softmax_ce<float>({3, 7, 4, 5}, 1, 5);
  check_softmax_ce<double>({3, 7, 4, 5}, 1, 5);
  check_softmax_ce<double>({6, 3}, 0, 5);
  check_softmax_ce<float>({5, 1}, -1, 5);  // one class: log_softmax is 0
  check_softmax_ce<float>({7}, 0, 5);       // one row: a scalar loss
  check_softmax_ce<double>({0, 4}, -1, 5);
  check_softmax_ce<float>({64, 10}, -1, 1000);
  check_softmax_ce<double>({64, 10}, -1, 1000);
  // An empty class axis is an empty sum.
  CHECK((call("softmax_cross_entropy", {ops::zeros({2, 0}), ops::zeros({2, 0})})[0].to_vector<float>() ==
         std::vector<float>{0, 0}));
}

TEST(softmax_cross_entropy_is_stable_at_large_logits) {
  Tensor x = Tensor::from_vector<float>({1000, -1000, 0, -1000, -1000, -1000}, {2, 3});
  Tensor t = Tensor::from_vector<float>({0.2f, 0.3f, 0.5f, 0, 1, 0}, {2, 3});
  auto loss = call("softmax_cross_entropy", {x, t})[0].to_vector<float>();
  // Row 0: log-sum-exp is 1000, so 0.3·2000 + 0.5·1000. Row 1: three equal logits, log 3.
  CHECK_NEAR(loss[0], 1100, 1100 * 1e-6);
  CHECK_NEAR(loss[1], std::log(3.0), 1e-6);
  auto grad = call("softmax_cross_entropy_grad", {x, t, ops::ones({2})})[0].to_vector<float>();
  std::vector<double> want{0.8, -0.3, -0.5, 1 / 3.0, 1 / 3.0 - 1, 1 / 3.0};
  for (size_t i = 0; i < want.size(); ++i) CHECK_NEAR(grad[i], want[i], 1e-6);
  auto sparse = call("sparse_softmax_cross_entropy", {x, Tensor::from_vector<int32_t>({1, 2}, {2})})[0].to_vector<float>();
  CHECK_NEAR(sparse[0], 2000, 2000 * 1e-6);
  CHECK_NEAR(sparse[1], std::log(3.0), 1e-6);
  // A NaN logit poisons its own row only.
  Tensor xn = Tensor::from_vector<float>({1, std::nanf(""), 0, 1, 2, 3}, {2, 3});
  auto dense = call("softmax_cross_entropy", {xn, t})[0].to_vector<float>();
  auto sp = call("sparse_softmax_cross_entropy", {xn, Tensor::from_vector<int32_t>({0, 2}, {2})})[0].to_vector<float>();
  auto dn = call("softmax_cross_entropy_grad", {xn, t, ops::ones({2})})[0].to_vector<float>();
  CHECK(std::isnan(dense[0]) && std::isfinite(dense[1]) && std::isnan(sp[0]) && std::isfinite(sp[1]));
  CHECK(std::isnan(dn[0]) && std::isnan(dn[2]) && std::isfinite(dn[3]));
}

TEST(sparse_softmax_cross_entropy_matches_reference) {
  check_sparse_ce<float, int32_t>({64, 10}, -1, 5);
  check_sparse_ce<double, int64_t>({64, 10}, -1, 5);
  check_sparse_ce<float, int64_t>({256, 1000}, -1, 10);
  check_sparse_ce<float, int32_t>({3, 7, 4, 5}, 1, 5);
  check_sparse_ce<double, int32_t>({3, 7, 4, 5}, 1, 5);
  check_sparse_ce<float, int64_t>({9, 1}, -1, 5);
  check_sparse_ce<double, int64_t>({0, 4}, -1, 5);
  check_sparse_ce<float, int32_t>({32, 10}, -1, 1000);
  check_sparse_ce<double, int64_t>({32, 10}, -1, 1000);
}

TEST(sparse_softmax_cross_entropy_rejects_bad_labels) {
  Tensor x = ops::zeros({3, 10});
  CHECK_THROWS(call("sparse_softmax_cross_entropy", {x, Tensor::from_vector<int64_t>({1, 10, 2}, {3})}), Status::Index,
               "sparse_softmax_cross_entropy: label 10 of row 1 is out of range for 10 classes [0, 10)");
  CHECK_THROWS(call("sparse_softmax_cross_entropy", {x, Tensor::from_vector<int32_t>({1, 2, -1}, {3})}), Status::Index,
               "label -1 of row 2");
  CHECK_THROWS(call("sparse_softmax_cross_entropy_grad", {x, Tensor::from_vector<int32_t>({1, 2, 12}, {3}), ops::ones({3})}),
               Status::Index, "sparse_softmax_cross_entropy_grad: label 12");
  CHECK_THROWS(call("sparse_softmax_cross_entropy", {x, Tensor::from_vector<float>({1, 2, 3}, {3})}), Status::DType,
               "labels must be i32 or i64");
  CHECK_THROWS(call("sparse_softmax_cross_entropy", {x, Tensor::from_vector<int32_t>({1, 2}, {2})}), Status::Shape,
               "sparse_softmax_cross_entropy: labels [2] must have shape [3]");
  CHECK_THROWS(call("softmax_cross_entropy", {x, ops::zeros({3, 9})}), Status::Shape,
               "softmax_cross_entropy: targets [3,9] must have shape [3,10]");
  CHECK_THROWS(call("softmax_cross_entropy", {x, ops::zeros({3, 10}, DType::F64)}), Status::DType,
               "softmax_cross_entropy: targets is f64");
  CHECK_THROWS(call("softmax_cross_entropy", {ops::zeros({}), ops::zeros({})}), Status::Shape, "logits is a scalar");
}

TEST(sigmoid_cross_entropy_matches_reference) {
  for (bool f32 : {true, false}) {
    D x = random_values(3000, 81, -8, 8), z = random_values(3000, 82, 0, 1);
    if (f32) x = rounded<float>(x), z = rounded<float>(z);
    D want(x.size());
    for (size_t i = 0; i < x.size(); ++i) {  // the definition, fine for moderate |x|
      double s = 1 / (1 + std::exp(-x[i]));
      want[i] = -(z[i] * std::log(s) + (1 - z[i]) * std::log(1 - s));
    }
    Tensor out = f32 ? call("sigmoid_cross_entropy", {tensor_of<float>(x, {30, 100}), tensor_of<float>(z, {30, 100})})[0]
                     : call("sigmoid_cross_entropy", {tensor_of<double>(x, {30, 100}), tensor_of<double>(z, {30, 100})})[0];
    CHECK(close(values(out), want, f32 ? 1e-5 : 1e-11, "sigmoid_cross_entropy"));
  }
  // Large |x|: log σ(1000) is 0 to every digit, log(1 - σ(1000)) is -1000.
  auto v = call("sigmoid_cross_entropy", {Tensor::from_vector<float>({1000, 1000, -1000, -1000}, {4}),
                                          Tensor::from_vector<float>({1, 0, 0, 1}, {4})})[0].to_vector<float>();
  CHECK((v == std::vector<float>{0, 1000, 0, 1000}));
  CHECK_THROWS(call("sigmoid_cross_entropy", {ops::zeros({2, 3}), ops::zeros({3})}), Status::Shape,
               "sigmoid_cross_entropy: targets [3] must have shape [2,3]");
}

TEST(losses_read_non_contiguous_and_scalar_inputs) {
  // A stepped slice and a transposed view give what their contiguous copies give.
  using Axes = std::vector<int64_t>;
  Tensor wide = tensor_of<float>(random_values(6 * 20, 101, -4, 4), {6, 20});
  Tensor sliced = call("slice", {wide}, Attrs().set("starts", Axes{1}).set("steps", Axes{2}).set("axes", Axes{1}))[0];
  Tensor t = tensor_of<float>(random_values(6 * 10, 102, 0, 1), {6, 10});
  Tensor labels = Tensor::from_vector<int64_t>({0, 9, 3, 4, 5, 1}, {6});
  CHECK(bit_equal(call("softmax_cross_entropy", {sliced, t})[0], call("softmax_cross_entropy", {sliced.contiguous(), t})[0]));
  CHECK(bit_equal(call("sparse_softmax_cross_entropy", {sliced, labels})[0],
                  call("sparse_softmax_cross_entropy", {sliced.contiguous(), labels})[0]));
  Tensor xt = ops::transpose(sliced, 0, 1), tt = ops::transpose(t, 0, 1);  // [10, 6], classes along axis 0
  CHECK(bit_equal(call("softmax_cross_entropy", {xt, tt}, axis_attr(0))[0],
                  call("softmax_cross_entropy", {xt.contiguous(), tt.contiguous()}, axis_attr(0))[0]));
  CHECK(bit_equal(call("sigmoid_cross_entropy", {xt, tt})[0],
                  call("sigmoid_cross_entropy", {xt.contiguous(), tt.contiguous()})[0]));
  // Rank 0: sigmoid_cross_entropy and dropout are elementwise.
  Tensor s = Tensor::from_vector<double>({-2.5}, {}), z = Tensor::from_vector<double>({0.25}, {});
  Tensor l = call("sigmoid_cross_entropy", {s, z})[0];
  CHECK(l.shape().empty());
  CHECK_NEAR(l.to_vector<double>()[0], 0.25 * std::log1p(std::exp(2.5)) + 0.75 * std::log1p(std::exp(-2.5)), 1e-14);
  CHECK(dropout(s, 0.5, 4).shape().empty());
}

TEST(loss_gradients_through_autograd) {
  // f32 end to end: the formulas of gradients_nn.cpp against the closed forms.
  D xv = rounded<float>(random_values(12, 91, -2, 2)), tv = rounded<float>(random_values(12, 92, 0, 1));
  Tensor x = tensor_of<float>(xv, {3, 4}), t = tensor_of<float>(tv, {3, 4});
  x.set_requires_grad(true);
  t.set_requires_grad(true);
  auto g = nr::grad({ops::sum(call("softmax_cross_entropy", {x, t})[0])}, {x, t});
  D ls = log_softmax_reference(xv, {3, 4, 1}), dx(12), dt(12);
  for (int r = 0; r < 3; ++r) {
    double t_sum = 0;
    for (int k = 0; k < 4; ++k) t_sum += tv[r * 4 + k];
    for (int k = 0; k < 4; ++k) {
      dx[r * 4 + k] = std::exp(ls[r * 4 + k]) * t_sum - tv[r * 4 + k];
      dt[r * 4 + k] = -ls[r * 4 + k];
    }
  }
  CHECK(close(values(g[0]), dx, 1e-5, "softmax_cross_entropy dlogits"));
  CHECK(close(values(g[1]), dt, 1e-5, "softmax_cross_entropy dtargets"));

  auto gs = nr::grad({ops::sum(call("sigmoid_cross_entropy", {x, t})[0])}, {x, t});
  D sx(12), st(12);
  for (size_t i = 0; i < 12; ++i) {
    sx[i] = 1 / (1 + std::exp(-xv[i])) - tv[i];
    st[i] = -xv[i];
  }
  CHECK(close(values(gs[0]), sx, 1e-5, "sigmoid_cross_entropy dlogits"));
  CHECK(close(values(gs[1]), st, 1e-5, "sigmoid_cross_entropy dtargets"));
}

TEST_MAIN()
