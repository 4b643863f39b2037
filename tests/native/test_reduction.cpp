// Reductions (sum ... any, argmax, argmin) and softmax/log_softmax against double-precision reference loops.
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include "check.h"
#include "core/thread_pool.h"
#include "neurite/ops.hpp"

using namespace nr;

namespace {

using Axes = std::vector<int64_t>;
constexpr double kInf = std::numeric_limits<double>::infinity();
const double kNaN = std::nan("");

Tensor reduce(const std::string& op, const Tensor& x, const Axes& axes, bool keepdims, int64_t correction = 0) {
  Attrs attrs = Attrs().set("axes", axes).set("keepdims", keepdims);
  if (op == "var" || op == "std") attrs.set("correction", correction);
  return call(op, {x}, attrs)[0];
}

template <class T>
std::vector<double> to_doubles(const Tensor& t) {
  std::vector<T> v = t.to_vector<T>();
  return std::vector<double>(v.begin(), v.end());
}

// The logical values of a tensor of any dtype, row-major, as doubles.
std::vector<double> values(const Tensor& t) {
  switch (t.dtype()) {
    case DType::F32: return to_doubles<float>(t);
    case DType::F64: return to_doubles<double>(t);
    case DType::I32: return to_doubles<int32_t>(t);
    case DType::I64: return to_doubles<int64_t>(t);
    case DType::U8: return to_doubles<uint8_t>(t);
    case DType::Bool: return to_doubles<bool>(t);
    default: return {};
  }
}

template <class T>
Tensor random_tensor(const Shape& shape, uint32_t seed, double lo, double hi) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  std::vector<T> v(static_cast<size_t>(numel_of(shape)));
  for (T& e : v) e = static_cast<T>(std::is_floating_point_v<T> ? dist(gen) : std::floor(dist(gen)));
  return Tensor::from_vector<T>(v, shape);
}

// The same kind of [3,4,5] data laid out three ways: contiguous, a permuted view, and a slice stepping by 2.
template <class T>
std::vector<Tensor> layouts(double lo, double hi) {
  Tensor wide = random_tensor<T>({3, 4, 10}, 3, lo, hi);
  return {random_tensor<T>({3, 4, 5}, 1, lo, hi), ops::permute(random_tensor<T>({5, 4, 3}, 2, lo, hi), {2, 1, 0}),
          call("slice", {wide}, Attrs().set("starts", Axes{1}).set("steps", Axes{2}).set("axes", Axes{2}))[0]};
}

// For each output element (row-major over the kept dims) the input values it reduces, in input order.
std::vector<std::vector<double>> groups(const std::vector<double>& x, const Shape& shape, const Axes& axes) {
  const int nd = static_cast<int>(shape.size());
  std::vector<bool> reduced(shape.size(), axes.empty());
  for (int64_t a : axes) reduced[static_cast<size_t>((a + nd) % nd)] = true;
  int64_t outs = 1;
  for (int d = 0; d < nd; ++d)
    if (!reduced[static_cast<size_t>(d)]) outs *= shape[static_cast<size_t>(d)];
  std::vector<std::vector<double>> g(static_cast<size_t>(outs));
  for (size_t flat = 0; flat < x.size(); ++flat) {
    int64_t rem = static_cast<int64_t>(flat), o = 0, scale = 1;
    for (int d = nd - 1; d >= 0; --d) {
      int64_t size = shape[static_cast<size_t>(d)], i = rem % size;
      rem /= size;
      if (!reduced[static_cast<size_t>(d)]) o += i * scale, scale *= size;
    }
    g[static_cast<size_t>(o)].push_back(x[flat]);
  }
  return g;
}

Shape reduced_shape(const Shape& shape, const Axes& axes, bool keepdims) {
  const int nd = static_cast<int>(shape.size());
  Shape out;
  for (int d = 0; d < nd; ++d) {
    bool r = axes.empty();
    for (int64_t a : axes) r = r || (a + nd) % nd == d;
    if (!r) out.push_back(shape[static_cast<size_t>(d)]);
    else if (keepdims) out.push_back(1);
  }
  return out;
}

double ref_reduce(const std::string& op, const std::vector<double>& v, int64_t correction = 0) {
  const double n = static_cast<double>(v.size());
  double acc = op == "prod" ? 1 : op == "max" ? -kInf : op == "min" ? kInf : 0;
  for (double e : v) {
    if (op == "prod") acc *= e;
    else if (op == "max") acc = std::isnan(e) || e > acc ? e : acc;
    else if (op == "min") acc = std::isnan(e) || e < acc ? e : acc;
    else acc += e;
  }
  if (op == "sum" || op == "prod" || op == "max" || op == "min") return acc;
  double mean = acc / n;
  if (op == "mean") return mean;
  if (op == "logsumexp") {
    double m = ref_reduce("max", v);
    if (!std::isfinite(m)) return m;
    double s = 0;
    for (double e : v) s += std::exp(e - m);
    return m + std::log(s);
  }
  double ss = 0;
  for (double e : v) ss += (e - mean) * (e - mean);
  double var = ss / std::max(0.0, n - static_cast<double>(correction));
  return op == "std" ? std::sqrt(var) : var;
}

bool close(double got, double want, double rel) {
  if (std::isnan(want) || std::isnan(got)) return std::isnan(want) && std::isnan(got);
  if (std::isinf(want)) return got == want;
  return std::fabs(got - want) <= rel * std::max(1.0, std::fabs(want));
}

// Reports the first element that is not close, with the case it belongs to.
void expect_close(const std::vector<double>& got, const std::vector<double>& want, double rel, const std::string& what) {
  if (got.size() != want.size()) {
    std::fprintf(stderr, "%s: %zu values, expected %zu\n", what.c_str(), got.size(), want.size());
    ++nrtest::failures();
    return;
  }
  for (size_t i = 0; i < got.size(); ++i)
    if (!close(got[i], want[i], rel)) {
      std::fprintf(stderr, "%s: element %zu is %.17g, expected %.17g\n", what.c_str(), i, got[i], want[i]);
      ++nrtest::failures();
      return;
    }
}

const std::vector<Axes> kAxisSets = {{}, {0}, {-1}, {0, 2}, {1}, {1, 2}, {0, 1}, {2, 0, 1}};

template <class T>
void check_float_reductions(double rel) {
  const char* kOps[] = {"sum", "prod", "max", "min", "mean", "var", "std", "logsumexp"};
  for (const Tensor& x : layouts<T>(-2, 2)) {
    std::vector<double> xv = values(x);
    for (const Axes& axes : kAxisSets)
      for (bool keep : {false, true})
        for (const char* op : kOps)
          for (int64_t correction : {0, 1}) {
            if (correction && std::string(op) != "var" && std::string(op) != "std") continue;
            std::string what = std::string(op) + " " + dtype_name(x.dtype()) + " axes " + shape_str(axes) +
                               (keep ? " keepdims" : "") + (x.is_contiguous() ? "" : " strided") +
                               (correction ? " correction 1" : "");
            Tensor out = reduce(op, x, axes, keep, correction);
            CHECK(out.dtype() == x.dtype());
            if (out.shape() != reduced_shape(x.shape(), axes, keep))
              std::fprintf(stderr, "%s: shape %s\n", what.c_str(), shape_str(out.shape()).c_str()), ++nrtest::failures();
            std::vector<double> want;
            for (const auto& g : groups(xv, x.shape(), axes)) want.push_back(ref_reduce(op, g, correction));
            expect_close(values(out), want, rel, what);
          }
  }
}

// Integer sums and products wrap like the dtype; the reference wraps through uint64 and casts back.
template <class T>
double wrapped(const std::string& op, const std::vector<double>& v) {
  if (op != "sum" && op != "prod") return ref_reduce(op, v);
  uint64_t acc = op == "prod" ? 1 : 0;
  for (double e : v) {
    uint64_t u = static_cast<uint64_t>(static_cast<int64_t>(e));
    acc = op == "prod" ? acc * u : acc + u;
  }
  return static_cast<double>(static_cast<T>(acc));
}

template <class T>
void check_int_reductions(double lo, double hi) {
  for (const Tensor& x : layouts<T>(lo, hi)) {
    std::vector<double> xv = values(x);
    for (const Axes& axes : kAxisSets)
      for (bool keep : {false, true})
        for (const char* op : {"sum", "prod", "max", "min"}) {
          Tensor out = reduce(op, x, axes, keep);
          CHECK(out.dtype() == x.dtype());
          CHECK(out.shape() == reduced_shape(x.shape(), axes, keep));
          std::vector<double> want;
          for (const auto& g : groups(xv, x.shape(), axes)) want.push_back(wrapped<T>(op, g));
          expect_close(values(out), want, 0,
                       std::string(op) + " " + dtype_name(x.dtype()) + " axes " + shape_str(axes));
        }
  }
}

}  // namespace

TEST(float_reductions_match_reference) {
  check_float_reductions<float>(1e-5);
  check_float_reductions<double>(1e-12);
}

TEST(integer_reductions_wrap_like_their_dtype) {
  check_int_reductions<int32_t>(-100, 100);
  check_int_reductions<int64_t>(-1e6, 1e6);
  check_int_reductions<uint8_t>(0, 256);
}

TEST(scalar_and_size_one_reductions) {
  Tensor s = Tensor::from_vector<float>({2.5f}, {});
  CHECK((ops::sum(s).to_vector<float>() == std::vector<float>{2.5f}));
  CHECK((reduce("var", s, {}, false).to_vector<float>() == std::vector<float>{0.0f}));
  Tensor x = Tensor::from_vector<double>({1, 2, 3}, {1, 3, 1});
  Tensor m = reduce("max", x, {0, 2}, true);
  CHECK((m.shape() == Shape{1, 3, 1}));
  CHECK((m.to_vector<double>() == std::vector<double>{1, 2, 3}));
  CHECK((ops::sum(x, {1}).to_vector<double>() == std::vector<double>{6}));
}

TEST(empty_reductions_give_identities) {
  Tensor x = Tensor::from_vector<float>({}, {3, 0, 2});
  auto all_equal = [](const Tensor& t, double want) {
    std::vector<double> v = values(t);
    bool ok = v.size() == 6;
    for (double e : v) ok = ok && close(e, want, 0);
    return ok;
  };
  CHECK(all_equal(ops::sum(x, {1}), 0));
  CHECK(all_equal(reduce("prod", x, {1}, false), 1));
  CHECK(all_equal(ops::mean(x, {1}), kNaN));
  CHECK(all_equal(reduce("var", x, {1}, false), kNaN));
  CHECK(all_equal(reduce("std", x, {1}, false), kNaN));
  CHECK(all_equal(reduce("logsumexp", x, {1}, false), -kInf));
  CHECK((reduce("sum", x, {1}, true).shape() == Shape{3, 1, 2}));
  CHECK((ops::sum(x).to_vector<float>() == std::vector<float>{0}));
  CHECK((ops::sum(x, {0, 1}).to_vector<float>() == std::vector<float>{0, 0}));
  CHECK((ops::sum(x, {2}).shape() == Shape{3, 0}));
  Tensor b = Tensor::from_vector<bool>({}, {0, 2});
  CHECK((reduce("all", b, {0}, false).to_vector<bool>() == std::vector<bool>{true, true}));
  CHECK((reduce("any", b, {0}, false).to_vector<bool>() == std::vector<bool>{false, false}));
  Tensor i = Tensor::from_vector<int32_t>({}, {0});
  CHECK((reduce("prod", i, {}, false).to_vector<int32_t>() == std::vector<int32_t>{1}));
  CHECK_THROWS(reduce("max", x, {1}, false), Status::Shape, "max: cannot reduce over the empty axis 1");
  CHECK_THROWS(ops::argmax(x, 1), Status::Shape, "argmax: axis 1 of [3,0,2] is empty");
}

TEST(logsumexp_is_stable_and_handles_infinities) {
  Tensor x = Tensor::from_vector<float>({-INFINITY, -INFINITY, -INFINITY, 1000, 1000, -INFINITY, 0, INFINITY, 1,
                                         1, NAN, 2},
                                        {4, 3});
  std::vector<float> r = reduce("logsumexp", x, {1}, false).to_vector<float>();
  CHECK(r[0] == -INFINITY);
  CHECK_NEAR(r[1], 1000 + std::log(2.0), 1e-3);
  CHECK(r[2] == INFINITY);
  CHECK(std::isnan(r[3]));
  Tensor col = ops::permute(x, {1, 0});  // reduce along a column layout too
  std::vector<float> c = reduce("logsumexp", col, {0}, false).to_vector<float>();
  CHECK(c[0] == -INFINITY && std::isnan(c[3]));
}

TEST(max_and_min_propagate_nan) {
  Tensor x = Tensor::from_vector<float>({1, NAN, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 0}, {2, 9});
  std::vector<float> rows = reduce("max", x, {1}, false).to_vector<float>();
  CHECK(std::isnan(rows[0]) && rows[1] == 17);
  std::vector<float> cols = reduce("min", x, {0}, false).to_vector<float>();
  CHECK(cols[0] == 1 && std::isnan(cols[1]) && cols[8] == 0);
}

TEST(all_and_any) {
  Tensor b = Tensor::from_vector<bool>({true, true, false, true, true, true}, {2, 3});
  CHECK((reduce("all", b, {1}, false).to_vector<bool>() == std::vector<bool>{false, true}));
  CHECK((reduce("any", b, {1}, false).to_vector<bool>() == std::vector<bool>{true, true}));
  CHECK((reduce("all", b, {0}, true).to_vector<bool>() == std::vector<bool>{true, true, false}));
  CHECK((reduce("all", b, {0}, true).shape() == Shape{1, 3}));
  CHECK((reduce("all", b, {}, false).to_vector<bool>() == std::vector<bool>{false}));
  Tensor f = Tensor::from_vector<bool>({false, false, false, false}, {2, 2});
  CHECK((reduce("any", f, {}, false).to_vector<bool>() == std::vector<bool>{false}));
  Tensor t = ops::transpose(b, 0, 1);  // [3,2]: rows {t,t}, {t,t}, {f,t}
  CHECK((reduce("all", t, {1}, false).to_vector<bool>() == std::vector<bool>{true, true, false}));
  CHECK_THROWS(reduce("all", Tensor::from_vector<float>({1}, {1}), {}, false), Status::DType,
               "all: input must be a bool tensor");
}

TEST(argmax_and_argmin) {
  Tensor x = Tensor::from_vector<float>({1, 3, 3, 2, 5, 5, 0, 0}, {2, 4});
  CHECK((ops::argmax(x, 1).to_vector<int64_t>() == std::vector<int64_t>{1, 0}));
  CHECK((call("argmin", {x}, Attrs().set("axis", int64_t(1)))[0].to_vector<int64_t>() == std::vector<int64_t>{0, 2}));
  Tensor k = ops::argmax(x, 0, true);
  CHECK(k.dtype() == DType::I64);
  CHECK((k.shape() == Shape{1, 4}));
  CHECK((k.to_vector<int64_t>() == std::vector<int64_t>{1, 1, 0, 0}));
  CHECK((call("argmin", {x}, Attrs().set("axis", int64_t(0)))[0].to_vector<int64_t>() ==
         std::vector<int64_t>{0, 0, 1, 1}));
  // NumPy: the first NaN is both the argmax and the argmin.
  Tensor n = Tensor::from_vector<double>({1, NAN, 5, NAN, 7, 2}, {6});
  CHECK((ops::argmax(n, 0).to_vector<int64_t>() == std::vector<int64_t>{1}));
  CHECK((call("argmin", {n}, Attrs().set("axis", int64_t(0)))[0].to_vector<int64_t>() == std::vector<int64_t>{1}));
  Tensor nc = ops::reshape(n, {3, 2});  // columns {1,5,7}, {NaN,NaN,2}
  CHECK((ops::argmax(nc, 0).to_vector<int64_t>() == std::vector<int64_t>{2, 0}));
  Tensor i = Tensor::from_vector<uint8_t>({3, 9, 9, 1}, {4});
  CHECK((ops::argmax(i, -1).to_vector<int64_t>() == std::vector<int64_t>{1}));
  // Against a reference on [3,4,5] layouts, each axis.
  for (const Tensor& t : layouts<int32_t>(0, 4))
    for (int64_t axis : {0, 1, 2}) {
      std::vector<double> v = values(t);
      std::vector<int64_t> got = ops::argmax(t, axis).to_vector<int64_t>();
      const Shape& s = t.shape();
      int64_t outer = 1, inner = 1, n_axis = s[static_cast<size_t>(axis)];
      for (int64_t d = 0; d < 3; ++d)
        if (d != axis) (d < axis ? outer : inner) *= s[static_cast<size_t>(d)];
      bool ok = got.size() == static_cast<size_t>(outer * inner);
      for (int64_t o = 0; ok && o < outer; ++o)
        for (int64_t in = 0; in < inner; ++in) {
          int64_t best = 0;
          for (int64_t r = 1; r < n_axis; ++r)
            if (v[static_cast<size_t>((o * n_axis + r) * inner + in)] >
                v[static_cast<size_t>((o * n_axis + best) * inner + in)])
              best = r;
          ok = ok && got[static_cast<size_t>(o * inner + in)] == best;
        }
      CHECK(ok);
    }
  CHECK_THROWS(ops::argmax(Tensor::from_vector<float>({1}, {}), 0), Status::Shape, "argmax: input is a scalar");
}

TEST(reductions_are_identical_for_any_thread_count) {
  const int saved = num_threads();
  Tensor big = random_tensor<float>({1 << 20}, 7, -1, 1);
  Tensor tall = random_tensor<float>({100000, 3}, 8, -1, 1);
  Tensor wide = random_tensor<double>({3, 100000}, 9, -1, 1);
  std::vector<std::vector<float>> f_runs;
  std::vector<std::vector<double>> d_runs;
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    std::vector<float> f;
    for (const Tensor& r : {ops::sum(big), ops::mean(big), reduce("var", big, {}, false), ops::sum(tall, {0}),
                            reduce("std", tall, {0}, false), reduce("max", tall, {0}, false)})
      for (float v : r.to_vector<float>()) f.push_back(v);
    f_runs.push_back(f);
    std::vector<double> d;
    for (const Tensor& r : {ops::sum(wide, {1}), reduce("logsumexp", wide, {1}, false)})
      for (double v : r.to_vector<double>()) d.push_back(v);
    d_runs.push_back(d);
  }
  set_num_threads(saved);
  for (size_t i = 1; i < f_runs.size(); ++i) {
    CHECK(std::memcmp(f_runs[0].data(), f_runs[i].data(), f_runs[0].size() * sizeof(float)) == 0);
    CHECK(std::memcmp(d_runs[0].data(), d_runs[i].data(), d_runs[0].size() * sizeof(double)) == 0);
  }
  // The chunked paths agree with the reference too.
  std::vector<double> bv = values(big);
  expect_close({static_cast<double>(f_runs[0][0])}, {ref_reduce("sum", bv)}, 1e-6, "sum of 2^20");
  expect_close({static_cast<double>(f_runs[0][2])}, {ref_reduce("var", bv)}, 1e-6, "var of 2^20");
  std::vector<double> want;
  for (const auto& g : groups(values(tall), tall.shape(), {0})) want.push_back(ref_reduce("sum", g));
  expect_close(std::vector<double>(f_runs[0].begin() + 3, f_runs[0].begin() + 6), want, 1e-5, "tall column sums");
  want.clear();
  for (const auto& g : groups(values(wide), wide.shape(), {1})) want.push_back(ref_reduce("logsumexp", g));
  expect_close(std::vector<double>(d_runs[0].begin() + 3, d_runs[0].end()), want, 1e-12, "wide logsumexp");
}

TEST(wide_columns_split_into_blocks_and_row_chunks) {
  // inner 2500 spans two column blocks; 40 and 70 rows of that width span two row chunks.
  for (const Tensor& x : {random_tensor<double>({3, 40, 2500}, 11, -3, 3), random_tensor<double>({70, 2100}, 12, -3, 3)}) {
    const Axes axes{x.ndim() == 3 ? 1 : 0};
    for (const char* op : {"sum", "mean", "var", "max", "logsumexp"}) {
      std::vector<double> want;
      for (const auto& g : groups(values(x), x.shape(), axes)) want.push_back(ref_reduce(op, g));
      expect_close(values(reduce(op, x, axes, false)), want, 1e-12, std::string(op) + " " + shape_str(x.shape()));
      expect_close(values(reduce(op, ops::cast(x, DType::F32), axes, false)), want, 1e-5,
                   std::string(op) + " f32 " + shape_str(x.shape()));
    }
    std::vector<double> v = values(x);
    std::vector<int64_t> got = ops::argmax(x, axes[0]).to_vector<int64_t>();
    const int64_t n = x.dim(static_cast<int>(axes[0])), inner = x.shape().back();
    bool ok = true;
    for (size_t t = 0; t < got.size(); ++t) {
      size_t base = t / static_cast<size_t>(inner) * static_cast<size_t>(n * inner) + t % static_cast<size_t>(inner);
      int64_t best = 0;
      for (int64_t r = 1; r < n; ++r)
        if (v[base + static_cast<size_t>(r * inner)] > v[base + static_cast<size_t>(best * inner)]) best = r;
      ok = ok && got[t] == best;
    }
    CHECK(ok);
  }
}

TEST(float_sums_accumulate_in_double) {
  Tensor x = Tensor::from_vector<float>(std::vector<float>(1 << 20, 0.1f), {1 << 20});
  CHECK_NEAR(ops::sum(x).to_vector<float>()[0], (1 << 20) * static_cast<double>(0.1f), 1e-2);
}

TEST(reduction_errors_name_the_op) {
  Tensor x = Tensor::from_vector<float>(std::vector<float>(6), {2, 3});
  CHECK_THROWS(ops::sum(x, {2}), Status::Index, "sum: axis 2 is out of range");
  CHECK_THROWS(ops::sum(x, {1, -1}), Status::InvalidArgument, "sum: axes [1,-1] name the same axis twice");
  CHECK_THROWS(ops::mean(Tensor::from_vector<int32_t>({1, 2}, {2})), Status::DType, "mean: input must be a floating");
  CHECK_THROWS(reduce("var", x, {}, false, -1), Status::InvalidArgument, "var: correction must be >= 0");
  CHECK_THROWS(ops::sum(Tensor::from_vector<bool>({true}, {1})), Status::DType, "sum: bool input");
}

namespace {

// Softmax (or log_softmax) of each slice along `axis`, in double.
std::vector<double> ref_softmax(const Tensor& x, int64_t axis, bool log) {
  std::vector<double> v = values(x);
  const Shape& s = x.shape();
  const int nd = x.ndim();
  axis = (axis + nd) % nd;
  int64_t outer = 1, n = s[static_cast<size_t>(axis)], inner = 1;
  for (int d = 0; d < nd; ++d)
    if (d != axis) (d < axis ? outer : inner) *= s[static_cast<size_t>(d)];
  std::vector<double> out(v.size());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      auto at = [&](int64_t r) { return static_cast<size_t>((o * n + r) * inner + i); };
      double m = -kInf, sum = 0;
      for (int64_t r = 0; r < n; ++r) m = std::max(m, v[at(r)]);
      for (int64_t r = 0; r < n; ++r) sum += std::exp(v[at(r)] - m);
      for (int64_t r = 0; r < n; ++r) out[at(r)] = log ? v[at(r)] - m - std::log(sum) : std::exp(v[at(r)] - m) / sum;
    }
  return out;
}

template <class T>
void check_softmax(double rel) {
  for (const Tensor& x : layouts<T>(-5, 5))
    for (int64_t axis : {-1, 0, 1, 2})
      for (bool log : {false, true}) {
        Tensor y = log ? ops::log_softmax(x, axis) : ops::softmax(x, axis);
        std::string what = std::string(log ? "log_softmax " : "softmax ") + dtype_name(x.dtype()) + " axis " +
                           std::to_string(axis) + (x.is_contiguous() ? "" : " strided");
        CHECK(y.shape() == x.shape() && y.dtype() == x.dtype());
        expect_close(values(y), ref_softmax(x, axis, log), rel, what);
        if (!log) {
          std::vector<double> want(static_cast<size_t>(y.numel() / y.dim(static_cast<int>((axis + 3) % 3))), 1.0);
          expect_close(values(ops::sum(y, {axis})), want, rel * 10, what + " sums to 1");
        }
      }
}

}  // namespace

TEST(softmax_matches_reference) {
  check_softmax<float>(1e-5);
  check_softmax<double>(1e-12);
}

TEST(softmax_is_stable) {
  Tensor x = Tensor::from_vector<float>({1000, 0, -1000, 1000}, {2, 2});
  std::vector<float> y = ops::softmax(x).to_vector<float>();
  CHECK(y[0] == 1 && y[1] == 0 && y[2] == 0 && y[3] == 1);
  std::vector<float> l = ops::log_softmax(x).to_vector<float>();
  CHECK(l[0] == 0 && l[1] == -1000 && l[2] == -2000 && l[3] == 0);
  // Along axis 0, the column path.
  std::vector<float> c = ops::softmax(x, 0).to_vector<float>();
  CHECK(c[0] == 1 && c[2] == 0 && std::isfinite(c[1]) && std::isfinite(c[3]));
}

TEST(softmax_of_an_all_minus_infinity_row_is_nan) {
  // Like PyTorch: no distribution exists, and the NaN exposes the fully masked row.
  Tensor x = Tensor::from_vector<double>({-INFINITY, -INFINITY, 0, -INFINITY}, {2, 2});
  std::vector<double> y = ops::softmax(x).to_vector<double>();
  CHECK(std::isnan(y[0]) && std::isnan(y[1]) && y[2] == 1 && y[3] == 0);
  std::vector<double> l = ops::log_softmax(x).to_vector<double>();
  CHECK(std::isnan(l[0]) && l[2] == 0 && l[3] == -INFINITY);
}

TEST(softmax_shapes_and_errors) {
  CHECK((ops::softmax(Tensor::from_vector<float>({}, {0, 5})).shape() == Shape{0, 5}));
  CHECK((ops::softmax(Tensor::from_vector<float>({3}, {1})).to_vector<float>() == std::vector<float>{1}));
  CHECK_THROWS(ops::softmax(Tensor::from_vector<float>({1}, {})), Status::Shape, "softmax: input is a scalar");
  CHECK_THROWS(ops::softmax(Tensor::from_vector<float>({1, 2}, {2}), 1), Status::Index, "softmax: axis 1");
  CHECK_THROWS(ops::log_softmax(Tensor::from_vector<int32_t>({1, 2}, {2})), Status::DType,
               "log_softmax: input must be a floating");
}

TEST_MAIN()
