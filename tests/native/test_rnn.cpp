// The recurrent cells (rnn_cell, lstm_cell, gru_cell) against naive double-precision loops written from Keras's
// formulas; their gradients (the fused backward ops) against the gradients of the same cell composed from primitive
// ops, for every output receiving gradient alone or together; second derivatives (the create_graph path) against
// finite differences; an LSTM unrolled over 5 steps against finite differences of the whole sequence's loss; shape,
// dtype and attribute errors; and independence from the thread count.
#include <cmath>
#include <random>
#include <string>

#include "check.h"
#include "core/thread_pool.h"
#include "neurite/autograd.hpp"
#include "neurite/ops.hpp"

// Weak: the test links only libneurite, which brings OpenBLAS in; resolved at load time from there.
extern "C" void openblas_set_num_threads(int num_threads) __attribute__((weak));

using namespace nr;

namespace {

using Vec = std::vector<double>;
using Ints = std::vector<int64_t>;

size_t idx(int64_t i) { return static_cast<size_t>(i); }

template <class T>
Tensor random_tensor(const Shape& shape, uint32_t seed, double scale = 1) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(-scale, scale);
  std::vector<T> v(idx(numel_of(shape)));
  for (T& e : v) e = static_cast<T>(dist(gen));
  return Tensor::from_vector<T>(v, shape);
}

Vec values(const Tensor& t) {
  if (t.dtype() == DType::F32) {
    std::vector<float> v = t.to_vector<float>();
    return Vec(v.begin(), v.end());
  }
  return t.to_vector<double>();
}

// |got - want| <= tol · max(1, |want|) elementwise, with matching shapes; reports the first difference.
void expect_close(const Tensor& got, const Shape& shape, const Vec& want, double tol, const std::string& what) {
  if (got.shape() != shape) {
    std::fprintf(stderr, "%s: shape %s, expected %s\n", what.c_str(), shape_str(got.shape()).c_str(),
                 shape_str(shape).c_str());
    ++nrtest::failures();
    return;
  }
  Vec g = values(got);
  for (size_t i = 0; i < g.size(); ++i)
    if (!(std::fabs(g[i] - want[i]) <= tol * std::max(1.0, std::fabs(want[i])))) {
      std::fprintf(stderr, "%s: element %zu is %.12g, expected %.12g\n", what.c_str(), i, g[i], want[i]);
      ++nrtest::failures();
      return;
    }
}

double tolerance(DType dt) { return dt == DType::F32 ? 1e-5 : 1e-12; }

// ---- naive references, from Keras's SimpleRNNCell, LSTMCell and GRUCell (reset_after=True) ----

double sigmoid(double v) { return 1 / (1 + std::exp(-v)); }

// z[n, k] = Σ_i a[n, i]·m[i, k], a plain triple loop.
Vec matmul_loop(const Vec& a, const Vec& m, int64_t rows, int64_t inner, int64_t cols) {
  Vec z(idx(rows * cols), 0.0);
  for (int64_t n = 0; n < rows; ++n)
    for (int64_t k = 0; k < cols; ++k)
      for (int64_t i = 0; i < inner; ++i)
        z[idx(n * cols + k)] += a[idx(n * inner + i)] * m[idx(i * cols + k)];
  return z;
}

struct Sizes {
  int64_t n, i, h;
};

Vec ref_rnn(const Sizes& s, const Vec& x, const Vec& h, const Vec& w, const Vec& u, const Vec& b, bool relu) {
  Vec zx = matmul_loop(x, w, s.n, s.i, s.h), zh = matmul_loop(h, u, s.n, s.h, s.h), out(zx.size());
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t j = 0; j < s.h; ++j) {
      size_t at = idx(n * s.h + j);
      double z = zx[at] + zh[at] + b[idx(j)];
      out[at] = relu ? std::max(z, 0.0) : std::tanh(z);
    }
  return out;
}

std::pair<Vec, Vec> ref_lstm(const Sizes& s, const Vec& x, const Vec& h, const Vec& c, const Vec& w, const Vec& u,
                             const Vec& b) {
  const int64_t H = s.h;
  Vec zx = matmul_loop(x, w, s.n, s.i, 4 * H), zh = matmul_loop(h, u, s.n, H, 4 * H);
  Vec h_out(idx(s.n * H)), c_out(h_out.size());
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t j = 0; j < H; ++j) {
      auto z = [&](int64_t gate) {
        size_t k = idx(gate * H + j);
        return zx[idx(n * 4 * H) + k] + zh[idx(n * 4 * H) + k] + b[k];
      };
      double ig = sigmoid(z(0)), fg = sigmoid(z(1)), cand = std::tanh(z(2)), og = sigmoid(z(3));
      size_t at = idx(n * H + j);
      c_out[at] = fg * c[at] + ig * cand;
      h_out[at] = og * std::tanh(c_out[at]);
    }
  return {h_out, c_out};
}

Vec ref_gru(const Sizes& s, const Vec& x, const Vec& h, const Vec& w, const Vec& u, const Vec& b) {
  const int64_t H = s.h;
  Vec xz = matmul_loop(x, w, s.n, s.i, 3 * H), hz = matmul_loop(h, u, s.n, H, 3 * H), out(idx(s.n * H));
  for (int64_t n = 0; n < s.n; ++n)
    for (int64_t j = 0; j < H; ++j) {
      auto xg = [&](int64_t gate) { return xz[idx(n * 3 * H + gate * H + j)] + b[idx(gate * H + j)]; };
      auto hg = [&](int64_t gate) { return hz[idx(n * 3 * H + gate * H + j)] + b[idx(3 * H + gate * H + j)]; };
      double z = sigmoid(xg(0) + hg(0)), r = sigmoid(xg(1) + hg(1)), cand = std::tanh(xg(2) + r * hg(2));
      size_t at = idx(n * H + j);
      out[at] = z * h[at] + (1 - z) * cand;
    }
  return out;
}

// ---- the same cells composed from primitive ops, for their gradients ----

Tensor affine(const Tensor& x, const Tensor& h, const Tensor& w, const Tensor& u) {
  return ops::add(ops::matmul(x, w), ops::matmul(h, u));
}
std::vector<Tensor> split(const Tensor& t, int64_t axis, int64_t sections) {
  return call("split", {t}, Attrs().set("axis", axis).set("sections", sections));
}

std::vector<Tensor> prim_rnn(const std::vector<Tensor>& in, bool relu) {
  Tensor z = ops::add(affine(in[0], in[1], in[2], in[3]), in[4]);
  return {relu ? ops::relu(z) : ops::tanh(z)};
}

std::vector<Tensor> prim_lstm(const std::vector<Tensor>& in) {
  std::vector<Tensor> z = split(ops::add(affine(in[0], in[1], in[3], in[4]), in[5]), 1, 4);
  Tensor c = ops::add(ops::mul(ops::sigmoid(z[1]), in[2]), ops::mul(ops::sigmoid(z[0]), ops::tanh(z[2])));
  return {ops::mul(ops::sigmoid(z[3]), ops::tanh(c)), c};
}

std::vector<Tensor> prim_gru(const std::vector<Tensor>& in) {
  std::vector<Tensor> b = split(in[4], 0, 2);
  std::vector<Tensor> xz = split(ops::add(ops::matmul(in[0], in[2]), b[0]), 1, 3);
  std::vector<Tensor> hz = split(ops::add(ops::matmul(in[1], in[3]), b[1]), 1, 3);
  Tensor z = ops::sigmoid(ops::add(xz[0], hz[0])), r = ops::sigmoid(ops::add(xz[1], hz[1]));
  Tensor cand = ops::tanh(ops::add(xz[2], ops::mul(r, hz[2])));
  Tensor one = ops::ones({}, in[0].dtype());
  return {ops::add(ops::mul(z, in[1]), ops::mul(ops::sub(one, z), cand))};
}

// A cell under test: its op, attributes, input shapes for given sizes, and its primitive-op twin.
struct CellCase {
  std::string op;
  Attrs attrs;
  std::vector<Shape> (*shapes)(const Sizes&);
  std::vector<Tensor> (*prim)(const std::vector<Tensor>&);
};

std::vector<Shape> rnn_shapes(const Sizes& s) { return {{s.n, s.i}, {s.n, s.h}, {s.i, s.h}, {s.h, s.h}, {s.h}}; }
std::vector<Shape> lstm_shapes(const Sizes& s) {
  return {{s.n, s.i}, {s.n, s.h}, {s.n, s.h}, {s.i, 4 * s.h}, {s.h, 4 * s.h}, {4 * s.h}};
}
std::vector<Shape> gru_shapes(const Sizes& s) {
  return {{s.n, s.i}, {s.n, s.h}, {s.i, 3 * s.h}, {s.h, 3 * s.h}, {2, 3 * s.h}};
}

std::vector<CellCase> cell_cases() {
  using In = const std::vector<Tensor>&;
  return {
      {"rnn_cell", Attrs(), rnn_shapes, [](In in) { return prim_rnn(in, false); }},
      {"rnn_cell", Attrs().set("activation", int64_t(1)), rnn_shapes, [](In in) { return prim_rnn(in, true); }},
      {"lstm_cell", Attrs(), lstm_shapes, prim_lstm},
      {"gru_cell", Attrs(), gru_shapes, prim_gru},
  };
}

const Sizes kSizes[] = {{1, 3, 4}, {3, 5, 2}, {3, 2, 7}, {0, 3, 2}, {2, 0, 3}, {2, 3, 0}, {4, 33, 17}};

std::string label(const CellCase& cell, const Sizes& s, DType dt) {
  return cell.op + (cell.attrs.get_int("activation", 0) ? " relu " : " ") + dtype_name(dt) + " N=" +
         std::to_string(s.n) + " I=" + std::to_string(s.i) + " H=" + std::to_string(s.h);
}

template <class T>
std::vector<Tensor> random_inputs(const std::vector<Shape>& shapes, uint32_t seed) {
  std::vector<Tensor> in;
  for (const Shape& s : shapes) in.push_back(random_tensor<T>(s, seed++));
  return in;
}

std::vector<Tensor> to_f64(const std::vector<Tensor>& in) {
  std::vector<Tensor> out;
  for (const Tensor& t : in) out.push_back(ops::cast(t, DType::F64));
  return out;
}

// ---- forward ----

template <class T>
void check_forward() {
  const DType dt = dtype_of<T>();
  uint32_t seed = 10;
  for (const Sizes& s : kSizes) {
    std::vector<Tensor> r = random_inputs<T>(rnn_shapes(s), seed += 10);
    std::vector<Tensor> l = random_inputs<T>(lstm_shapes(s), seed += 10);
    std::vector<Tensor> g = random_inputs<T>(gru_shapes(s), seed += 10);
    std::vector<Vec> rv, lv, gv;
    for (auto& t : r) rv.push_back(values(t));
    for (auto& t : l) lv.push_back(values(t));
    for (auto& t : g) gv.push_back(values(t));
    const std::string dims = std::string(dtype_name(dt)) + " N=" + std::to_string(s.n) + " I=" + std::to_string(s.i) +
                             " H=" + std::to_string(s.h);
    for (int64_t act : {0, 1}) {
      Tensor out = call("rnn_cell", r, Attrs().set("activation", act))[0];
      expect_close(out, {s.n, s.h}, ref_rnn(s, rv[0], rv[1], rv[2], rv[3], rv[4], act == 1), tolerance(dt),
                   "rnn_cell " + std::to_string(act) + " " + dims);
    }
    std::vector<Tensor> lo = call("lstm_cell", l);
    auto [lh, lc] = ref_lstm(s, lv[0], lv[1], lv[2], lv[3], lv[4], lv[5]);
    expect_close(lo[0], {s.n, s.h}, lh, tolerance(dt), "lstm_cell h' " + dims);
    expect_close(lo[1], {s.n, s.h}, lc, tolerance(dt), "lstm_cell c' " + dims);
    expect_close(call("gru_cell", g)[0], {s.n, s.h}, ref_gru(s, gv[0], gv[1], gv[2], gv[3], gv[4]), tolerance(dt),
                 "gru_cell " + dims);
  }
}

TEST(forward_matches_naive_loops_f32) { check_forward<float>(); }
TEST(forward_matches_naive_loops_f64) { check_forward<double>(); }

TEST(forward_takes_non_contiguous_operands) {
  Sizes s{3, 4, 5};
  std::vector<Tensor> l = random_inputs<float>(lstm_shapes(s), 7);
  Tensor w_t = random_tensor<float>({4 * s.h, s.i}, 99);  // stored [4H, I], passed transposed
  Tensor x_wide = random_tensor<float>({s.n, 2 * s.i}, 98);
  l[3] = ops::transpose(w_t, 0, 1);
  l[0] = call("slice", {x_wide}, Attrs().set("starts", Ints{0}).set("steps", Ints{2}).set("axes", Ints{1}))[0];
  std::vector<Vec> v;
  for (auto& t : l) v.push_back(values(t));
  std::vector<Tensor> out = call("lstm_cell", l);
  auto [h, c] = ref_lstm(s, v[0], v[1], v[2], v[3], v[4], v[5]);
  expect_close(out[0], {s.n, s.h}, h, 1e-5, "lstm_cell h' from strided x and transposed w");
  expect_close(out[1], {s.n, s.h}, c, 1e-5, "lstm_cell c' from strided x and transposed w");
}

TEST(keras_gate_order) {
  // One unit, x = h = c = 0: only the biases act, so each gate's position is visible. Bias order i, f, c, o.
  auto zeros = [](const Shape& s) { return ops::zeros(s, DType::F64); };
  Tensor b = Tensor::from_vector<double>({0.3, -0.7, 1.1, 2.0}, {4});
  std::vector<Tensor> out =
      call("lstm_cell", {zeros({1, 1}), zeros({1, 1}), zeros({1, 1}), zeros({1, 4}), zeros({1, 4}), b});
  double c = sigmoid(0.3) * std::tanh(1.1);
  CHECK_NEAR(out[1].to_vector<double>()[0], c, 1e-15);
  CHECK_NEAR(out[0].to_vector<double>()[0], sigmoid(2.0) * std::tanh(c), 1e-15);
  // GRU, h = 1: h' = z·1 + (1 - z)·tanh(b_xh + r·b_hh), z from b_xz + b_hz, r from b_xr + b_hr.
  Tensor gb = Tensor::from_vector<double>({0.2, 0.5, -0.4, 0.1, -1.5, 0.9}, {2, 3});
  double z = sigmoid(0.3), r = sigmoid(-1.0), want = z + (1 - z) * std::tanh(-0.4 + r * 0.9);
  Tensor g = call("gru_cell", {zeros({1, 1}), ops::ones({1, 1}, DType::F64), zeros({1, 3}), zeros({1, 3}), gb})[0];
  CHECK_NEAR(g.to_vector<double>()[0], want, 1e-15);
}

TEST(f32_gate_activations_are_accurate_saturate_and_keep_nan) {
  // rnn_cell with one input unit and w = 1, u = 0, b = 0 is tanh(x); gru_cell with w = (1, 0, 0), h = 1 and the rest
  // 0 is z = sigmoid(x) (the candidate is tanh(0) = 0). x sweeps [-20, 20] plus extremes, NaN and infinities.
  std::vector<float> xs;
  for (int k = -4000; k <= 4000; ++k) xs.push_back(static_cast<float>(k) * 0.005f);
  for (float v : {1e-30f, -1e-7f, 60.0f, -60.0f, 100.0f, -100.0f, 1e30f, -1e30f}) xs.push_back(v);
  const int64_t n = static_cast<int64_t>(xs.size());
  Tensor x = Tensor::from_vector(xs, {n, 1});
  Tensor th = call("rnn_cell", {x, ops::zeros({n, 1}), ops::ones({1, 1}), ops::zeros({1, 1}), ops::zeros({1})})[0];
  Tensor sg = call("gru_cell", {x, ops::ones({n, 1}), Tensor::from_vector<float>({1, 0, 0}, {1, 3}), ops::zeros({1, 3}),
                                ops::zeros({2, 3})})[0];
  Vec t = values(th), s = values(sg);
  double worst_t = 0, worst_s = 0;
  for (size_t k = 0; k < xs.size(); ++k) {
    double v = xs[k], want_t = std::tanh(v), want_s = sigmoid(v);
    worst_t = std::max(worst_t, std::fabs(t[k] - want_t) / std::max(std::fabs(want_t), 1e-30));
    worst_s = std::max(worst_s, std::fabs(s[k] - want_s) / std::max(want_s, 1e-30));
  }
  CHECK(worst_t <= 1e-6);
  CHECK(worst_s <= 1e-6);
  CHECK(t[xs.size() - 4] == 1.0 && t[xs.size() - 3] == -1.0);  // ±100 saturate exactly
  CHECK(s[xs.size() - 4] == 1.0);
  Tensor bad = Tensor::from_vector<float>({NAN, INFINITY, -INFINITY}, {3, 1});
  Vec tb =
      values(call("rnn_cell", {bad, ops::zeros({3, 1}), ops::ones({1, 1}), ops::zeros({1, 1}), ops::zeros({1})})[0]);
  Vec sb = values(call("gru_cell", {bad, ops::ones({3, 1}), Tensor::from_vector<float>({1, 0, 0}, {1, 3}),
                                    ops::zeros({1, 3}), ops::zeros({2, 3})})[0]);  // ±inf·0 in the other gates is NaN
  CHECK(std::isnan(tb[0]) && tb[1] == 1.0 && tb[2] == -1.0);
  CHECK(std::isnan(sb[0]));
  // A NaN in one row of an LSTM's input spoils that row only.
  Sizes sz{2, 3, 9};
  std::vector<Tensor> l = random_inputs<float>(lstm_shapes(sz), 90);
  l[0] = Tensor::from_vector<float>({NAN, 0.5f, 0.25f, 0.1f, 0.2f, 0.3f}, {2, 3});
  Vec h = values(call("lstm_cell", l)[0]);
  bool row0_nan = true, row1_finite = true;
  for (int64_t j = 0; j < sz.h; ++j) {
    row0_nan = row0_nan && std::isnan(h[idx(j)]);
    row1_finite = row1_finite && std::isfinite(h[idx(sz.h + j)]);
  }
  CHECK(row0_nan && row1_finite);
}

// ---- gradients: the fused backward ops against the primitive-op composition, in f64 ----

// L = Σ_k [k in outputs_with_grad] sum(out_k · weight_k); gradients with respect to every input.
std::vector<Tensor> grads_of(const std::vector<Tensor>& outs, const std::vector<Tensor>& weights,
                             const std::vector<bool>& use, const std::vector<Tensor>& inputs) {
  Tensor loss;
  for (size_t k = 0; k < outs.size(); ++k) {
    if (!use[k]) continue;
    Tensor term = ops::sum(ops::mul(outs[k], ops::cast(weights[k], outs[k].dtype())));
    loss = loss.defined() ? ops::add(loss, term) : term;
  }
  return nr::grad({loss}, inputs);
}

std::vector<Tensor> leaves(const std::vector<Tensor>& in) {
  std::vector<Tensor> out;
  for (const Tensor& t : in) {
    Tensor l = t.detach();
    l.set_requires_grad(true);
    out.push_back(l);
  }
  return out;
}

template <class T>
void check_gradients() {
  const DType dt = dtype_of<T>();
  uint32_t seed = 500;
  for (const CellCase& cell : cell_cases())
    for (const Sizes& s : kSizes) {
      std::vector<Tensor> base = random_inputs<T>(cell.shapes(s), seed += 10);
      std::vector<Tensor> in = leaves(base), ref_in = leaves(to_f64(base));
      std::vector<Tensor> outs = call(cell.op, in, cell.attrs);
      std::vector<Tensor> weights;
      for (const Tensor& o : outs) weights.push_back(random_tensor<double>(o.shape(), seed++));
      // Each output alone, then all together: the engine passes zeros for an output nothing flowed to.
      std::vector<std::vector<bool>> uses;
      for (size_t k = 0; k < outs.size(); ++k) {
        std::vector<bool> one(outs.size(), false);
        one[k] = true;
        uses.push_back(one);
      }
      if (outs.size() > 1) uses.push_back(std::vector<bool>(outs.size(), true));
      for (const auto& use : uses) {
        std::vector<Tensor> got = grads_of(call(cell.op, in, cell.attrs), weights, use, in);
        std::vector<Tensor> want = grads_of(cell.prim(ref_in), weights, use, ref_in);
        std::string what = label(cell, s, dt) + " gradient of";
        for (size_t k = 0; k < use.size(); ++k)
          if (use[k]) what += " output " + std::to_string(k);
        for (size_t k = 0; k < in.size(); ++k)
          expect_close(got[k], in[k].shape(), values(want[k]), tolerance(dt), what + ", input " + std::to_string(k));
      }
    }
}

TEST(gradients_match_primitive_ops_f32) { check_gradients<float>(); }
TEST(gradients_match_primitive_ops_f64) { check_gradients<double>(); }

TEST(gradients_only_for_inputs_that_need_them) {
  // Only w and h require grad: the formula asks the backward op for just those two and returns nothing else.
  Sizes s{3, 4, 5};
  for (const CellCase& cell : cell_cases()) {
    std::vector<Tensor> in = random_inputs<double>(cell.shapes(s), 40);
    size_t w_at = cell.op == "lstm_cell" ? 3 : 2;
    in[1].set_requires_grad(true);
    in[w_at].set_requires_grad(true);
    std::vector<Tensor> all = leaves(in);
    Tensor weight = random_tensor<double>({s.n, s.h}, 41);
    std::vector<Tensor> part =
        nr::grad({ops::sum(ops::mul(call(cell.op, in, cell.attrs)[0], weight))}, {in[1], in[w_at]});
    std::vector<Tensor> full = nr::grad({ops::sum(ops::mul(call(cell.op, all, cell.attrs)[0], weight))}, all);
    expect_close(part[0], in[1].shape(), values(full[1]), 1e-15, cell.op + " dh alone");
    expect_close(part[1], in[w_at].shape(), values(full[w_at]), 1e-15, cell.op + " dw alone");
  }
}

TEST(backward_op_needs_mask_zeros_the_rest) {
  Sizes s{2, 3, 4};
  std::vector<Tensor> in = random_inputs<float>(lstm_shapes(s), 60);
  in.push_back(random_tensor<float>({s.n, s.h}, 61));
  in.push_back(random_tensor<float>({s.n, s.h}, 62));
  std::vector<Tensor> full = call("lstm_cell_grad", in);
  std::vector<Tensor> some = call("lstm_cell_grad", in, Attrs().set("needs", int64_t(0b010110)));
  for (size_t k = 0; k < 6; ++k) {
    bool asked = (0b010110 >> k) & 1;
    Vec want = asked ? values(full[k]) : Vec(idx(full[k].numel()), 0.0);
    expect_close(some[k], full[k].shape(), want, 0, "lstm_cell_grad needs output " + std::to_string(k));
  }
}

// ---- second derivatives: the create_graph path composes the gradient from primitive ops ----

TEST(second_derivatives_match_finite_differences) {
  Sizes s{2, 3, 2};
  uint32_t seed = 300;
  for (const CellCase& cell : cell_cases()) {
    std::vector<Tensor> in = leaves(random_inputs<double>(cell.shapes(s), seed += 10));
    std::vector<Tensor> weights;
    for (const Tensor& o : call(cell.op, in, cell.attrs)) weights.push_back(random_tensor<double>(o.shape(), seed++));
    std::vector<bool> use(weights.size(), true);
    // First derivatives recorded (create_graph) must equal the fused ones.
    auto first = [&](const std::vector<Tensor>& x, bool create_graph) {
      Tensor loss;
      std::vector<Tensor> outs = call(cell.op, x, cell.attrs);
      for (size_t k = 0; k < outs.size(); ++k) {
        Tensor term = ops::sum(ops::mul(outs[k], weights[k]));
        loss = loss.defined() ? ops::add(loss, term) : term;
      }
      return nr::grad({loss}, x, {}, false, create_graph);
    };
    std::vector<Tensor> recorded = first(in, true), fused = first(in, false);
    for (size_t k = 0; k < in.size(); ++k)
      expect_close(recorded[k], in[k].shape(), values(fused[k]), 1e-13,
                   label(cell, s, DType::F64) + " recorded grad " + std::to_string(k));
    // S = Σ_k sum(g_k²); dS/d input against central differences of S computed from fused first derivatives.
    auto total = [](const std::vector<Tensor>& g) {
      Tensor t;
      for (const Tensor& e : g) t = t.defined() ? ops::add(t, ops::sum(ops::mul(e, e))) : ops::sum(ops::mul(e, e));
      return t;
    };
    // relu'' = 0, so some inputs have no second-order path at all: their derivative is zero.
    std::vector<Tensor> second = nr::grad({total(recorded)}, in, {}, false, false, true);
    for (size_t k = 0; k < in.size(); ++k) {
      Vec base = values(in[k]);
      Vec an = second[k].defined() ? values(second[k]) : Vec(base.size(), 0.0);
      for (size_t e = 0; e < base.size(); ++e) {
        double f[2];
        for (int side = 0; side < 2; ++side) {
          std::vector<Tensor> moved = leaves(in);
          Vec m = base;
          m[e] += side ? -1e-6 : 1e-6;
          moved[k] = Tensor::from_vector(m, in[k].shape());
          moved[k].set_requires_grad(true);
          f[side] = total(first(moved, false)).to_vector<double>()[0];
        }
        double numeric = (f[0] - f[1]) / 2e-6;
        if (!(std::fabs(an[e] - numeric) <= 1e-5 + 1e-5 * std::fabs(numeric))) {
          std::fprintf(stderr, "%s: second derivative, input %zu element %zu: %.10g vs numeric %.10g\n",
                       label(cell, s, DType::F64).c_str(), k, e, an[e], numeric);
          ++nrtest::failures();
          break;
        }
      }
    }
  }
}

// ---- backpropagation through time ----

TEST(lstm_unrolled_five_steps_matches_finite_differences) {
  const int64_t steps = 5, N = 2, I = 3, H = 4;
  std::vector<Tensor> xs, vs;
  for (int64_t t = 0; t < steps; ++t) {
    xs.push_back(random_tensor<double>({N, I}, 700 + static_cast<uint32_t>(t)));
    vs.push_back(random_tensor<double>({N, H}, 800 + static_cast<uint32_t>(t)));
  }
  Tensor vc = random_tensor<double>({N, H}, 900);
  // params: h0, c0, w, u, b, x_0 (the first step's input, to check the gradient reaches the sequence's start).
  std::vector<Tensor> params = {random_tensor<double>({N, H}, 901), random_tensor<double>({N, H}, 902),
                                random_tensor<double>({I, 4 * H}, 903), random_tensor<double>({H, 4 * H}, 904),
                                random_tensor<double>({4 * H}, 905), xs[0]};
  // L = Σ_t sum(h_t · v_t) + sum(c_T · vc).
  auto sequence_loss = [&](const std::vector<Tensor>& p) {
    Tensor h = p[0], c = p[1], loss = ops::zeros({}, DType::F64);
    for (int64_t t = 0; t < steps; ++t) {
      std::vector<Tensor> hc = call("lstm_cell", {t == 0 ? p[5] : xs[idx(t)], h, c, p[2], p[3], p[4]});
      h = hc[0];
      c = hc[1];
      loss = ops::add(loss, ops::sum(ops::mul(h, vs[idx(t)])));
    }
    return ops::add(loss, ops::sum(ops::mul(c, vc)));
  };
  std::vector<Tensor> p = leaves(params);
  std::vector<Tensor> analytic = nr::grad({sequence_loss(p)}, p);
  NoGradGuard no_grad;
  const char* names[] = {"h0", "c0", "w", "u", "b", "x_0"};
  for (size_t k = 0; k < params.size(); ++k) {
    Vec base = values(params[k]), an = values(analytic[k]);
    for (size_t e = 0; e < base.size(); ++e) {
      double f[2];
      for (int side = 0; side < 2; ++side) {
        std::vector<Tensor> moved = params;
        Vec m = base;
        m[e] += side ? -1e-6 : 1e-6;
        moved[k] = Tensor::from_vector(m, params[k].shape());
        f[side] = sequence_loss(moved).to_vector<double>()[0];
      }
      double numeric = (f[0] - f[1]) / 2e-6;
      if (!(std::fabs(an[e] - numeric) <= 1e-6 + 1e-5 * std::fabs(numeric))) {
        std::fprintf(stderr, "BPTT d/d%s element %zu: analytic %.10g, numeric %.10g\n", names[k], e, an[e], numeric);
        ++nrtest::failures();
        break;
      }
    }
  }
}

// ---- errors ----

TEST(shape_dtype_and_attribute_errors) {
  auto f = [](const Shape& s) { return ops::zeros(s, DType::F32); };
  CHECK_THROWS(call("lstm_cell", {f({2, 3}), f({2, 3}), f({2, 3}), f({3, 8}), f({3, 12}), f({12})}), Status::Shape,
               "lstm_cell: w f32[3,8] must be [I, 4H] = [3,12] (N = 2 and I = 3 from x [2,3], H = 3 from h [2,3])");
  CHECK_THROWS(call("lstm_cell", {f({2, 3}), f({3, 4}), f({3, 4}), f({3, 16}), f({4, 16}), f({16})}), Status::Shape,
               "lstm_cell: h f32[3,4] must be [N, H] = [2,4]");
  CHECK_THROWS(call("lstm_cell", {f({2, 3}), f({2, 4}), f({2, 5}), f({3, 16}), f({4, 16}), f({16})}), Status::Shape,
               "lstm_cell: c f32[2,5] must be [N, H] = [2,4]");
  CHECK_THROWS(call("lstm_cell", {f({2, 3}), f({2, 4}), f({2, 4}), f({3, 16}), f({4, 12}), f({16})}), Status::Shape,
               "lstm_cell: u f32[4,12] must be [H, 4H] = [4,16]");
  CHECK_THROWS(call("lstm_cell", {f({2, 3}), f({2, 4}), f({2, 4}), f({3, 16}), f({4, 16}), f({4})}), Status::Shape,
               "lstm_cell: b f32[4] must be [4H] = [16]");
  CHECK_THROWS(call("gru_cell", {f({2, 3}), f({2, 4}), f({3, 12}), f({4, 12}), f({12})}), Status::Shape,
               "gru_cell: b f32[12] must be [2, 3H] = [2,12]");
  CHECK_THROWS(call("gru_cell", {f({2, 3}), f({2, 4}), f({3, 16}), f({4, 12}), f({2, 12})}), Status::Shape,
               "gru_cell: w f32[3,16] must be [I, 3H] = [3,12]");
  CHECK_THROWS(call("rnn_cell", {f({2, 3, 1}), f({2, 4}), f({3, 4}), f({4, 4}), f({4})}), Status::Shape,
               "rnn_cell: x must be a matrix [N, I], got f32[2,3,1]");
  CHECK_THROWS(call("rnn_cell", {f({2, 3}), f({4}), f({3, 4}), f({4, 4}), f({4})}), Status::Shape,
               "rnn_cell: h must be a matrix [N, H], got f32[4]");
  CHECK_THROWS(call("rnn_cell", {f({2, 3}), f({2, 4}), f({3, 4}), f({4, 4}), f({4})},
                    Attrs().set("activation", int64_t(2))),
               Status::InvalidArgument, "rnn_cell: activation must be 0 (tanh) or 1 (relu), got 2");
  CHECK_THROWS(call("rnn_cell", {f({2, 3}), f({2, 4}), ops::zeros({3, 4}, DType::F64), f({4, 4}), f({4})}),
               Status::DType, "rnn_cell: w is f64[3,4] but x is f32[2,3]");
  CHECK_THROWS(call("rnn_cell", {ops::zeros({2, 3}, DType::I32), f({2, 4}), f({3, 4}), f({4, 4}), f({4})}),
               Status::DType, "rnn_cell: x must be a floating-point tensor");
  CHECK_THROWS(call("lstm_cell_grad",
                    {f({2, 3}), f({2, 4}), f({2, 4}), f({3, 16}), f({4, 16}), f({16}), f({2, 4}), f({4, 2})}),
               Status::Shape, "lstm_cell_grad: dc_new f32[4,2] must be [N, H] = [2,4]");
  CHECK_THROWS(call("gru_cell_grad", {f({2, 3}), f({2, 4}), f({3, 12}), f({4, 12}), f({2, 12}), f({2, 4})},
                    Attrs().set("needs", int64_t(32))),
               Status::InvalidArgument, "gru_cell_grad: needs is a bit mask of its 5 outputs (0 to 31), got 32");
  CHECK_THROWS(call("rnn_cell_grad", {f({2, 3}), f({2, 4}), f({3, 4}), f({4, 4}), f({2, 4})}), Status::InvalidArgument,
               "rnn_cell_grad: expected 6 inputs, got 5");
}

// ---- threads ----

TEST(results_do_not_depend_on_the_thread_count) {
  Sizes s{64, 48, 96};
  std::vector<Tensor> l = random_inputs<float>(lstm_shapes(s), 77), g = random_inputs<float>(gru_shapes(s), 78);
  Tensor dh = random_tensor<float>({s.n, s.h}, 79), dc = random_tensor<float>({s.n, s.h}, 80);
  std::vector<Tensor> lg = l, gg = g;
  lg.push_back(dh);
  lg.push_back(dc);
  gg.push_back(dh);
  auto run = [&] {
    std::vector<Vec> all;
    for (auto& t : call("lstm_cell", l)) all.push_back(values(t));
    for (auto& t : call("lstm_cell_grad", lg)) all.push_back(values(t));
    for (auto& t : call("gru_cell", g)) all.push_back(values(t));
    for (auto& t : call("gru_cell_grad", gg)) all.push_back(values(t));
    return all;
  };
  // OpenBLAS's own gemm is not bitwise stable across its thread counts (matmul shares this), so it is held at one
  // thread while the engine's pool, which splits the elementwise passes and column sums, changes.
  int saved = num_threads();
  set_num_threads(1);
  std::vector<Vec> one = run();
  set_num_threads(3);
  CHECK(openblas_set_num_threads != nullptr);
  if (openblas_set_num_threads) openblas_set_num_threads(1);
  std::vector<Vec> three = run();
  set_num_threads(saved);
  for (size_t k = 0; k < one.size(); ++k)
    if (one[k] != three[k]) {
      std::fprintf(stderr, "thread count changes result %zu\n", k);
      ++nrtest::failures();
    }
}

}  // namespace

TEST_MAIN()
