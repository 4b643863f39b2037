// max/avg pooling, upsampling and their gradients against direct loops in double: valid and same padding, overlapping
// and non-overlapping windows, ties and NaN in max pooling, more channels than one block, empty batches; bilinear
// upsampling against values tf.image.resize gives; attribute and shape errors.
#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "check.h"
#include "neurite/ops.hpp"

using namespace nr;

namespace {

using Ints = std::vector<int64_t>;

// Values in {-1, -0.5, 0, 0.5, 1} when `ties`, so windows often hold equal maxima.
template <class T>
Tensor random_tensor(const Shape& shape, uint32_t seed, bool ties = false) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(-1, 1);
  std::vector<T> v(static_cast<size_t>(numel_of(shape)));
  for (T& e : v) e = static_cast<T>(ties ? std::round(dist(gen) * 2) / 2 : dist(gen));
  return Tensor::from_vector<T>(v, shape);
}

std::vector<double> values(const Tensor& t) {
  if (t.dtype() == DType::F32) {
    std::vector<float> v = t.to_vector<float>();
    return std::vector<double>(v.begin(), v.end());
  }
  return t.to_vector<double>();
}

// |got - want| <= rel · scale per element, where scale is the sum of |terms| (0: exact, NaN must match NaN).
bool close_to(const Tensor& got, const Shape& shape, const std::vector<double>& want, const std::vector<double>& scale,
              const std::string& what) {
  if (got.shape() != shape) {
    std::fprintf(stderr, "%s: shape %s, expected %s\n", what.c_str(), shape_str(got.shape()).c_str(),
                 shape_str(shape).c_str());
    return false;
  }
  const double rel = got.dtype() == DType::F32 ? 1e-5 : 1e-12;
  std::vector<double> v = values(got);
  for (size_t i = 0; i < v.size(); ++i) {
    bool ok = std::isnan(want[i]) ? std::isnan(v[i]) : std::fabs(v[i] - want[i]) <= rel * scale[i];
    if (!ok) {
      std::fprintf(stderr, "%s: element %zu is %.9g, expected %.9g\n", what.c_str(), i, v[i], want[i]);
      return false;
    }
  }
  return true;
}

struct Pool {
  Shape x;
  Ints size, strides;
  int64_t padding;

  Attrs attrs() const { return Attrs().set("pool_size", size).set("strides", strides).set("padding", padding); }
  // Output length and leading padding of one axis (TensorFlow's rules, written out here).
  std::pair<int64_t, int64_t> axis(int d) const {
    const int64_t in = x[static_cast<size_t>(d + 1)], k = size[static_cast<size_t>(d)], s = strides[static_cast<size_t>(d)];
    if (padding == 0) return {(in - k) / s + 1, 0};
    const int64_t out = (in + s - 1) / s;
    return {out, std::max<int64_t>(0, (out - 1) * s + k - in) / 2};
  }
  Shape y() const { return {x[0], axis(0).first, axis(1).first, x[3]}; }
  std::string str() const {
    return "x " + shape_str(x) + " pool " + shape_str(size) + " strides " + shape_str(strides) + " padding " +
           std::to_string(padding);
  }
  // fn(y index, list of x indices in the window, in row-major order)
  template <class F>
  void for_each_window(F&& fn) const {
    auto [oh_n, top] = axis(0);
    auto [ow_n, left] = axis(1);
    for (int64_t n = 0; n < x[0]; ++n)
      for (int64_t oh = 0; oh < oh_n; ++oh)
        for (int64_t ow = 0; ow < ow_n; ++ow)
          for (int64_t c = 0; c < x[3]; ++c) {
            std::vector<int64_t> in;
            for (int64_t kh = 0; kh < size[0]; ++kh)
              for (int64_t kw = 0; kw < size[1]; ++kw) {
                int64_t ih = oh * strides[0] - top + kh, iw = ow * strides[1] - left + kw;
                if (ih >= 0 && ih < x[1] && iw >= 0 && iw < x[2]) in.push_back(((n * x[1] + ih) * x[2] + iw) * x[3] + c);
              }
            fn(((n * oh_n + oh) * ow_n + ow) * x[3] + c, in);
          }
  }
};

template <class T>
void check_pool(const Pool& p, uint32_t seed, bool ties, bool with_nan = false) {
  Tensor x = random_tensor<T>(p.x, seed, ties);
  if (with_nan) {
    std::vector<T> v = x.to_vector<T>();
    v[v.size() / 3] = std::numeric_limits<T>::quiet_NaN();
    x = Tensor::from_vector<T>(v, p.x);
  }
  Tensor dy = random_tensor<T>(p.y(), seed + 1);
  std::vector<double> xv = values(x), dyv = values(dy);
  const size_t ny = static_cast<size_t>(numel_of(p.y())), nx = xv.size();
  std::vector<double> mx(ny), mscale(ny, 0), av(ny), ascale(ny), mdx(nx, 0), mdxs(nx, 0), adx(nx, 0), adxs(nx, 0);
  p.for_each_window([&](int64_t yi, const std::vector<int64_t>& in) {
    size_t best = static_cast<size_t>(in[0]);
    double sum = 0, abs_sum = 0;
    for (int64_t i : in) {
      double v = xv[static_cast<size_t>(i)];
      if (v > xv[best] || (std::isnan(v) && !std::isnan(xv[best]))) best = static_cast<size_t>(i);
      sum += v;
      abs_sum += std::fabs(v);
    }
    const double count = static_cast<double>(in.size()), g = dyv[static_cast<size_t>(yi)];
    mx[static_cast<size_t>(yi)] = xv[best];
    av[static_cast<size_t>(yi)] = sum / count;
    ascale[static_cast<size_t>(yi)] = abs_sum / count;
    mdx[best] += g;
    mdxs[best] += std::fabs(g);
    for (int64_t i : in) {
      adx[static_cast<size_t>(i)] += g / count;
      adxs[static_cast<size_t>(i)] += std::fabs(g / count);
    }
  });
  const std::string what = std::string(dtype_name(x.dtype())) + " " + p.str();
  CHECK(close_to(call("max_pool2d", {x}, p.attrs())[0], p.y(), mx, mscale, "max_pool2d " + what));
  CHECK(close_to(call("max_pool2d_grad", {x, dy}, p.attrs())[0], p.x, mdx, mdxs, "max_pool2d_grad " + what));
  if (with_nan) return;
  CHECK(close_to(call("avg_pool2d", {x}, p.attrs())[0], p.y(), av, ascale, "avg_pool2d " + what));
  CHECK(close_to(call("avg_pool2d_grad", {dy}, p.attrs().set("input_shape", p.x))[0], p.x, adx, adxs,
                 "avg_pool2d_grad " + what));
}

TEST(pooling_and_its_gradients_match_direct_loops) {
  const std::vector<Pool> pools = {
      {{2, 6, 6, 3}, {2, 2}, {2, 2}, 0}, {{1, 7, 5, 2}, {3, 3}, {2, 2}, 0}, {{3, 7, 5, 4}, {3, 3}, {2, 2}, 1},
      {{2, 5, 6, 3}, {2, 2}, {1, 1}, 1}, {{1, 4, 4, 70}, {2, 2}, {2, 2}, 0}, {{2, 3, 3, 2}, {3, 2}, {1, 2}, 1},
      {{0, 4, 4, 2}, {2, 2}, {2, 2}, 0}, {{2, 9, 7, 5}, {2, 3}, {3, 1}, 0}, {{1, 1, 1, 3}, {3, 3}, {1, 1}, 1},
  };
  uint32_t seed = 1;
  for (const Pool& p : pools)
    for (bool ties : {false, true}) {
      check_pool<float>(p, seed, ties);
      check_pool<double>(p, seed, ties);
      seed += 2;
    }
  check_pool<float>({{2, 5, 5, 3}, {3, 3}, {2, 2}, 1}, 99, false, true);
  check_pool<double>({{2, 5, 5, 3}, {3, 3}, {1, 1}, 0}, 98, false, true);
}

TEST(pool_strides_default_to_the_pool_size) {
  Tensor x = random_tensor<float>({1, 6, 4, 1}, 5);
  Tensor a = call("max_pool2d", {x}, Attrs().set("pool_size", Ints{3, 2}))[0];
  Tensor b = call("max_pool2d", {x}, Attrs().set("pool_size", Ints{3, 2}).set("strides", Ints{3, 2}))[0];
  CHECK((a.shape() == Shape{1, 2, 2, 1}));
  CHECK(a.to_vector<float>() == b.to_vector<float>());
}

struct Upsample {
  Shape x;
  Ints size;
  int64_t interpolation;
  Shape y() const { return {x[0], x[1] * size[0], x[2] * size[1], x[3]}; }
  Attrs attrs() const { return Attrs().set("size", size).set("interpolation", interpolation); }
  // The input rows (or columns) and weights that output index o of axis d reads.
  std::vector<std::pair<int64_t, double>> taps(int d, int64_t o) const {
    const int64_t in = x[static_cast<size_t>(d + 1)], f = size[static_cast<size_t>(d)];
    if (interpolation == 0) return {{o / f, 1.0}};
    double src = (o + 0.5) / static_cast<double>(f) - 0.5, lo = std::floor(src), frac = src - lo;
    auto clamp = [&](double i) { return std::min<int64_t>(std::max<int64_t>(static_cast<int64_t>(i), 0), in - 1); };
    return {{clamp(lo), 1 - frac}, {clamp(lo + 1), frac}};
  }
};

template <class T>
void check_upsample(const Upsample& u, uint32_t seed) {
  Tensor x = random_tensor<T>(u.x, seed), dy = random_tensor<T>(u.y(), seed + 1);
  std::vector<double> xv = values(x), dyv = values(dy);
  const Shape ys = u.y();
  std::vector<double> y(static_cast<size_t>(numel_of(ys))), ys_(y.size()), dx(xv.size()), dxs(xv.size());
  for (int64_t n = 0; n < ys[0]; ++n)
    for (int64_t oh = 0; oh < ys[1]; ++oh)
      for (int64_t ow = 0; ow < ys[2]; ++ow)
        for (int64_t c = 0; c < ys[3]; ++c) {
          const size_t yi = static_cast<size_t>(((n * ys[1] + oh) * ys[2] + ow) * ys[3] + c);
          for (auto [h, wh] : u.taps(0, oh))
            for (auto [w, ww] : u.taps(1, ow)) {
              const size_t xi = static_cast<size_t>(((n * u.x[1] + h) * u.x[2] + w) * u.x[3] + c);
              y[yi] += wh * ww * xv[xi];
              ys_[yi] += std::fabs(wh * ww * xv[xi]) * 4;  // tf's lerp form rounds a few more times
              dx[xi] += wh * ww * dyv[yi];
              dxs[xi] += std::fabs(wh * ww * dyv[yi]) * 4;
            }
        }
  const std::string what = std::string(dtype_name(x.dtype())) + " x " + shape_str(u.x) + " size " +
                           shape_str(u.size) + " interpolation " + std::to_string(u.interpolation);
  CHECK(close_to(call("upsample2d", {x}, u.attrs())[0], ys, y, ys_, "upsample2d " + what));
  CHECK(close_to(call("upsample2d_grad", {dy}, u.attrs().set("input_shape", u.x))[0], u.x, dx, dxs,
                 "upsample2d_grad " + what));
}

TEST(upsampling_and_its_gradient_match_direct_loops) {
  const std::vector<Upsample> cases = {
      {{2, 3, 4, 3}, {2, 2}, 0}, {{2, 3, 4, 3}, {2, 2}, 1}, {{1, 4, 3, 2}, {3, 2}, 0}, {{1, 4, 3, 2}, {3, 2}, 1},
      {{1, 1, 1, 2}, {4, 4}, 1}, {{2, 5, 5, 17}, {2, 3}, 1}, {{1, 2, 3, 1}, {1, 1}, 1}, {{0, 2, 2, 2}, {2, 2}, 1},
  };
  uint32_t seed = 1;
  for (const Upsample& u : cases) {
    check_upsample<float>(u, seed);
    check_upsample<double>(u, seed);
    seed += 2;
  }
}

TEST(bilinear_upsampling_matches_tf_image_resize) {
  // tf.image.resize([[1, 2], [3, 4]] as [1,2,2,1], (4, 4), "bilinear")
  Tensor x = Tensor::from_vector<float>({1, 2, 3, 4}, {1, 2, 2, 1});
  std::vector<float> y = call("upsample2d", {x}, Attrs().set("interpolation", int64_t(1)))[0].to_vector<float>();
  CHECK((y == std::vector<float>{1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f, 3.5f, 3, 3.25f,
                                 3.75f, 4}));
}

TEST(pool_and_upsample_errors) {
  Tensor x = ops::zeros({1, 5, 5, 3});
  CHECK_THROWS(call("max_pool2d", {x}), Status::InvalidArgument, "max_pool2d: the 'pool_size' attribute is required");
  CHECK_THROWS(call("max_pool2d", {x}, Attrs().set("pool_size", Ints{6, 2})), Status::Shape,
               "max_pool2d: the 6x2 window is larger than the 5x5 valid-padded input (pool_size [6,2], input [1,5,5,3])");
  CHECK_THROWS(call("avg_pool2d", {x}, Attrs().set("pool_size", Ints{2, 2}).set("padding", int64_t(2))),
               Status::InvalidArgument, "padding must be 0 (valid) or 1 (same)");
  CHECK_THROWS(call("avg_pool2d", {x}, Attrs().set("pool_size", Ints{2})), Status::InvalidArgument, "pool_size must be 2 ints");
  CHECK_THROWS(call("max_pool2d_grad", {x, ops::zeros({1, 2, 2, 2})}, Attrs().set("pool_size", Ints{2, 2})),
               Status::Shape, "max_pool2d_grad: dy [1,2,2,2] does not match the [1,2,2,3] result of max_pool2d([1,5,5,3])");
  CHECK_THROWS(call("avg_pool2d_grad", {ops::zeros({1, 2, 2, 3})}, Attrs().set("pool_size", Ints{2, 2})),
               Status::InvalidArgument, "input_shape");
  CHECK_THROWS(call("max_pool2d", {ops::zeros({5, 5, 3})}, Attrs().set("pool_size", Ints{2, 2})), Status::Shape, "4-D");
  CHECK_THROWS(call("upsample2d", {x}, Attrs().set("interpolation", int64_t(2))), Status::InvalidArgument,
               "interpolation");
  CHECK_THROWS(call("upsample2d", {x}, Attrs().set("size", Ints{0, 2})), Status::InvalidArgument, "size");
  CHECK_THROWS(call("upsample2d_grad", {ops::zeros({1, 10, 9, 3})}, Attrs().set("input_shape", Ints{1, 5, 5, 3})),
               Status::Shape, "upsample2d_grad: dy [1,10,9,3] does not match the [1,10,10,3] result");
  CHECK_THROWS(call("upsample2d", {ops::zeros({1, 5, 5, 3}, DType::I64)}), Status::DType, "f32 or f64");
}

}  // namespace

TEST_MAIN()
