// matmul against a naive double-precision triple loop with numpy.matmul semantics: odd sizes, transposed and
// strided operands, 1-D promotion, batches with broadcasting, empty dims, and shape errors.
#include <cmath>
#include <random>
#include <string>

#include "check.h"
#include "test_util.h"
#include "neurite/ops.hpp"

using namespace nr;

namespace {

using namespace nrtest;

using Ints = std::vector<int64_t>;

struct Reference {
  Shape shape;
  std::vector<double> value, scale;  // scale: sum of |a_ik * b_kj|, the size of the rounding error to expect
};

// numpy.matmul in double, on the logical values of a and b.
Reference ref_matmul(const Tensor& a, const Tensor& b) {
  std::vector<double> av = values(a), bv = values(b);
  Shape as = a.shape(), bs = b.shape();
  if (as.size() == 1) as.insert(as.begin(), 1);
  if (bs.size() == 1) bs.push_back(1);
  const int64_t m = as[as.size() - 2], k = as.back(), n = bs.back();
  Shape ab(as.begin(), as.end() - 2), bb(bs.begin(), bs.end() - 2);
  const size_t rank = std::max(ab.size(), bb.size());
  ab.insert(ab.begin(), rank - ab.size(), 1);
  bb.insert(bb.begin(), rank - bb.size(), 1);
  Reference r;
  for (size_t d = 0; d < rank; ++d) r.shape.push_back(std::max(ab[d], bb[d]));
  const int64_t count = numel_of(r.shape);
  for (int64_t t = 0; t < count; ++t) {
    int64_t rem = t, a_mat = 0, b_mat = 0, a_scale = 1, b_scale = 1;
    for (size_t d = rank; d-- > 0;) {
      int64_t i = rem % r.shape[d];
      rem /= r.shape[d];
      a_mat += (ab[d] == 1 ? 0 : i) * a_scale, a_scale *= ab[d];
      b_mat += (bb[d] == 1 ? 0 : i) * b_scale, b_scale *= bb[d];
    }
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double s = 0, mag = 0;
        for (int64_t p = 0; p < k; ++p) {
          double prod = av[static_cast<size_t>((a_mat * m + i) * k + p)] * bv[static_cast<size_t>((b_mat * k + p) * n + j)];
          s += prod;
          mag += std::fabs(prod);
        }
        r.value.push_back(s);
        r.scale.push_back(mag);
      }
  }
  if (a.ndim() > 1) r.shape.push_back(m);
  if (b.ndim() > 1) r.shape.push_back(n);
  return r;
}

void check_matmul(const Tensor& a, const Tensor& b, const std::string& what) {
  Tensor c = ops::matmul(a, b);
  Reference r = ref_matmul(a, b);
  const double eps = a.dtype() == DType::F32 ? 1e-6 : 1e-14;
  bool ok = c.shape() == r.shape && c.dtype() == a.dtype();
  std::vector<double> got = values(c);
  ok = ok && got.size() == r.value.size();
  for (size_t i = 0; ok && i < got.size(); ++i) ok = std::fabs(got[i] - r.value[i]) <= eps * (1 + r.scale[i]);
  if (!ok) {
    std::fprintf(stderr, "%s: %s x %s gave %s\n", what.c_str(), shape_str(a.shape()).c_str(),
                 shape_str(b.shape()).c_str(), shape_str(c.shape()).c_str());
    ++nrtest::failures();
  }
}

Tensor slice(const Tensor& x, const Ints& starts, const Ints& stops, const Ints& steps, const Ints& axes) {
  return call("slice", {x}, Attrs().set("starts", starts).set("stops", stops).set("steps", steps).set("axes", axes))[0];
}

template <class T>
void check_all_layouts() {
  const std::string dt = dtype_name(dtype_of<T>());
  uint32_t seed = 1;
  auto rnd = [&](const Shape& s) { return random_tensor<T>(s, seed++); };
  for (Ints mkn : {Ints{1, 1, 1}, Ints{7, 13, 5}, Ints{33, 65, 17}, Ints{2, 300, 3}, Ints{64, 1, 9}}) {
    int64_t m = mkn[0], k = mkn[1], n = mkn[2];
    std::string size = dt + " " + std::to_string(m) + "x" + std::to_string(k) + "x" + std::to_string(n);
    check_matmul(rnd({m, k}), rnd({k, n}), "plain " + size);
    check_matmul(ops::transpose(rnd({k, m}), 0, 1), rnd({k, n}), "a transposed " + size);
    check_matmul(rnd({m, k}), ops::transpose(rnd({n, k}), 0, 1), "b transposed " + size);
    check_matmul(ops::transpose(rnd({k, m}), 0, 1), ops::transpose(rnd({n, k}), 0, 1), "both transposed " + size);
    // Rows padded (ld > cols), read in place; columns stepping by 2, copied; reversed rows, copied.
    check_matmul(slice(rnd({m, k + 3}), {0}, {k}, {1}, {1}), rnd({k, n}), "a row-padded " + size);
    check_matmul(ops::transpose(slice(rnd({k, m + 2}), {1}, {m + 1}, {1}, {1}), 0, 1), rnd({k, n}),
                 "a transposed, padded " + size);
    check_matmul(rnd({m, k}), slice(rnd({k, 2 * n}), {0}, {2 * n}, {2}, {1}), "b column-stepped " + size);
    check_matmul(slice(rnd({m, k}), {-1}, {-m - 1}, {-1}, {0}), rnd({k, n}), "a rows reversed " + size);
    // 1-D operands.
    check_matmul(rnd({k}), rnd({k, n}), "vector x matrix " + size);
    check_matmul(rnd({m, k}), rnd({k}), "matrix x vector " + size);
    check_matmul(rnd({k}), rnd({k}), "vector x vector " + size);
    check_matmul(rnd({m, k}), slice(rnd({2 * k}), {0}, {2 * k}, {2}, {0}), "matrix x stepped vector " + size);
    check_matmul(rnd({m, k}), slice(rnd({k}), {-1}, {-k - 1}, {-1}, {0}), "matrix x reversed vector " + size);
  }
  // Batches.
  check_matmul(rnd({2, 3, 4}), rnd({4, 5}), dt + " batch folded into rows");
  check_matmul(rnd({2, 3, 4}), rnd({2, 4, 5}), dt + " batch x batch");
  check_matmul(rnd({2, 1, 3, 4}), rnd({5, 4, 6}), dt + " broadcast batch");
  check_matmul(rnd({3, 4}), rnd({2, 4, 6}), dt + " matrix x batch");
  check_matmul(rnd({4}), rnd({2, 4, 5}), dt + " vector x batch");
  check_matmul(rnd({2, 3, 4}), rnd({4}), dt + " batch x vector");
  check_matmul(rnd({2, 3, 4}), call("broadcast_to", {rnd({4, 5})}, Attrs().set("shape", Ints{2, 4, 5}))[0],
               dt + " broadcast_to operand");
  check_matmul(ops::permute(rnd({3, 2, 4, 5}), {1, 0, 2, 3}), rnd({5, 2}), dt + " permuted batch");
  check_matmul(slice(rnd({4, 3, 4}), {0}, {4}, {2}, {0}), rnd({4, 5}), dt + " stepped batch");
  check_matmul(ops::transpose(rnd({2, 4, 3}), 1, 2), rnd({4, 5}), dt + " transposed batch");
  check_matmul(rnd({2, 1, 4}), rnd({4, 3}), dt + " batch of single rows");
}

void check_zeros(const Tensor& c, const Shape& shape) {
  CHECK(c.shape() == shape);
  std::vector<double> v = values(c);
  bool zero = true;
  for (double e : v) zero = zero && e == 0;
  CHECK(zero);
}

}  // namespace

TEST(matmul_f32_matches_reference) { check_all_layouts<float>(); }

TEST(matmul_f64_matches_reference) { check_all_layouts<double>(); }

TEST(matmul_empty_dims) {
  for (DType dt : {DType::F32, DType::F64}) {
    // K = 0 is an empty sum: zeros, whatever the output memory held (a freed block of sevens is likely reused).
    for (int i = 0; i < 3; ++i) {
      { Tensor garbage = Tensor::from_vector<double>(std::vector<double>(12, 7.0), {12}); }
      check_zeros(ops::matmul(Tensor::empty({3, 0}, dt), Tensor::empty({0, 4}, dt)), {3, 4});
    }
    check_zeros(ops::matmul(Tensor::empty({2, 3, 0}, dt), Tensor::empty({0, 5}, dt)), {2, 3, 5});
    check_zeros(ops::matmul(Tensor::empty({0}, dt), Tensor::empty({0}, dt)), {});
    CHECK((ops::matmul(Tensor::empty({0, 4}, dt), Tensor::empty({4, 5}, dt)).shape() == Shape{0, 5}));
    CHECK((ops::matmul(Tensor::empty({3, 4}, dt), Tensor::empty({4, 0}, dt)).shape() == Shape{3, 0}));
    CHECK((ops::matmul(Tensor::empty({0, 3, 4}, dt), Tensor::empty({4, 2}, dt)).shape() == Shape{0, 3, 2}));
  }
}

TEST(matmul_errors) {
  Tensor x = Tensor::empty({32, 784}), w = Tensor::empty({128, 10});
  CHECK_THROWS(ops::matmul(x, w), Status::Shape, "matmul: [32,784] x [128,10]: inner dimensions 784 and 128 differ");
  CHECK_THROWS(ops::matmul(Tensor::empty({2, 3, 4}), Tensor::empty({3, 4, 5})), Status::Shape, "matmul");
  CHECK_THROWS(ops::matmul(Tensor::empty({2, 2}), Tensor::empty({2, 2}, DType::F64)), Status::DType,
               "matmul: dtype mismatch");
  CHECK_THROWS(ops::matmul(Tensor::empty({2, 2}, DType::I32), Tensor::empty({2, 2}, DType::I32)), Status::DType,
               "matmul: input must be a floating-point tensor");
  CHECK_THROWS(ops::matmul(Tensor::empty({}), Tensor::empty({2})), Status::Shape, "matmul: [] x [2]: scalars");
}

TEST_MAIN()
