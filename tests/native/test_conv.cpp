// conv2d, its two backward ops and conv2d_transpose against direct loops in double: strides 1 and 2, valid, same and
// explicit padding, dilation, groups (depthwise too), 1x1 kernels, odd sizes, batches of 0, 1, 2 and 3, images large
// enough to span several pixel blocks; results independent of the thread count; shape and attribute errors.
#include <cmath>
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

using Ints = std::vector<int64_t>;

// Expected values and, per element, the sum of |terms| (the size of the rounding error to expect).
struct Reference {
  Shape shape;
  std::vector<double> value, scale;
  explicit Reference(Shape s) : shape(std::move(s)), value(static_cast<size_t>(numel_of(shape))), scale(value.size()) {}
  void add(int64_t i, double term) {
    value[static_cast<size_t>(i)] += term;
    scale[static_cast<size_t>(i)] += std::fabs(term);
  }
};

bool close_to(const Tensor& got, const Reference& ref, const std::string& what) {
  if (got.shape() != ref.shape) {
    std::fprintf(stderr, "%s: shape %s, expected %s\n", what.c_str(), shape_str(got.shape()).c_str(),
                 shape_str(ref.shape).c_str());
    return false;
  }
  const double rel = got.dtype() == DType::F32 ? 1e-5 : 1e-12;
  std::vector<double> v = values(got);
  for (size_t i = 0; i < v.size(); ++i)
    if (!(std::fabs(v[i] - ref.value[i]) <= rel * ref.scale[i])) {
      std::fprintf(stderr, "%s: element %zu is %.9g, expected %.9g\n", what.c_str(), i, v[i], ref.value[i]);
      return false;
    }
  return true;
}

// One spatial axis, written out independently of the engine: output size and padding before the first element.
struct Axis {
  int64_t out, pad;
};
Axis conv_axis(int64_t in, int64_t k, int64_t stride, int64_t dilation, int64_t padding, int64_t before,
               int64_t after) {
  const int64_t eff = (k - 1) * dilation + 1;
  if (padding == 1) {
    const int64_t out = (in + stride - 1) / stride;
    return {out, std::max<int64_t>(0, (out - 1) * stride + eff - in) / 2};
  }
  if (padding == 0) before = after = 0;
  return {(in + before + after - eff) / stride + 1, before};
}

struct Config {
  Shape x, w;
  Ints strides{1, 1};
  int64_t padding = 0;
  Ints pads{0, 0, 0, 0};
  Ints dilations{1, 1};
  int64_t groups = 1;

  Attrs attrs() const {
    Attrs a;
    a.set("strides", strides).set("padding", padding).set("dilations", dilations).set("groups", groups);
    if (padding == 2) a.set("pads", pads);
    return a;
  }
  Axis rows() const { return conv_axis(x[1], w[0], strides[0], dilations[0], padding, pads[0], pads[1]); }
  Axis cols() const { return conv_axis(x[2], w[1], strides[1], dilations[1], padding, pads[2], pads[3]); }
  Shape y() const { return {x[0], rows().out, cols().out, w[3]}; }
  std::string str() const {
    return "x " + shape_str(x) + " w " + shape_str(w) + " strides " + shape_str(strides) + " padding " +
           std::to_string(padding) + " pads " + shape_str(pads) + " dilations " + shape_str(dilations) + " groups " +
           std::to_string(groups);
  }

  // Calls fn(xi, wi, yi) for every product x[xi]·w[wi] that conv2d adds into y[yi].
  template <class F>
  void for_each_term(F&& fn) const {
    const Axis r = rows(), c = cols();
    const int64_t cg = x[3] / groups, og = w[3] / groups;
    for (int64_t n = 0; n < x[0]; ++n)
      for (int64_t oh = 0; oh < r.out; ++oh)
        for (int64_t ow = 0; ow < c.out; ++ow)
          for (int64_t o = 0; o < w[3]; ++o)
            for (int64_t kh = 0; kh < w[0]; ++kh)
              for (int64_t kw = 0; kw < w[1]; ++kw)
                for (int64_t ci = 0; ci < cg; ++ci) {
                  int64_t ih = oh * strides[0] - r.pad + kh * dilations[0];
                  int64_t iw = ow * strides[1] - c.pad + kw * dilations[1];
                  if (ih < 0 || ih >= x[1] || iw < 0 || iw >= x[2]) continue;
                  int64_t xi = ((n * x[1] + ih) * x[2] + iw) * x[3] + o / og * cg + ci;
                  int64_t wi = ((kh * w[1] + kw) * cg + ci) * w[3] + o;
                  int64_t yi = ((n * r.out + oh) * c.out + ow) * w[3] + o;
                  fn(xi, wi, yi);
                }
  }
};

template <class T>
void check_config(const Config& cfg, uint32_t seed) {
  Tensor x = random_tensor<T>(cfg.x, seed), w = random_tensor<T>(cfg.w, seed + 1);
  Tensor dy = random_tensor<T>(cfg.y(), seed + 2);
  std::vector<double> xv = values(x), wv = values(w), dyv = values(dy);
  Reference y(cfg.y()), dx(cfg.x), dw(cfg.w);
  cfg.for_each_term([&](int64_t xi, int64_t wi, int64_t yi) {
    y.add(yi, xv[static_cast<size_t>(xi)] * wv[static_cast<size_t>(wi)]);
    dx.add(xi, dyv[static_cast<size_t>(yi)] * wv[static_cast<size_t>(wi)]);
    dw.add(wi, dyv[static_cast<size_t>(yi)] * xv[static_cast<size_t>(xi)]);
  });
  const std::string what = std::string(dtype_name(x.dtype())) + " " + cfg.str();
  CHECK(close_to(call("conv2d", {x, w}, cfg.attrs())[0], y, "conv2d " + what));
  CHECK(close_to(call("conv2d_backward_input", {dy, w}, cfg.attrs().set("input_shape", cfg.x))[0], dx,
                 "conv2d_backward_input " + what));
  CHECK(close_to(call("conv2d_backward_filter", {x, dy}, cfg.attrs().set("filter_shape", cfg.w))[0], dw,
                 "conv2d_backward_filter " + what));
}

std::vector<Config> configs() {
  std::vector<Config> c;
  c.push_back({{1, 5, 5, 1}, {3, 3, 1, 1}});                                             // batch 1, one channel
  c.push_back({{3, 7, 6, 4}, {3, 3, 4, 5}, {1, 1}, 1});                                  // same
  c.push_back({{3, 7, 6, 4}, {3, 2, 4, 5}, {2, 2}, 1});                                  // same, stride 2, 3x2
  c.push_back({{2, 9, 8, 3}, {3, 3, 3, 4}, {2, 1}, 2, {1, 2, 0, 1}});                    // explicit pads
  c.push_back({{2, 9, 9, 3}, {3, 3, 3, 4}, {1, 1}, 0, {0, 0, 0, 0}, {2, 2}});            // dilation 2
  c.push_back({{1, 10, 9, 2}, {3, 3, 2, 3}, {2, 2}, 1, {0, 0, 0, 0}, {2, 2}});           // same, stride and dilation
  c.push_back({{2, 8, 7, 4}, {3, 3, 2, 6}, {1, 1}, 1, {0, 0, 0, 0}, {1, 1}, 2});         // groups 2
  c.push_back({{2, 6, 6, 4}, {3, 3, 1, 4}, {2, 2}, 1, {0, 0, 0, 0}, {1, 1}, 4});         // depthwise
  c.push_back({{2, 6, 5, 3}, {3, 3, 1, 6}, {1, 1}, 0, {0, 0, 0, 0}, {2, 2}, 3});         // depthwise x2, dilated
  c.push_back({{3, 5, 4, 6}, {1, 1, 6, 7}});                                             // pointwise
  c.push_back({{3, 5, 4, 6}, {1, 1, 3, 4}, {1, 1}, 0, {0, 0, 0, 0}, {1, 1}, 2});         // pointwise, groups 2
  c.push_back({{2, 7, 7, 3}, {1, 1, 3, 5}, {2, 2}});                                     // 1x1 stride 2
  c.push_back({{2, 5, 5, 3}, {1, 1, 3, 2}, {1, 1}, 2, {1, 0, 2, 1}});                    // 1x1 padded
  c.push_back({{2, 4, 4, 3}, {5, 5, 3, 2}, {1, 1}, 1});                                  // kernel over the image
  c.push_back({{0, 5, 5, 3}, {3, 3, 3, 2}, {1, 1}, 1});                                  // empty batch
  c.push_back({{3, 30, 29, 8}, {3, 3, 8, 16}, {1, 1}, 1});                               // several pixel blocks
  c.push_back({{3, 31, 30, 6}, {3, 3, 3, 4}, {2, 2}, 2, {2, 1, 0, 3}, {1, 2}, 2});       // blocks with groups
  c.push_back({{2, 40, 40, 3}, {5, 5, 3, 4}, {1, 1}, 0});                                // pixels > block
  c.push_back({{1, 6, 5, 64}, {3, 3, 64, 256}, {1, 1}, 1});                             // filter too big to tile
  return c;
}

TEST(conv2d_and_its_gradients_match_direct_loops) {
  uint32_t seed = 1;
  for (const Config& cfg : configs()) {
    check_config<float>(cfg, seed);
    check_config<double>(cfg, seed);
    seed += 3;
  }
}

TEST(results_do_not_depend_on_the_thread_count) {
  const int before = num_threads();
  // 16 output channels take the register-tiled products, 20 the OpenBLAS ones; both span several pixel blocks.
  for (int64_t o : {16, 20}) {
    Config cfg{{5, 33, 31, 8}, {3, 3, 8, o}, {1, 1}, 1};
    Tensor x = random_tensor<float>(cfg.x, 7), w = random_tensor<float>(cfg.w, 8);
    Tensor dy = random_tensor<float>(cfg.y(), 9);
    std::vector<std::vector<float>> runs[2];
    for (int threads : {1, 3}) {
      set_num_threads(threads);
      auto& run = runs[threads == 3];
      run.push_back(call("conv2d", {x, w}, cfg.attrs())[0].to_vector<float>());
      run.push_back(call("conv2d_backward_input", {dy, w}, cfg.attrs().set("input_shape", cfg.x))[0].to_vector<float>());
      run.push_back(
          call("conv2d_backward_filter", {x, dy}, cfg.attrs().set("filter_shape", cfg.w))[0].to_vector<float>());
    }
    for (size_t i = 0; i < runs[0].size(); ++i) CHECK(runs[0][i] == runs[1][i]);
  }
  set_num_threads(before);
}

// A second derivative through conv2d: d/dw of sum(dL/dx ²) with L = sum(tanh(conv2d(x, w))), against central
// differences of the first derivative computed without the tape.
TEST(second_derivatives_through_conv2d) {
  Config cfg{{1, 5, 4, 2}, {3, 3, 2, 2}, {2, 1}, 1};
  Tensor x = random_tensor<double>(cfg.x, 11), w = random_tensor<double>(cfg.w, 12);
  w.set_requires_grad(true);
  x.set_requires_grad(true);
  Tensor loss = ops::sum(ops::tanh(call("conv2d", {x, w}, cfg.attrs())[0]));
  Tensor gx = nr::grad({loss}, {x}, {}, false, true)[0];
  Tensor gw = nr::grad({ops::sum(ops::mul(gx, gx))}, {w})[0];
  auto penalty = [&](const std::vector<double>& wv) {
    NoGradGuard no_grad;
    Tensor wm = Tensor::from_vector(wv, cfg.w);
    Tensor t = ops::tanh(call("conv2d", {x.detach(), wm}, cfg.attrs())[0]);
    Tensor d = ops::sub(ops::ones(t.shape(), DType::F64), ops::mul(t, t));
    Tensor dx = call("conv2d_backward_input", {d, wm}, cfg.attrs().set("input_shape", cfg.x))[0];
    return ops::sum(ops::mul(dx, dx)).to_vector<double>()[0];
  };
  std::vector<double> base = w.detach().to_vector<double>(), an = gw.to_vector<double>();
  for (size_t e = 0; e < base.size(); ++e) {
    std::vector<double> up = base, down = base;
    up[e] += 1e-6;
    down[e] -= 1e-6;
    double numeric = (penalty(up) - penalty(down)) / 2e-6;
    CHECK_NEAR(an[e], numeric, 1e-6 + 1e-5 * std::fabs(numeric));
  }
}

TEST(non_contiguous_inputs) {
  Config cfg{{2, 6, 5, 3}, {3, 3, 3, 4}, {1, 1}, 1};
  Tensor nchw = random_tensor<double>({2, 3, 6, 5}, 3);
  Tensor x = ops::permute(nchw, {0, 2, 3, 1});
  Tensor w = random_tensor<double>(cfg.w, 4);
  CHECK(!x.is_contiguous());
  std::vector<double> a = call("conv2d", {x, w}, cfg.attrs())[0].to_vector<double>();
  std::vector<double> b = call("conv2d", {x.contiguous(), w}, cfg.attrs())[0].to_vector<double>();
  CHECK(a == b);
}

// conv2d_transpose against its own loop: each x[n,ih,iw,ci]·w[kh,kw,o,ci] lands on y[n, ih·s - pad + kh·d, ...].
template <class T>
void check_transpose(const Shape& xs, const Shape& ws, int64_t stride, int64_t padding, int64_t dilation,
                     const Ints& output_padding, uint32_t seed) {
  Attrs a;
  a.set("strides", Ints{stride, stride}).set("padding", padding).set("dilations", Ints{dilation, dilation});
  if (!output_padding.empty()) a.set("output_padding", output_padding);
  // keras.utils.conv_utils.deconv_output_length, then TensorFlow's padding of the conv2d mapping y back onto x.
  auto length = [&](int64_t in, int64_t k, int64_t extra) {
    const int64_t eff = (k - 1) * dilation + 1;
    if (output_padding.empty()) return padding == 1 ? in * stride : in * stride + std::max<int64_t>(eff - stride, 0);
    return (in - 1) * stride + eff - 2 * (padding == 1 ? eff / 2 : 0) + extra;
  };
  const int64_t oh = length(xs[1], ws[0], output_padding.empty() ? 0 : output_padding[0]);
  const int64_t ow = length(xs[2], ws[1], output_padding.empty() ? 0 : output_padding[1]);
  const int64_t top = conv_axis(oh, ws[0], stride, dilation, padding, 0, 0).pad;
  const int64_t left = conv_axis(ow, ws[1], stride, dilation, padding, 0, 0).pad;
  Tensor x = random_tensor<T>(xs, seed), w = random_tensor<T>(ws, seed + 1);
  std::vector<double> xv = values(x), wv = values(w);
  Reference y({xs[0], oh, ow, ws[2]});
  for (int64_t n = 0; n < xs[0]; ++n)
    for (int64_t ih = 0; ih < xs[1]; ++ih)
      for (int64_t iw = 0; iw < xs[2]; ++iw)
        for (int64_t kh = 0; kh < ws[0]; ++kh)
          for (int64_t kw = 0; kw < ws[1]; ++kw) {
            const int64_t h = ih * stride - top + kh * dilation, v = iw * stride - left + kw * dilation;
            if (h < 0 || h >= oh || v < 0 || v >= ow) continue;
            for (int64_t o = 0; o < ws[2]; ++o)
              for (int64_t ci = 0; ci < xs[3]; ++ci)
                y.add(((n * oh + h) * ow + v) * ws[2] + o,
                      xv[static_cast<size_t>(((n * xs[1] + ih) * xs[2] + iw) * xs[3] + ci)] *
                          wv[static_cast<size_t>(((kh * ws[1] + kw) * ws[2] + o) * ws[3] + ci)]);
          }
  CHECK(close_to(call("conv2d_transpose", {x, w}, a)[0], y,
                 "conv2d_transpose x " + shape_str(xs) + " w " + shape_str(ws) + " stride " + std::to_string(stride) +
                     " padding " + std::to_string(padding)));
}

TEST(conv2d_transpose_matches_a_direct_loop) {
  for (int dt = 0; dt < 2; ++dt) {
    auto run = dt ? check_transpose<double> : check_transpose<float>;
    run({2, 4, 3, 3}, {3, 3, 5, 3}, 2, 0, 1, {}, 1);    // valid
    run({2, 4, 3, 3}, {3, 3, 5, 3}, 2, 1, 1, {}, 2);    // same
    run({1, 5, 4, 2}, {3, 2, 3, 2}, 1, 1, 1, {}, 3);    // stride 1, even kernel width
    run({2, 3, 3, 2}, {2, 2, 3, 2}, 3, 0, 1, {}, 4);    // stride larger than the kernel
    run({1, 4, 4, 3}, {3, 3, 2, 3}, 2, 1, 1, {1, 1}, 5);  // output_padding, same
    run({1, 4, 3, 3}, {3, 3, 2, 3}, 2, 0, 1, {1, 0}, 6);  // output_padding, valid
    run({2, 4, 4, 2}, {3, 3, 3, 2}, 1, 0, 2, {}, 7);    // dilated
    run({3, 9, 8, 4}, {4, 4, 6, 4}, 2, 1, 1, {}, 8);    // even kernel, batch 3
  }
}

TEST(shape_and_attribute_errors) {
  Tensor x = ops::zeros({1, 5, 5, 3}), w = ops::zeros({3, 3, 4, 8});
  CHECK_THROWS(call("conv2d", {x, w}), Status::Shape, "conv2d: the input [1,5,5,3] has 3 channels but the filter [3,3,4,8] takes 4");
  CHECK_THROWS(call("conv2d", {ops::zeros({1, 2, 4, 1}), ops::zeros({3, 3, 1, 1})}), Status::Shape,
               "conv2d: the 3x3 window is larger than the 2x4 valid-padded input (input [1,2,4,1], filter [3,3,1,1])");
  CHECK_THROWS(call("conv2d", {x, ops::zeros({3, 3, 3, 1})}, Attrs().set("dilations", Ints{3, 1})),
               Status::Shape, "(7x3 dilated)");
  CHECK_THROWS(call("conv2d", {x, ops::zeros({3, 3, 1, 4})}, Attrs().set("groups", int64_t(2))), Status::Shape,
               "conv2d: groups 2 does not divide the 3 input channels (input [1,5,5,3], filter [3,3,1,4])");
  CHECK_THROWS(call("conv2d", {ops::zeros({1, 5, 5, 4}), ops::zeros({3, 3, 2, 3})}, Attrs().set("groups", int64_t(2))),
               Status::Shape, "does not divide the 3 output channels");
  CHECK_THROWS(call("conv2d", {ops::zeros({5, 5, 3}), w}), Status::Shape, "must be 4-D");
  CHECK_THROWS(call("conv2d", {x, ops::zeros({3, 3, 3, 2}, DType::F64)}), Status::DType, "dtype mismatch");
  CHECK_THROWS(call("conv2d", {ops::zeros({1, 5, 5, 3}, DType::I32), ops::zeros({3, 3, 3, 2}, DType::I32)}),
               Status::DType, "f32 or f64");
  Tensor w3 = ops::zeros({3, 3, 3, 2});
  CHECK_THROWS(call("conv2d", {x, w3}, Attrs().set("strides", Ints{0, 1})), Status::InvalidArgument, "strides");
  CHECK_THROWS(call("conv2d", {x, w3}, Attrs().set("padding", int64_t(3))), Status::InvalidArgument, "padding");
  CHECK_THROWS(call("conv2d", {x, w3}, Attrs().set("pads", Ints{1, 1, 1, 1})), Status::InvalidArgument,
               "pads is only read with padding 2");
  CHECK_THROWS(call("conv2d", {x, w3}, Attrs().set("padding", int64_t(2)).set("pads", Ints{1, 1})),
               Status::InvalidArgument, "4 ints");
  CHECK_THROWS(call("conv2d", {x, w3}, Attrs().set("groups", int64_t(0))), Status::InvalidArgument, "groups");
  CHECK_THROWS(call("conv2d_backward_input", {ops::zeros({1, 2, 3, 2}), w3}, Attrs().set("input_shape", Ints{1, 5, 5, 3})),
               Status::Shape, "conv2d_backward_input: dy [1,2,3,2] does not match the [1,3,3,2] result of conv2d");
  CHECK_THROWS(call("conv2d_backward_input", {ops::zeros({1, 3, 3, 2}), w3}), Status::InvalidArgument, "input_shape");
  CHECK_THROWS(call("conv2d_backward_filter", {x, ops::zeros({1, 3, 3, 3})}, Attrs().set("filter_shape", Ints{3, 3, 3, 2})),
               Status::Shape, "dy [1,3,3,3] does not match");
  CHECK_THROWS(call("conv2d_transpose", {x, ops::zeros({3, 3, 2, 4})}), Status::Shape,
               "conv2d_transpose: the input [1,5,5,3] has 3 channels but the filter [3,3,2,4] takes 4");
  CHECK_THROWS(call("conv2d_transpose", {x, ops::zeros({3, 3, 2, 3})}, Attrs().set("output_padding", Ints{1, 1})),
               Status::InvalidArgument, "output_padding [1,1] must be less than strides [1,1]");
  CHECK_THROWS(call("conv2d_transpose", {x, ops::zeros({3, 3, 2, 3})}, Attrs().set("padding", int64_t(2))),
               Status::InvalidArgument, "padding");
  // An even kernel with same padding and no output_padding lands on a size the stride cannot map back.
  CHECK_THROWS(call("conv2d_transpose", {x, ops::zeros({2, 2, 2, 3})},
                    Attrs().set("strides", Ints{2, 2}).set("padding", int64_t(1)).set("output_padding", Ints{0, 0})),
               Status::Shape, "does not map back");
}

}  // namespace

TEST_MAIN()
