// Elementwise kernels against double-precision references: every unary and binary op and where, over every dtype
// they take, with broadcasting, rank-0 and size-0 shapes, strided inputs, several thread counts, and the errors.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "check.h"
#include "core/thread_pool.h"
#include "neurite/ops.hpp"

using namespace nr;

namespace {

// splitmix64 with a fixed seed: failures reproduce, and no check leans on the library's own RNG.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform(double lo, double hi) { return lo + (hi - lo) * static_cast<double>(next() >> 11) * 0x1.0p-53; }
  int64_t integer(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(next() % static_cast<uint64_t>(hi - lo + 1));
  }

 private:
  uint64_t state_;
};

const DType kFloats[] = {DType::F32, DType::F64};
const DType kInts[] = {DType::I32, DType::I64, DType::U8};

template <class T>
Tensor make_as(const std::vector<double>& v, const Shape& shape) {
  std::vector<T> t(v.size());
  for (size_t i = 0; i < v.size(); ++i) t[i] = static_cast<T>(v[i]);
  return Tensor::from_vector<T>(t, shape);
}

Tensor make(DType dt, const std::vector<double>& v, const Shape& shape) {
  switch (dt) {
    case DType::F32: return make_as<float>(v, shape);
    case DType::F64: return make_as<double>(v, shape);
    case DType::I32: return make_as<int32_t>(v, shape);
    case DType::I64: return make_as<int64_t>(v, shape);
    case DType::U8: return make_as<uint8_t>(v, shape);
    default: return make_as<bool>(v, shape);
  }
}

template <class T>
std::vector<double> read_as(const Tensor& t) {
  std::vector<T> v = t.to_vector<T>();
  return std::vector<double>(v.begin(), v.end());
}

// The elements in row-major order of the logical shape, whatever the layout.
std::vector<double> read(const Tensor& t) {
  switch (t.dtype()) {
    case DType::F32: return read_as<float>(t);
    case DType::F64: return read_as<double>(t);
    case DType::I32: return read_as<int32_t>(t);
    case DType::I64: return read_as<int64_t>(t);
    case DType::U8: return read_as<uint8_t>(t);
    default: return read_as<bool>(t);
  }
}

// An exact integer result converted as the kernel's C++ type would hold it (u8 wraps modulo 256).
double wrap_to(DType dt, int64_t v) {
  switch (dt) {
    case DType::I32: return static_cast<int32_t>(v);
    case DType::U8: return static_cast<uint8_t>(v);
    case DType::Bool: return v != 0;
    default: return static_cast<double>(v);
  }
}

// Relative tolerance with an absolute floor of the same size below 1: f32 1e-5, f64 1e-12, others exact.
double tolerance(DType dt) { return dt == DType::F32 ? 1e-5 : dt == DType::F64 ? 1e-12 : 0; }

bool close(double got, double want, double tol) {
  if (std::isnan(want)) return std::isnan(got);
  if (std::isinf(want)) return got == want;
  return std::fabs(got - want) <= tol * std::max(1.0, std::fabs(want));
}

void expect_values(const std::string& what, const Tensor& got, const Shape& shape, DType dtype,
                   const std::vector<double>& want, double tol) {
  if (got.shape() != shape || got.dtype() != dtype) {
    std::fprintf(stderr, "%s: got %s %s, want %s %s\n", what.c_str(), dtype_name(got.dtype()),
                 shape_str(got.shape()).c_str(), dtype_name(dtype), shape_str(shape).c_str());
    ++nrtest::failures();
    return;
  }
  std::vector<double> v = read(got);
  int reported = 0;
  for (size_t i = 0; i < v.size() && reported < 5; ++i)
    if (!close(v[i], want[i], tol)) {
      std::fprintf(stderr, "%s: element %zu is %.17g, want %.17g\n", what.c_str(), i, v[i], want[i]);
      ++nrtest::failures();
      ++reported;
    }
}

std::vector<double> random_values(DType dt, int64_t n, Rng& rng, double lo, double hi) {
  std::vector<double> v(static_cast<size_t>(n));
  for (double& x : v) {
    switch (dt) {
      case DType::F32: case DType::F64: x = rng.uniform(lo, hi); break;
      case DType::U8: x = static_cast<double>(rng.integer(0, 255)); break;
      case DType::Bool: x = static_cast<double>(rng.integer(0, 1)); break;
      default: x = static_cast<double>(rng.integer(-50, 50)); break;
    }
  }
  return v;
}

// Layouts every op is run on: rank 0, size 0, size 1, a vector, a matrix, and one large enough to be split
// across threads (several grains).
const Shape kShapes[] = {{}, {0}, {2, 0, 3}, {1}, {1, 1}, {7}, {3, 5}, {70001}};

// A non-contiguous view holding `values` (in row-major order of `shape`, which must be 2-D): the transpose of
// a contiguous transposed copy.
Tensor transposed_view(DType dt, const std::vector<double>& values, const Shape& shape) {
  std::vector<double> t(values.size());
  for (int64_t i = 0; i < shape[0]; ++i)
    for (int64_t j = 0; j < shape[1]; ++j)
      t[static_cast<size_t>(j * shape[0] + i)] = values[static_cast<size_t>(i * shape[1] + j)];
  Tensor v = ops::transpose(make(dt, t, {shape[1], shape[0]}), 0, 1);
  CHECK(!v.is_contiguous());
  return v;
}

// A non-contiguous view holding `values` (1-D): every other element, walked backwards, of a larger buffer.
Tensor stepped_view(DType dt, const std::vector<double>& values) {
  size_t n = values.size();
  std::vector<double> buf(2 * n + 1, 99);
  for (size_t i = 0; i < n; ++i) buf[2 * n - 1 - 2 * i] = values[i];
  Tensor v = call("slice", {make(dt, buf, {static_cast<int64_t>(buf.size())})},
                  Attrs().set("starts", std::vector<int64_t>{-2}).set("steps", std::vector<int64_t>{-2}))[0];
  CHECK(v.shape() == Shape{static_cast<int64_t>(n)});
  return v;
}

// ---- unary ----

struct UnaryCase {
  const char* op;
  double (*ref)(double);
  double lo, hi;
  Attrs attrs;
};

void check_unary(const UnaryCase& c, DType dt, const Tensor& x, const std::string& layout) {
  std::vector<double> in = read(x), want(in.size());
  for (size_t i = 0; i < in.size(); ++i) want[i] = c.ref(in[i]);
  Tensor y = call(c.op, {x}, c.attrs)[0];
  expect_values(std::string(c.op) + " " + dtype_name(dt) + " " + layout, y, x.shape(), dt, want, tolerance(dt));
}

void check_unary_everywhere(const UnaryCase& c, DType dt, Rng& rng) {
  for (const Shape& shape : kShapes) {
    Tensor x = make(dt, random_values(dt, numel_of(shape), rng, c.lo, c.hi), shape);
    check_unary(c, dt, x, shape_str(shape));
  }
  check_unary(c, dt, transposed_view(dt, random_values(dt, 35, rng, c.lo, c.hi), {5, 7}), "transposed");
  check_unary(c, dt, transposed_view(dt, random_values(dt, 300 * 257, rng, c.lo, c.hi), {300, 257}),
              "large transposed");
  check_unary(c, dt, stepped_view(dt, random_values(dt, 9, rng, c.lo, c.hi)), "stepped");
}

constexpr double kSqrt2 = 1.4142135623730951;

TEST(unary_float_ops_match_reference) {
  const UnaryCase cases[] = {
      {"neg", [](double x) { return -x; }, -10, 10, {}},
      {"abs", [](double x) { return std::fabs(x); }, -10, 10, {}},
      {"sign", [](double x) { return x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0; }, -10, 10, {}},
      {"square", [](double x) { return x * x; }, -10, 10, {}},
      {"exp", [](double x) { return std::exp(x); }, -10, 10, {}},
      {"log", [](double x) { return std::log(x); }, 0.01, 10, {}},
      {"log1p", [](double x) { return std::log1p(x); }, -0.99, 10, {}},
      {"sqrt", [](double x) { return std::sqrt(x); }, 0, 10, {}},
      {"rsqrt", [](double x) { return 1 / std::sqrt(x); }, 0.01, 10, {}},
      {"reciprocal", [](double x) { return 1 / x; }, 0.1, 10, {}},
      {"reciprocal", [](double x) { return 1 / x; }, -10, -0.1, {}},
      {"sin", [](double x) { return std::sin(x); }, -10, 10, {}},
      {"cos", [](double x) { return std::cos(x); }, -10, 10, {}},
      {"tanh", [](double x) { return std::tanh(x); }, -10, 10, {}},
      {"sigmoid", [](double x) { return 1 / (1 + std::exp(-x)); }, -30, 30, {}},
      {"relu", [](double x) { return x > 0 ? x : 0; }, -5, 5, {}},
      {"leaky_relu", [](double x) { return x > 0 ? x : 0.01 * x; }, -5, 5, {}},
      {"leaky_relu", [](double x) { return x > 0 ? x : 0.2 * x; }, -5, 5, Attrs().set("alpha", 0.2)},
      {"elu", [](double x) { return x > 0 ? x : std::expm1(x); }, -5, 5, {}},
      {"elu", [](double x) { return x > 0 ? x : 0.5 * std::expm1(x); }, -5, 5, Attrs().set("alpha", 0.5)},
      {"selu", [](double x) { return 1.0507009873554805 * (x > 0 ? x : 1.6732632423543772 * std::expm1(x)); }, -5, 5,
       {}},
      {"gelu", [](double x) { return 0.5 * x * std::erfc(-x / kSqrt2); }, -6, 6, {}},
      {"gelu", [](double x) { return 0.5 * x * std::erfc(-x / kSqrt2); }, -6, 6, Attrs().set("approximate", 0)},
      {"gelu",
       [](double x) { return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x))); }, -6, 6,
       Attrs().set("approximate", 1)},
      {"softplus", [](double x) { return x > 30 ? x : std::log1p(std::exp(x)); }, -30, 30, {}},
      {"clip", [](double x) { return std::min(2.0, std::max(-1.0, x)); }, -5, 5,
       Attrs().set("min", -1.0).set("max", 2.0)},
  };
  Rng rng(1);
  for (const UnaryCase& c : cases)
    for (DType dt : kFloats) check_unary_everywhere(c, dt, rng);
}

TEST(unary_integer_ops_wrap_like_numpy) {
  struct IntCase {
    const char* op;
    int64_t (*ref)(int64_t);
  };
  const IntCase cases[] = {
      {"neg", [](int64_t x) { return -x; }},
      {"abs", [](int64_t x) { return x < 0 ? -x : x; }},
      {"sign", [](int64_t x) { return int64_t(x > 0) - int64_t(x < 0); }},
      {"square", [](int64_t x) { return x * x; }},
  };
  Rng rng(2);
  for (const IntCase& c : cases)
    for (DType dt : kInts) {
      std::vector<Tensor> inputs;
      for (const Shape& shape : kShapes)
        inputs.push_back(make(dt, random_values(dt, numel_of(shape), rng, 0, 0), shape));
      inputs.push_back(transposed_view(dt, random_values(dt, 35, rng, 0, 0), {5, 7}));
      inputs.push_back(stepped_view(dt, random_values(dt, 9, rng, 0, 0)));
      for (const Tensor& x : inputs) {
        std::vector<double> in = read(x), want(in.size());
        for (size_t i = 0; i < in.size(); ++i) want[i] = wrap_to(dt, c.ref(static_cast<int64_t>(in[i])));
        expect_values(std::string(c.op) + " " + dtype_name(dt) + " " + shape_str(x.shape()) +
                          (x.is_contiguous() ? "" : " strided"),
                      call(c.op, {x})[0], x.shape(), dt, want, 0);
      }
    }
  // u8 wraps: neg(3) = 253; abs is the identity; sign is 0 or 1; 20*20 = 400 = 144 (mod 256).
  Tensor u = Tensor::from_vector<uint8_t>({0, 3, 200}, {3});
  CHECK((ops::neg(u).to_vector<uint8_t>() == std::vector<uint8_t>{0, 253, 56}));
  CHECK((call("abs", {u})[0].to_vector<uint8_t>() == std::vector<uint8_t>{0, 3, 200}));
  CHECK((call("sign", {u})[0].to_vector<uint8_t>() == std::vector<uint8_t>{0, 1, 1}));
  Tensor twenty = Tensor::from_vector<uint8_t>({20}, {1});
  CHECK((call("square", {twenty})[0].to_vector<uint8_t>() == std::vector<uint8_t>{144}));
  // The most negative integer has no positive counterpart: neg and abs wrap to itself instead of overflowing.
  const int32_t lo = std::numeric_limits<int32_t>::min();
  Tensor m = Tensor::from_vector<int32_t>({lo, -5}, {2});
  CHECK((ops::neg(m).to_vector<int32_t>() == std::vector<int32_t>{lo, 5}));
  CHECK((call("abs", {m})[0].to_vector<int32_t>() == std::vector<int32_t>{lo, 5}));
}

TEST(unary_special_values) {
  for (DType dt : kFloats) {
    Tensor big = make(dt, {-1000, 1000}, {2});
    std::vector<double> s = read(ops::sigmoid(big));
    CHECK(std::isfinite(s[0]) && std::isfinite(s[1]));
    CHECK(s[0] == 0 && s[1] == 1);
    std::vector<double> sp = read(call("softplus", {big})[0]);
    CHECK(sp[0] == 0 && sp[1] == 1000);
    double nan = std::numeric_limits<double>::quiet_NaN();
    Tensor nans = make(dt, {nan}, {1});
    for (const char* op : {"relu", "sign", "clip", "sigmoid", "abs"}) {
      Attrs attrs = std::string(op) == "clip" ? Attrs().set("min", 0.0).set("max", 1.0) : Attrs();
      CHECK(std::isnan(read(call(op, {nans}, attrs)[0])[0]));
    }
    std::vector<double> zero = read(ops::neg(make(dt, {0.0}, {1})));
    CHECK(zero[0] == 0 && std::signbit(zero[0]));
    CHECK(std::isnan(read(call("sqrt", {make(dt, {-1.0}, {1})})[0]).at(0)));
    CHECK(read(ops::log(make(dt, {0.0}, {1}))).at(0) == -std::numeric_limits<double>::infinity());
  }
}

TEST(logical_not) {
  Tensor b = Tensor::from_vector<bool>({true, false, false, true, true, false}, {2, 3});
  CHECK((call("logical_not", {b})[0].to_vector<bool>() == std::vector<bool>{false, true, true, false, false, true}));
  CHECK((call("logical_not", {ops::transpose(b, 0, 1)})[0].to_vector<bool>() ==
         std::vector<bool>{false, false, true, false, true, true}));
  Rng rng(6);
  std::vector<double> v = random_values(DType::Bool, 70001, rng, 0, 0), want(v.size());
  for (size_t i = 0; i < v.size(); ++i) want[i] = v[i] == 0;
  expect_values("logical_not large", call("logical_not", {make(DType::Bool, v, {70001})})[0], {70001}, DType::Bool,
                want, 0);
  expect_values("logical_not stepped", call("logical_not", {stepped_view(DType::Bool, v)})[0], {70001}, DType::Bool,
                want, 0);
  CHECK(call("logical_not", {Tensor::from_vector<bool>({}, {0})})[0].numel() == 0);
}

// ---- binary ----

struct BinaryCase {
  const char* op;
  double (*ref)(double, double);       // floats
  int64_t (*iref)(int64_t, int64_t);   // integers and bool, before wrapping to the dtype
  bool compare;                        // bool output
  bool floats_only;
  bool bool_only;
};

// Row-major index, in `in` (right-aligned against `out` as broadcasting does), of what out's flat index reads.
int64_t source_index(int64_t flat, const Shape& out, const Shape& in) {
  int64_t idx = 0, stride = 1;
  size_t lead = out.size() - in.size();
  for (size_t d = out.size(); d-- > 0;) {
    int64_t coord = flat % out[d];
    flat /= out[d];
    if (d < lead) continue;
    int64_t size = in[d - lead];
    if (size != 1) idx += coord * stride;
    stride *= size;
  }
  return idx;
}

Shape broadcast(const Shape& a, const Shape& b) {
  Shape out(std::max(a.size(), b.size()), 1);
  for (size_t i = 0; i < out.size(); ++i) {
    int64_t da = i < out.size() - a.size() ? 1 : a[i - (out.size() - a.size())];
    int64_t db = i < out.size() - b.size() ? 1 : b[i - (out.size() - b.size())];
    out[i] = da == 1 ? db : da;
  }
  return out;
}

void check_binary(const BinaryCase& c, DType dt, const Tensor& a, const Tensor& b, const std::string& layout) {
  Shape shape = broadcast(a.shape(), b.shape());
  std::vector<double> va = read(a), vb = read(b), want(static_cast<size_t>(numel_of(shape)));
  bool floating = dt == DType::F32 || dt == DType::F64;
  for (int64_t i = 0; i < numel_of(shape); ++i) {
    double x = va[static_cast<size_t>(source_index(i, shape, a.shape()))];
    double y = vb[static_cast<size_t>(source_index(i, shape, b.shape()))];
    want[static_cast<size_t>(i)] = floating ? c.ref(x, y)
                                            : wrap_to(c.compare ? DType::Bool : dt,
                                                      c.iref(static_cast<int64_t>(x), static_cast<int64_t>(y)));
  }
  Tensor out = call(c.op, {a, b})[0];
  expect_values(std::string(c.op) + " " + dtype_name(dt) + " " + layout, out, shape, c.compare ? DType::Bool : dt,
                want, c.compare ? 0 : tolerance(dt));
}

// Value ranges: comparisons draw small integers so ties happen; division keeps the divisor away from zero for floats;
// pow keeps the base positive.
void fill_pair(const BinaryCase& c, DType dt, Rng& rng, int64_t na, int64_t nb, std::vector<double>& va,
               std::vector<double>& vb) {
  std::string op = c.op;
  bool floating = dt == DType::F32 || dt == DType::F64;
  if (floating && (c.compare || op == "maximum" || op == "minimum")) {
    va = random_values(DType::I32, na, rng, 0, 0);
    vb = random_values(DType::I32, nb, rng, 0, 0);
    for (double& v : va) v = std::fmod(v, 4);
    for (double& v : vb) v = std::fmod(v, 4);
  } else if (op == "pow") {
    va = random_values(dt, na, rng, 0.1, 3);
    vb = random_values(dt, nb, rng, -2, 2);
  } else {
    va = random_values(dt, na, rng, -5, 5);
    vb = random_values(dt, nb, rng, -5, 5);
    if (floating && op == "div")
      for (double& v : vb) v = v < 0 ? v - 0.5 : v + 0.5;
  }
}

void check_binary_everywhere(const BinaryCase& c, DType dt, Rng& rng) {
  const std::pair<Shape, Shape> pairs[] = {
      {{7}, {7}},       {{3, 1}, {1, 4}},     {{2, 3, 4}, {4}},   {{}, {5}},         {{5}, {}},
      {{}, {}},         {{1}, {4}},           {{4, 1}, {3}},      {{2, 1, 3}, {4, 1}}, {{0, 3}, {3}},
      {{2, 0}, {2, 1}}, {{0}, {}},            {{300, 257}, {257}}, {{300, 1}, {1, 257}}, {{70001}, {70001}},
      {{70001}, {}},    {{}, {70001}},        {{1, 70001}, {70001}},
  };
  std::vector<double> va, vb;
  for (const auto& [sa, sb] : pairs) {
    fill_pair(c, dt, rng, numel_of(sa), numel_of(sb), va, vb);
    check_binary(c, dt, make(dt, va, sa), make(dt, vb, sb), shape_str(sa) + "+" + shape_str(sb));
  }
  fill_pair(c, dt, rng, 20, 20, va, vb);
  check_binary(c, dt, transposed_view(dt, va, {4, 5}), make(dt, vb, {4, 5}), "transposed+contiguous");
  check_binary(c, dt, make(dt, va, {4, 5}), transposed_view(dt, vb, {4, 5}), "contiguous+transposed");
  check_binary(c, dt, transposed_view(dt, va, {4, 5}), make(dt, std::vector<double>(vb.begin(), vb.begin() + 5), {5}),
               "transposed+row");
  fill_pair(c, dt, rng, 9, 9, va, vb);
  check_binary(c, dt, stepped_view(dt, va), make(dt, vb, {9}), "stepped+contiguous");
  check_binary(c, dt, stepped_view(dt, va), make(dt, {vb[0]}, {}), "stepped+scalar");
  fill_pair(c, dt, rng, 300 * 257, 300 * 257, va, vb);
  check_binary(c, dt, transposed_view(dt, va, {300, 257}), transposed_view(dt, vb, {300, 257}),
               "large transposed+transposed");
}

const BinaryCase kBinaryCases[] = {
    {"add", [](double x, double y) { return x + y; }, [](int64_t x, int64_t y) { return x + y; }, false, false, false},
    {"sub", [](double x, double y) { return x - y; }, [](int64_t x, int64_t y) { return x - y; }, false, false, false},
    {"mul", [](double x, double y) { return x * y; }, [](int64_t x, int64_t y) { return x * y; }, false, false, false},
    {"div", [](double x, double y) { return x / y; },
     [](int64_t x, int64_t y) { return y == 0 ? int64_t(0) : x / y; }, false, false, false},
    {"pow", [](double x, double y) { return std::pow(x, y); }, nullptr, false, true, false},
    {"maximum", [](double x, double y) { return std::max(x, y); },
     [](int64_t x, int64_t y) { return std::max(x, y); }, false, false, false},
    {"minimum", [](double x, double y) { return std::min(x, y); },
     [](int64_t x, int64_t y) { return std::min(x, y); }, false, false, false},
    {"equal", [](double x, double y) { return double(x == y); }, [](int64_t x, int64_t y) { return int64_t(x == y); },
     true, false, false},
    {"not_equal", [](double x, double y) { return double(x != y); },
     [](int64_t x, int64_t y) { return int64_t(x != y); }, true, false, false},
    {"less", [](double x, double y) { return double(x < y); }, [](int64_t x, int64_t y) { return int64_t(x < y); },
     true, false, false},
    {"less_equal", [](double x, double y) { return double(x <= y); },
     [](int64_t x, int64_t y) { return int64_t(x <= y); }, true, false, false},
    {"greater", [](double x, double y) { return double(x > y); }, [](int64_t x, int64_t y) { return int64_t(x > y); },
     true, false, false},
    {"greater_equal", [](double x, double y) { return double(x >= y); },
     [](int64_t x, int64_t y) { return int64_t(x >= y); }, true, false, false},
    {"logical_and", nullptr, [](int64_t x, int64_t y) { return int64_t(x && y); }, true, false, true},
    {"logical_or", nullptr, [](int64_t x, int64_t y) { return int64_t(x || y); }, true, false, true},
    {"logical_xor", nullptr, [](int64_t x, int64_t y) { return int64_t(x != y); }, true, false, true},
};

TEST(binary_ops_match_reference_with_broadcasting) {
  Rng rng(3);
  for (const BinaryCase& c : kBinaryCases) {
    if (c.bool_only) {
      check_binary_everywhere(c, DType::Bool, rng);
      continue;
    }
    for (DType dt : kFloats) check_binary_everywhere(c, dt, rng);
    if (c.floats_only) continue;
    for (DType dt : kInts) check_binary_everywhere(c, dt, rng);
    if (c.compare) check_binary_everywhere(c, DType::Bool, rng);
  }
}

TEST(results_do_not_depend_on_thread_count) {
  int saved = num_threads();
  Rng rng(4);
  std::vector<double> va = random_values(DType::F32, 300 * 257, rng, -5, 5);
  std::vector<double> vb = random_values(DType::F32, 257, rng, -5, 5);
  for (int threads : {1, 3, 5}) {
    set_num_threads(threads);
    check_binary(kBinaryCases[0], DType::F32, transposed_view(DType::F32, va, {300, 257}), make(DType::F32, vb, {257}),
                 "threads=" + std::to_string(threads));
    check_unary({"exp", [](double x) { return std::exp(x); }, 0, 0, {}}, DType::F32,
                transposed_view(DType::F32, va, {300, 257}), "threads=" + std::to_string(threads));
  }
  set_num_threads(saved);
}

TEST(integer_division_truncates_and_defines_zero_divisor_as_zero) {
  Tensor a = Tensor::from_vector<int32_t>({7, -7, 7, -7, 5, 0}, {6});
  Tensor b = Tensor::from_vector<int32_t>({2, 2, -2, -2, 0, 0}, {6});
  CHECK((ops::div(a, b).to_vector<int32_t>() == std::vector<int32_t>{3, -3, -3, 3, 0, 0}));
  Tensor a64 = Tensor::from_vector<int64_t>({std::numeric_limits<int64_t>::min(), 9}, {2});
  Tensor b64 = Tensor::from_vector<int64_t>({-1, 0}, {2});
  CHECK((ops::div(a64, b64).to_vector<int64_t>() == std::vector<int64_t>{std::numeric_limits<int64_t>::min(), 0}));
  Tensor a32 = Tensor::from_vector<int32_t>({std::numeric_limits<int32_t>::min()}, {});
  CHECK((ops::div(a32, Tensor::from_vector<int32_t>({-1}, {})).to_vector<int32_t>() ==
         std::vector<int32_t>{std::numeric_limits<int32_t>::min()}));
  Tensor u = Tensor::from_vector<uint8_t>({200, 9}, {2});
  CHECK((ops::div(u, Tensor::from_vector<uint8_t>({0}, {})).to_vector<uint8_t>() == std::vector<uint8_t>{0, 0}));
  // A zero divisor broadcast across a large tensor goes through the threaded path.
  Tensor big = ops::full({100000}, 3, DType::I64);
  std::vector<int64_t> q = ops::div(big, Tensor::from_vector<int64_t>({0}, {1})).to_vector<int64_t>();
  CHECK(q.size() == 100000 && q.front() == 0 && q.back() == 0);
}

TEST(integer_arithmetic_wraps_instead_of_overflowing) {
  const int32_t max = std::numeric_limits<int32_t>::max(), min = std::numeric_limits<int32_t>::min();
  Tensor a = Tensor::from_vector<int32_t>({max, min, 65536}, {3});
  Tensor b = Tensor::from_vector<int32_t>({1, 1, 65536}, {3});
  CHECK((ops::add(a, b).to_vector<int32_t>() == std::vector<int32_t>{min, min + 1, 131072}));
  CHECK((ops::sub(a, b).to_vector<int32_t>() == std::vector<int32_t>{max - 1, max, 0}));
  CHECK((ops::mul(a, b).to_vector<int32_t>() == std::vector<int32_t>{max, min, 0}));
  Tensor u = Tensor::from_vector<uint8_t>({250, 3}, {2}), v = Tensor::from_vector<uint8_t>({10, 5}, {2});
  CHECK((ops::add(u, v).to_vector<uint8_t>() == std::vector<uint8_t>{4, 8}));
  CHECK((ops::sub(u, v).to_vector<uint8_t>() == std::vector<uint8_t>{240, 254}));
  CHECK((ops::mul(u, v).to_vector<uint8_t>() == std::vector<uint8_t>{196, 15}));
}

TEST(maximum_and_minimum_propagate_nan) {
  double nan = std::numeric_limits<double>::quiet_NaN();
  for (DType dt : kFloats) {
    Tensor a = make(dt, {nan, 1, nan, 2}, {4});
    Tensor b = make(dt, {1, nan, nan, 3}, {4});
    for (const char* op : {"maximum", "minimum"}) {
      std::vector<double> r = read(ops::binary(op, a, b));
      CHECK(std::isnan(r[0]) && std::isnan(r[1]) && std::isnan(r[2]));
      CHECK(r[3] == (std::string(op) == "maximum" ? 3 : 2));
      std::vector<double> s = read(ops::binary(op, make(dt, {nan}, {}), make(dt, {1, 2}, {2})));
      CHECK(std::isnan(s[0]) && std::isnan(s[1]));
    }
  }
}

// ---- where ----

void check_where(DType dt, const Tensor& cond, const Tensor& a, const Tensor& b, const std::string& layout) {
  Shape shape = broadcast(broadcast(cond.shape(), a.shape()), b.shape());
  std::vector<double> vc = read(cond), va = read(a), vb = read(b), want(static_cast<size_t>(numel_of(shape)));
  for (int64_t i = 0; i < numel_of(shape); ++i)
    want[static_cast<size_t>(i)] = vc[static_cast<size_t>(source_index(i, shape, cond.shape()))] != 0
                                       ? va[static_cast<size_t>(source_index(i, shape, a.shape()))]
                                       : vb[static_cast<size_t>(source_index(i, shape, b.shape()))];
  expect_values(std::string("where ") + dtype_name(dt) + " " + layout, call("where", {cond, a, b})[0], shape, dt, want,
                0);
}

TEST(where_selects_with_broadcasting) {
  Rng rng(5);
  const Shape triples[][3] = {
      {{6}, {6}, {6}},          {{3, 1}, {1, 4}, {}}, {{}, {2, 3}, {3}}, {{2, 1, 4}, {3, 1}, {1}},
      {{0, 2}, {2}, {}},        {{4}, {0, 1}, {4}},   {{}, {}, {}},      {{70001}, {70001}, {70001}},
      {{300, 257}, {257}, {}},
  };
  const DType all[] = {DType::F32, DType::F64, DType::I32, DType::I64, DType::U8, DType::Bool};
  for (DType dt : all) {
    for (const auto& t : triples) {
      Tensor cond = make(DType::Bool, random_values(DType::Bool, numel_of(t[0]), rng, 0, 0), t[0]);
      Tensor a = make(dt, random_values(dt, numel_of(t[1]), rng, -5, 5), t[1]);
      Tensor b = make(dt, random_values(dt, numel_of(t[2]), rng, -5, 5), t[2]);
      check_where(dt, cond, a, b, shape_str(t[0]) + "," + shape_str(t[1]) + "," + shape_str(t[2]));
    }
    Tensor cond = transposed_view(DType::Bool, random_values(DType::Bool, 20, rng, 0, 0), {4, 5});
    Tensor a = stepped_view(dt, random_values(dt, 5, rng, -5, 5));
    Tensor b = transposed_view(dt, random_values(dt, 20, rng, -5, 5), {4, 5});
    check_where(dt, cond, a, b, "strided");
    check_where(dt, transposed_view(DType::Bool, random_values(DType::Bool, 300 * 257, rng, 0, 0), {300, 257}),
                make(dt, random_values(dt, 300 * 257, rng, -5, 5), {300, 257}), make(dt, {1}, {}), "large transposed");
  }
}

// ---- errors ----

TEST(errors_name_the_op) {
  Tensor f = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor d = Tensor::from_vector<double>({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor i = Tensor::from_vector<int32_t>({1, 2, 3, 4}, {4});
  Tensor b = Tensor::from_vector<bool>({true, false}, {2});
  CHECK_THROWS(ops::add(f, d), Status::DType, "add");
  CHECK_THROWS(ops::add(f, Tensor::from_vector<float>({1, 2, 3, 4}, {4})), Status::Shape, "add");
  CHECK_THROWS(call("where", {b, f, d}), Status::DType, "where");
  CHECK_THROWS(call("where", {Tensor::from_vector<int32_t>({1, 0}, {2}), b, b}), Status::DType, "where");
  CHECK_THROWS(call("sqrt", {i}), Status::DType, "sqrt");
  CHECK_THROWS(call("pow", {i, i}), Status::DType, "pow");
  CHECK_THROWS(call("logical_and", {f, f}), Status::DType, "logical_and");
  CHECK_THROWS(call("logical_not", {f}), Status::DType, "logical_not");
  CHECK_THROWS(ops::add(b, b), Status::DType, "add");
  CHECK_THROWS(call("gelu", {f}, Attrs().set("approximate", 2)), Status::InvalidArgument, "gelu");
  CHECK_THROWS(call("leaky_relu", {f}, Attrs().set("slope", 0.1)), Status::InvalidArgument, "leaky_relu");
}

}  // namespace

TEST_MAIN()
