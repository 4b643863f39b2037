// The optim family's non-update ops: the orthogonal initializer (orthonormality, the exact QR it is defined by,
// determinism, gain) and global_norm against an f64 reference.
#include <cmath>
#include <cstring>
#include <random>

#include "check.h"
#include "core/thread_pool.h"
#include "neurite/ops.hpp"

using namespace nr;

namespace {

Tensor orthogonal(const Shape& shape, int64_t seed, DType dt = DType::F32, double gain = 1, int64_t offset = 0) {
  return call("orthogonal", {},
              Attrs().set("shape", shape).set("seed", seed).set("dtype", dt).set("gain", gain).set("offset", offset))[0];
}

std::vector<double> values(const Tensor& t) { return ops::cast(t, DType::F64).to_vector<double>(); }

bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.nbytes() == b.nbytes() && std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0;
}

// [prod(shape[:-1]), shape[-1]], as the op reads its shape.
std::pair<int64_t, int64_t> matrix_dims(const Shape& shape) { return {numel_of(shape) / shape.back(), shape.back()}; }

// Largest |G - gain²·I| of the Gram matrix of the rows (wide) or the columns (tall) of the row-major r x c matrix.
double gram_error(const std::vector<double>& q, int64_t r, int64_t c, double gain) {
  bool tall = r >= c;
  int64_t n = tall ? c : r, len = tall ? r : c;
  auto at = [&](int64_t vec, int64_t i) { return tall ? q[static_cast<size_t>(i * c + vec)] : q[static_cast<size_t>(vec * c + i)]; };
  double worst = 0;
  for (int64_t a = 0; a < n; ++a)
    for (int64_t b = 0; b < n; ++b) {
      double s = 0;
      for (int64_t i = 0; i < len; ++i) s += at(a, i) * at(b, i);
      worst = std::max(worst, std::fabs(s - (a == b ? gain * gain : 0.0)));
    }
  return worst;
}

const Shape kShapes[] = {{8, 8}, {20, 6}, {5, 17}, {4, 3, 5}, {2, 3, 10}, {100, 70}, {33, 97}, {1, 1}, {1, 9}, {9, 1}};

}  // namespace

TEST(orthogonal_is_orthonormal_for_square_tall_and_wide_shapes) {
  for (const Shape& shape : kShapes)
    for (DType dt : {DType::F32, DType::F64}) {
      Tensor q = orthogonal(shape, 42, dt);
      CHECK(q.shape() == shape && q.dtype() == dt);
      auto [r, c] = matrix_dims(shape);
      double err = gram_error(values(q), r, c, 1);
      if (!(err < (dt == DType::F32 ? 1e-5 : 1e-12)))
        std::fprintf(stderr, "orthogonal %s %s: |QᵀQ - I| = %g\n", shape_str(shape).c_str(), dtype_name(dt), err);
      CHECK(err < (dt == DType::F32 ? 1e-5 : 1e-12));
    }
}

TEST(orthogonal_is_the_q_of_the_normal_matrix_with_a_positive_r_diagonal) {
  // The op draws random_normal([max, min], f64, seed, offset) and returns Q (tall) or Qᵀ (wide) of its QR with
  // diag(R) > 0, the factorisation that makes Q unique: Qᵀ·A must be upper triangular with a positive diagonal.
  for (const Shape& shape : kShapes) {
    auto [r, c] = matrix_dims(shape);
    int64_t m = std::max(r, c), n = std::min(r, c);
    std::vector<double> out = values(orthogonal(shape, 9, DType::F64, 1, 1000));
    std::vector<double> a = values(call("random_normal", {}, Attrs().set("shape", Shape{m, n}).set("dtype", DType::F64)
                                                               .set("seed", int64_t(9)).set("offset", int64_t(1000)))[0]);
    auto q = [&](int64_t i, int64_t k) { return r >= c ? out[static_cast<size_t>(i * c + k)] : out[static_cast<size_t>(k * c + i)]; };
    bool ok = true;
    for (int64_t k = 0; k < n; ++k)
      for (int64_t j = 0; j < n; ++j) {
        double s = 0;
        for (int64_t i = 0; i < m; ++i) s += q(i, k) * a[static_cast<size_t>(i * n + j)];
        if (j < k) ok = ok && std::fabs(s) < 1e-10;
        if (j == k) ok = ok && s > 0;
      }
    if (!ok) std::fprintf(stderr, "orthogonal %s: Qᵀ·A is not upper triangular with a positive diagonal\n",
                          shape_str(shape).c_str());
    CHECK(ok);
  }
}

TEST(orthogonal_f32_is_the_f64_result_rounded) {
  for (const Shape& shape : kShapes) {
    std::vector<double> f32 = values(orthogonal(shape, 3, DType::F32)), f64 = values(orthogonal(shape, 3, DType::F64));
    for (size_t i = 0; i < f32.size(); ++i)
      CHECK(static_cast<float>(f64[i]) == static_cast<float>(f32[i]));
  }
}

TEST(orthogonal_is_deterministic_per_seed_and_offset_for_any_thread_count) {
  Shape shape{300, 200};
  Tensor a = orthogonal(shape, 11), b = orthogonal(shape, 11);
  CHECK(same_bytes(a, b));
  CHECK(!same_bytes(a, orthogonal(shape, 12)));
  CHECK(!same_bytes(a, orthogonal(shape, 11, DType::F32, 1, 60000)));
  int threads = num_threads();
  for (int t : {1, 3}) {
    set_num_threads(t);
    CHECK(same_bytes(a, orthogonal(shape, 11)));
    CHECK(same_bytes(orthogonal({150, 400}, 5), orthogonal({150, 400}, 5)));
  }
  set_num_threads(threads);
}

TEST(orthogonal_gain_scales_the_matrix) {
  for (const Shape& shape : {Shape{6, 6}, Shape{12, 4}, Shape{3, 10}}) {
    std::vector<double> one = values(orthogonal(shape, 4, DType::F64)), scaled = values(orthogonal(shape, 4, DType::F64, -2.5));
    for (size_t i = 0; i < one.size(); ++i) CHECK_NEAR(scaled[i], -2.5 * one[i], 1e-15);
    auto [r, c] = matrix_dims(shape);
    CHECK(gram_error(scaled, r, c, 2.5) < 1e-12);
  }
}

TEST(orthogonal_edge_cases_and_errors) {
  CHECK(orthogonal({0, 3}, 1).numel() == 0);
  CHECK(orthogonal({4, 0}, 1).shape() == (Shape{4, 0}));
  CHECK(orthogonal({2, 0, 5}, 1).numel() == 0);
  std::vector<double> one = values(orthogonal({1, 1}, 1, DType::F64, 3));
  CHECK(std::fabs(one[0]) == 3);  // the 1x1 Q with positive R is the sign of the drawn number
  CHECK_THROWS(orthogonal({5}, 1), Status::Shape, "orthogonal: shape [5] must have rank >= 2");
  CHECK_THROWS(orthogonal({3, -1}, 1), Status::Shape, "orthogonal");
  CHECK_THROWS(orthogonal({3, 3}, 1, DType::I32), Status::DType, "orthogonal: dtype must be f32 or f64, got i32");
  CHECK_THROWS(orthogonal({3, 3}, 1, DType::F32, INFINITY), Status::InvalidArgument, "orthogonal: gain must be finite");
  CHECK_THROWS(call("orthogonal", {}, Attrs()), Status::InvalidArgument, "orthogonal: the 'shape' attribute is required");
}

TEST(global_norm_matches_an_f64_reference) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal(0, 1);
  const Shape shapes[] = {{3, 4}, {}, {0, 5}, {100003}, {17}, {64, 129}};
  for (DType dt : {DType::F32, DType::F64}) {
    std::vector<Tensor> inputs;
    double sum = 0;
    for (const Shape& s : shapes) {
      std::vector<double> v(static_cast<size_t>(numel_of(s)));
      for (double& x : v) x = normal(rng);
      Tensor t = ops::cast(Tensor::from_vector<double>(v, s, DType::F64), dt);
      for (double x : values(t)) sum += x * x;
      inputs.push_back(t);
    }
    Tensor norm = call("global_norm", inputs)[0];
    CHECK(norm.shape().empty() && norm.dtype() == dt);
    double want = std::sqrt(sum), tol = dt == DType::F32 ? 1e-7 : 1e-13;
    CHECK_NEAR(values(norm)[0], want, tol * want);
    // One input is the plain 2-norm; a transposed view is read by value.
    Tensor m = inputs[5];
    double ss = 0;
    for (double x : values(m)) ss += x * x;
    CHECK_NEAR(values(call("global_norm", {ops::transpose(m, 0, 1)})[0])[0], std::sqrt(ss), tol * std::sqrt(ss));
  }
}

TEST(global_norm_edge_cases_threads_and_errors) {
  CHECK(values(call("global_norm", {ops::full({4}, 3.0), ops::full({2, 8}, 2.0)})[0])[0] == 10.0);  // √(36 + 64)
  CHECK(values(call("global_norm", {ops::zeros({0})})[0])[0] == 0.0);
  CHECK(std::isnan(values(call("global_norm", {ops::ones({3}), ops::full({2}, NAN)})[0])[0]));

  std::vector<Tensor> big{ops::random_normal({300001}, 1), ops::random_normal({70000}, 2), ops::random_normal({5}, 3)};
  Tensor reference = call("global_norm", big)[0];
  int threads = num_threads();
  for (int t : {1, 3}) {
    set_num_threads(t);
    CHECK(same_bytes(call("global_norm", big)[0], reference));
  }
  set_num_threads(threads);

  CHECK_THROWS(call("global_norm", {}), Status::InvalidArgument, "global_norm: expected at least 1 input");
  CHECK_THROWS(call("global_norm", {ops::ones({2}), ops::ones({2}, DType::F64)}), Status::DType,
               "global_norm: input 1 is f64 [2] but input 0 is f32 [2]");
  CHECK_THROWS(call("global_norm", {ops::ones({2}, DType::I32)}), Status::DType,
               "global_norm: input 0 must be f32 or f64, got i32");
}

TEST_MAIN()
