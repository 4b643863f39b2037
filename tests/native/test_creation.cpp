// Creation ops (zeros, ones, full, arange, linspace, eye) and the Philox-based random ops.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "check.h"
#include "core/philox.h"
#include "core/thread_pool.h"
#include "neurite/ops.hpp"

using namespace nr;

namespace {

const DType kAllTypes[] = {DType::F32, DType::F64, DType::I32, DType::I64, DType::U8, DType::Bool};

// Values of any CPU dtype, read through the cast kernel (exact for the small values used here).
std::vector<double> as_f64(const Tensor& t) { return ops::cast(t, DType::F64).to_vector<double>(); }

Tensor make(const char* op, const Attrs& attrs) { return call(op, {}, attrs)[0]; }

Attrs random_attrs(const Shape& shape, int64_t seed, DType dt, int64_t offset = 0) {
  return Attrs().set("shape", shape).set("seed", seed).set("dtype", dt).set("offset", offset);
}

struct Moments {
  double mean, std, min, max;
};

template <class T>
Moments moments(const Tensor& t) {
  std::vector<T> v = t.to_vector<T>();
  double sum = 0, lo = INFINITY, hi = -INFINITY;
  for (T x : v) {
    sum += x;
    lo = std::min(lo, static_cast<double>(x));
    hi = std::max(hi, static_cast<double>(x));
  }
  double mean = sum / static_cast<double>(v.size()), ss = 0;
  for (T x : v) ss += (x - mean) * (x - mean);
  return {mean, std::sqrt(ss / static_cast<double>(v.size())), lo, hi};
}

bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.nbytes() == b.nbytes() && std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0;
}

}  // namespace

TEST(philox_known_answers) {
  // Random123's tests/kat_vectors, the three philox4x32 10 lines.
  auto b = philox::philox4x32_10(0, 0, 0, 0, 0, 0);
  CHECK(b.w[0] == 0x6627e8d5u && b.w[1] == 0xe169c58du && b.w[2] == 0xbc57ac4cu && b.w[3] == 0x9b00dbd8u);
  b = philox::philox4x32_10(~0u, ~0u, ~0u, ~0u, ~0u, ~0u);
  CHECK(b.w[0] == 0x408f276du && b.w[1] == 0x41c83b0eu && b.w[2] == 0xa20bc7c6u && b.w[3] == 0x6d5451fdu);
  b = philox::philox4x32_10(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0);
  CHECK(b.w[0] == 0xd16cfe09u && b.w[1] == 0x94fdccebu && b.w[2] == 0x5001e420u && b.w[3] == 0x24126ea1u);
}

TEST(uniform_never_reaches_high) {
  philox::Block top{{~0u, ~0u, ~0u, ~0u}}, zero{{0, 0, 0, 0}};
  // 1 + (1 - 2^-24) rounds to 2 in float: the sampler must step back below high.
  CHECK(philox::uniform<float>(top, 1.0f, 2.0f) < 2.0f);
  CHECK(philox::uniform<float>(top, 1.0f, 2.0f) >= 1.0f);
  CHECK(philox::uniform<double>(top, 1.0, 2.0) < 2.0);
  CHECK(philox::uniform<float>(zero, -3.0f, 5.0f) == -3.0f);
  CHECK(philox::uniform<double>(top, 4.0, 4.0) == 4.0);
  CHECK(philox::unit_f64(~0u, ~0u) == 1.0 - std::ldexp(1.0, -53));
  CHECK(philox::unit_f32(~0u) == 1.0f - std::ldexp(1.0f, -24));
}

TEST(zeros_ones_full_every_dtype) {
  for (DType dt : kAllTypes) {
    for (const Shape& shape : {Shape{}, Shape{0}, Shape{3, 0, 2}, Shape{2, 3}, Shape{70000}}) {
      int64_t n = numel_of(shape);
      Tensor z = ops::zeros(shape, dt), o = ops::ones(shape, dt), f = ops::full(shape, 7.75, dt);
      CHECK(z.dtype() == dt && z.shape() == shape && f.shape() == shape);
      double fv = dt == DType::Bool ? 1 : is_floating(dt) ? 7.75 : 7;  // integers truncate toward zero
      CHECK(as_f64(z) == std::vector<double>(static_cast<size_t>(n), 0.0));
      CHECK(as_f64(o) == std::vector<double>(static_cast<size_t>(n), 1.0));
      CHECK(as_f64(f) == std::vector<double>(static_cast<size_t>(n), fv));
    }
  }
  CHECK((ops::full({2}, -2.9, DType::I32).to_vector<int32_t>() == std::vector<int32_t>{-2, -2}));
  CHECK((ops::full({2}, 0.0, DType::Bool).to_vector<bool>() == std::vector<bool>{false, false}));
  CHECK(ops::full({1}, 255, DType::U8).to_vector<uint8_t>()[0] == 255);
  CHECK(std::isnan(ops::full({1}, NAN, DType::F32).to_vector<float>()[0]));
  CHECK_THROWS(ops::full({2}, -1, DType::U8), Status::InvalidArgument, "full: value -1 does not fit in u8");
  CHECK_THROWS(ops::full({2}, 256, DType::U8), Status::InvalidArgument, "full: value 256 does not fit in u8");
  CHECK_THROWS(ops::full({2}, 3e9, DType::I32), Status::InvalidArgument, "full: value 3e+09 does not fit in i32");
  CHECK_THROWS(ops::full({2}, NAN, DType::I64), Status::InvalidArgument, "full: value nan does not fit in i64");
  CHECK_THROWS(ops::zeros({2, -1}), Status::Shape, "zeros");
}

TEST(arange_matches_start_plus_i_step) {
  struct Case {
    double start, stop, step;
  };
  for (Case c : {Case{0, 5, 1}, Case{0, 5, 0.5}, Case{-3, 4, 0.7}, Case{10, 0, -3}, Case{2, 2, 1}, Case{5, 0, 1},
                 Case{0.25, 100000.5, 1}}) {
    int64_t n = std::max<int64_t>(0, static_cast<int64_t>(std::ceil((c.stop - c.start) / c.step)));
    for (DType dt : {DType::F32, DType::F64}) {
      Tensor t = ops::arange(c.start, c.stop, c.step, dt);
      CHECK((t.shape() == Shape{n}));
      std::vector<double> got = as_f64(t);
      bool ok = true;
      for (int64_t i = 0; i < n; ++i) {
        double want = c.start + static_cast<double>(i) * c.step;
        if (dt == DType::F32) want = static_cast<float>(want);
        ok = ok && got[static_cast<size_t>(i)] == want;
      }
      CHECK(ok);
    }
  }
  CHECK((ops::arange(10, 0, -3, DType::I32).to_vector<int32_t>() == std::vector<int32_t>{10, 7, 4, 1}));
  CHECK((ops::arange(0, 3, 1, DType::U8).to_vector<uint8_t>() == std::vector<uint8_t>{0, 1, 2}));
  // Integral start and step are exact in i64 beyond 2^53.
  double big = std::ldexp(1.0, 60);
  std::vector<int64_t> v = ops::arange(big, big + 1024, 1, DType::I64).to_vector<int64_t>();
  CHECK(v.size() == 1024 && v[0] == (int64_t{1} << 60) && v[1023] == (int64_t{1} << 60) + 1023);
  // Fractional steps on an integer dtype truncate start + i*step toward zero.
  CHECK((ops::arange(0, 2, 0.5, DType::I32).to_vector<int32_t>() == std::vector<int32_t>{0, 0, 1, 1}));
  CHECK_THROWS(ops::arange(250, 260, 1, DType::U8), Status::InvalidArgument, "arange: last value 259 does not fit in u8");
  CHECK_THROWS(ops::arange(-1, 3, 1, DType::U8), Status::InvalidArgument, "arange: start -1 does not fit in u8");
  CHECK_THROWS(ops::arange(0, 3, 1, DType::Bool), Status::DType, "arange: dtype bool is not supported");
  CHECK_THROWS(ops::arange(0, 3, 0), Status::InvalidArgument, "arange");
}

TEST(linspace_includes_stop_exactly) {
  for (DType dt : {DType::F32, DType::F64}) {
    for (int64_t num : {0, 1, 2, 7, 10, 100001}) {
      double start = 0.1, stop = 0.7;
      Tensor t = make("linspace", Attrs().set("start", start).set("stop", stop).set("num", num).set("dtype", dt));
      CHECK((t.shape() == Shape{num}) && t.dtype() == dt);
      std::vector<double> got = as_f64(t);
      bool ok = true;
      for (int64_t i = 0; i < num; ++i) {
        double step = num > 1 ? (stop - start) / static_cast<double>(num - 1) : 0.0;
        double want = i == num - 1 && num > 1 ? stop : start + static_cast<double>(i) * step;
        if (dt == DType::F32) want = static_cast<float>(want);
        ok = ok && got[static_cast<size_t>(i)] == want;
      }
      CHECK(ok);
    }
  }
  Tensor down = make("linspace", Attrs().set("start", 1.0).set("stop", -1.0).set("num", int64_t{5}).set("dtype", DType::F64));
  CHECK((down.to_vector<double>() == std::vector<double>{1, 0.5, 0, -0.5, -1}));
  CHECK_THROWS(make("linspace", Attrs().set("start", 0.0).set("stop", 1.0).set("num", int64_t{3}).set("dtype", DType::I32)),
               Status::DType, "linspace");
}

TEST(eye_puts_ones_on_the_kth_diagonal) {
  for (DType dt : kAllTypes) {
    for (int64_t n : {0, 1, 3, 5}) {
      for (int64_t m : {0, 1, 4}) {
        for (int64_t k : {-6, -2, -1, 0, 1, 3, 4}) {
          Tensor t = make("eye", Attrs().set("n", n).set("m", m).set("k", k).set("dtype", dt));
          CHECK((t.shape() == Shape{n, m}) && t.dtype() == dt);
          std::vector<double> got = as_f64(t);
          bool ok = true;
          for (int64_t r = 0; r < n; ++r)
            for (int64_t c = 0; c < m; ++c) ok = ok && got[static_cast<size_t>(r * m + c)] == (c - r == k ? 1.0 : 0.0);
          CHECK(ok);
        }
      }
    }
  }
  Tensor far = make("eye", Attrs().set("n", int64_t{2}).set("k", INT64_MAX));
  CHECK((far.to_vector<float>() == std::vector<float>(4, 0.0f)));
  Tensor square = make("eye", Attrs().set("n", int64_t{3}));  // m defaults to n, dtype to f32
  CHECK((square.shape() == Shape{3, 3}) && square.dtype() == DType::F32);
  CHECK((square.to_vector<float>() == std::vector<float>{1, 0, 0, 0, 1, 0, 0, 0, 1}));
  Tensor large = make("eye", Attrs().set("n", int64_t{600}).set("m", int64_t{300}).set("k", int64_t{-100}));
  std::vector<float> lv = large.to_vector<float>();
  double total = 0;
  for (float x : lv) total += x;
  CHECK(total == 300 && lv[100 * 300] == 1 && lv[399 * 300 + 299] == 1);
}

TEST(random_ops_do_not_depend_on_thread_count) {
  const int saved = num_threads();
  const Shape shape{1000, 1000};
  for (const char* op : {"random_uniform", "random_normal", "truncated_normal"}) {
    for (DType dt : {DType::F32, DType::F64}) {
      set_num_threads(1);
      Tensor one = make(op, random_attrs(shape, 1234, dt));
      set_num_threads(2);
      Tensor two = make(op, random_attrs(shape, 1234, dt));
      set_num_threads(3);
      Tensor three = make(op, random_attrs(shape, 1234, dt));
      CHECK(same_bytes(one, two));
      CHECK(same_bytes(one, three));
      Tensor other = make(op, random_attrs(shape, 1235, dt));
      std::vector<double> a = as_f64(one), b = as_f64(other);
      int64_t equal = 0;
      for (size_t i = 0; i < a.size(); ++i) equal += a[i] == b[i];
      CHECK(equal < 100);  // float collisions happen, but rarely
    }
  }
  set_num_threads(saved);
}

TEST(random_element_depends_on_offset_plus_index) {
  // Drawing with offset 5 gives the tail of the offset-0 stream: element i is a function of (seed, offset + i).
  for (const char* op : {"random_uniform", "random_normal", "truncated_normal"}) {
    Tensor whole = make(op, random_attrs({50000}, 99, DType::F64));
    Tensor tail = make(op, random_attrs({49995}, 99, DType::F64, 5));
    std::vector<double> w = whole.to_vector<double>(), t = tail.to_vector<double>();
    CHECK(std::equal(t.begin(), t.end(), w.begin() + 5));
    // Shape does not matter either, only the flat position.
    Tensor shaped = make(op, random_attrs({250, 200}, 99, DType::F64));
    CHECK(same_bytes(whole, shaped));
  }
  // A seed above 2^32 uses both key words.
  Tensor lo = make("random_uniform", random_attrs({100}, 7, DType::F32));
  Tensor hi = make("random_uniform", random_attrs({100}, 7 + (int64_t{1} << 32), DType::F32));
  CHECK(!same_bytes(lo, hi));
  Tensor scalar = make("random_normal", random_attrs({}, 3, DType::F32));
  CHECK(scalar.shape().empty() && scalar.numel() == 1);
  CHECK(make("random_uniform", random_attrs({0, 4}, 3, DType::F32)).numel() == 0);
}

TEST(uniform_statistics) {
  const int64_t n = 1 << 20;
  for (DType dt : {DType::F32, DType::F64}) {
    double low = -1.5, high = 4.0;
    Tensor t = make("random_uniform", random_attrs({n}, 42, dt).set("low", low).set("high", high));
    Moments m = dt == DType::F32 ? moments<float>(t) : moments<double>(t);
    double sd = (high - low) / std::sqrt(12.0), se = sd / std::sqrt(static_cast<double>(n));
    CHECK_NEAR(m.mean, (low + high) / 2, 4 * se);
    CHECK_NEAR(m.std, sd, 4 * sd / std::sqrt(2.0 * static_cast<double>(n)));
    CHECK(m.min >= low && m.max < high);
    CHECK(m.min < low + 1e-3 && m.max > high - 1e-3);
  }
  // [0, 1) f32: the top 24 bits, so every value is a multiple of 2^-24.
  std::vector<float> f = make("random_uniform", random_attrs({4096}, 5, DType::F32)).to_vector<float>();
  bool grid = true;
  for (float x : f) grid = grid && std::ldexp(static_cast<double>(x), 24) == std::floor(std::ldexp(static_cast<double>(x), 24));
  CHECK(grid);
  // f64 uses 53 bits: values carry bits below the 2^-24 .. 2^-32 an f32 or a single word could give.
  std::vector<double> d = make("random_uniform", random_attrs({4096}, 5, DType::F64)).to_vector<double>();
  int64_t fine = 0;
  bool on_grid53 = true;
  for (double x : d) {
    double scaled = std::ldexp(x, 53);
    on_grid53 = on_grid53 && scaled == std::floor(scaled);
    fine += std::fmod(scaled, std::ldexp(1.0, 21)) != 0;  // some of the lowest 21 of the 53 bits set
  }
  CHECK(on_grid53);
  CHECK(fine > 4000);
  CHECK_THROWS(make("random_uniform", random_attrs({2}, 1, DType::I32)), Status::DType, "random_uniform");
  CHECK_THROWS(make("random_uniform", random_attrs({2}, 1, DType::F32).set("low", 2.0).set("high", 1.0)),
               Status::InvalidArgument, "random_uniform: low 2 exceeds high 1");
}

TEST(normal_statistics) {
  const int64_t n = 1 << 20;
  const double se_mean = 1 / std::sqrt(static_cast<double>(n)), se_std = 1 / std::sqrt(2.0 * static_cast<double>(n));
  for (DType dt : {DType::F32, DType::F64}) {
    Tensor t = make("random_normal", random_attrs({n}, 2024, dt));
    Moments m = dt == DType::F32 ? moments<float>(t) : moments<double>(t);
    CHECK_NEAR(m.mean, 0.0, 4 * se_mean);
    CHECK_NEAR(m.std, 1.0, 4 * se_std);
    CHECK(m.max > 4 && m.min < -4);  // tails reach past 4 sigma on 1M samples (P(miss) ~ 1e-14)
    Tensor s = make("random_normal", random_attrs({n}, 7, dt).set("mean", 3.0).set("stddev", 0.5));
    Moments ms = dt == DType::F32 ? moments<float>(s) : moments<double>(s);
    CHECK_NEAR(ms.mean, 3.0, 4 * 0.5 * se_mean);
    CHECK_NEAR(ms.std, 0.5, 4 * 0.5 * se_std);
  }
  std::vector<float> zero_sd = make("random_normal", random_attrs({5}, 1, DType::F32).set("mean", 2.0).set("stddev", 0.0)).to_vector<float>();
  CHECK((zero_sd == std::vector<float>(5, 2.0f)));
  CHECK_THROWS(make("random_normal", random_attrs({2}, 1, DType::F32).set("stddev", -1.0)), Status::InvalidArgument,
               "random_normal: stddev must be >= 0");
}

TEST(truncated_normal_statistics) {
  const int64_t n = 1 << 20;
  const double kTruncatedStd = 0.87962566103423978;  // std of a standard normal truncated to [-2, 2]
  for (DType dt : {DType::F32, DType::F64}) {
    for (double mean : {0.0, 3.0}) {
      double stddev = mean == 0 ? 1.0 : 0.5;
      Tensor t = make("truncated_normal", random_attrs({n}, 11, dt).set("mean", mean).set("stddev", stddev));
      Moments m = dt == DType::F32 ? moments<float>(t) : moments<double>(t);
      double slack = 1e-6 * (std::fabs(mean) + 2 * stddev);  // the f32 rounding of a value on the bound
      CHECK(m.min >= mean - 2 * stddev - slack && m.max <= mean + 2 * stddev + slack);
      CHECK(m.min < mean - 1.99 * stddev && m.max > mean + 1.99 * stddev);
      double se_std = kTruncatedStd * stddev / std::sqrt(2.0 * static_cast<double>(n));
      CHECK_NEAR(m.mean, mean, 4 * kTruncatedStd * stddev / std::sqrt(static_cast<double>(n)));
      CHECK_NEAR(m.std, kTruncatedStd * stddev, 4 * se_std);
    }
  }
}

TEST_MAIN()
