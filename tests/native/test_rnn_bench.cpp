// Speed of the fused LSTM cell against the same step composed from primitive ops (matmul, add, split, sigmoid,
// tanh, mul), forward alone and forward + backward at N = 64, I = 128, H = 256 in f32 (a typical training step);
// prints the median of repeated runs and checks the two agree. Run alone: ./test_rnn_bench (NEURITE_NUM_THREADS
// sets the thread count).
#include <algorithm>
#include <chrono>
#include <random>

#include "check.h"
#include "core/thread_pool.h"
#include "neurite/autograd.hpp"
#include "neurite/ops.hpp"

using namespace nr;

namespace {

constexpr int64_t N = 64, I = 128, H = 256;
constexpr int kWarmup = 5, kRuns = 40;

Tensor random_leaf(const Shape& shape, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-0.1f, 0.1f);
  std::vector<float> v(static_cast<size_t>(numel_of(shape)));
  for (float& e : v) e = dist(gen);
  Tensor t = Tensor::from_vector(v, shape);
  t.set_requires_grad(true);
  return t;
}

std::vector<Tensor> fused_lstm(const std::vector<Tensor>& in) { return call("lstm_cell", in); }

std::vector<Tensor> composed_lstm(const std::vector<Tensor>& in) {
  Tensor z = ops::add(ops::add(ops::matmul(in[0], in[3]), ops::matmul(in[1], in[4])), in[5]);
  std::vector<Tensor> g = call("split", {z}, Attrs().set("axis", int64_t(1)).set("sections", int64_t(4)));
  Tensor c = ops::add(ops::mul(ops::sigmoid(g[1]), in[2]), ops::mul(ops::sigmoid(g[0]), ops::tanh(g[2])));
  return {ops::mul(ops::sigmoid(g[3]), ops::tanh(c)), c};
}

struct Timing {
  double best, median;  // ms; on a shared machine the best is the steadier figure
};

template <class F>
Timing time_ms(F&& step) {
  for (int r = 0; r < kWarmup; ++r) step();
  std::vector<double> ms;
  for (int r = 0; r < kRuns; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    step();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return {ms.front(), ms[kRuns / 2]};
}

}  // namespace

TEST(lstm_cell_fused_vs_composed) {
  std::vector<Tensor> in = {random_leaf({N, I}, 1), random_leaf({N, H}, 2),     random_leaf({N, H}, 3),
                            random_leaf({I, 4 * H}, 4), random_leaf({H, 4 * H}, 5), random_leaf({4 * H}, 6)};
  std::vector<Tensor> seeds = {random_leaf({N, H}, 7).detach(), random_leaf({N, H}, 8).detach()};
  using Cell = std::vector<Tensor> (*)(const std::vector<Tensor>&);
  auto train_step = [&](Cell cell) { return nr::grad(cell(in), in, seeds); };

  Timing fwd[2], both[2];
  Cell cells[2] = {fused_lstm, composed_lstm};
  for (int k = 0; k < 2; ++k) {
    fwd[k] = time_ms([&] {
      NoGradGuard no_grad;
      cells[k](in);
    });
    both[k] = time_ms([&] { train_step(cells[k]); });
  }
  std::printf("lstm_cell f32 N=%lld I=%lld H=%lld, %d threads, ms over %d runs (best / median):\n",
              static_cast<long long>(N), static_cast<long long>(I), static_cast<long long>(H), num_threads(), kRuns);
  auto row = [](const char* what, const Timing& f, const Timing& c) {
    std::printf("  %-19s fused %.3f / %.3f  composed %.3f / %.3f  (best %.2fx faster)\n", what, f.best, f.median,
                c.best, c.median, c.best / f.best);
  };
  row("forward", fwd[0], fwd[1]);
  row("forward + backward", both[0], both[1]);

  std::vector<Tensor> a = train_step(fused_lstm), b = train_step(composed_lstm);
  for (size_t k = 0; k < a.size(); ++k) {
    std::vector<float> av = a[k].to_vector<float>(), bv = b[k].to_vector<float>();
    float worst = 0, scale = 0;
    for (size_t e = 0; e < av.size(); ++e) {
      worst = std::max(worst, std::fabs(av[e] - bv[e]));
      scale = std::max(scale, std::fabs(bv[e]));
    }
    CHECK(worst <= 1e-5f * std::max(1.0f, scale));
  }
}

TEST_MAIN()
