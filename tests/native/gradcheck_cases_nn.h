// Gradcheck cases of the nn family's differentiable ops (see gradcheck.h); included by test_gradcheck.cpp.
// batch_norm_train's check sums all three outputs with random weights, so the paths through batch_mean and
// batch_var are checked too. dropout with a fixed seed is a fixed linear map, which central differences see exactly.
#pragma once

#include <vector>

#include "gradcheck.h"

namespace nrtest {

inline std::vector<GradCase> nn_gradcheck_cases() {
  using S = Shape;
  const Domain P = Domain::Positive;
  auto axis = [](int64_t a) { return Attrs().set("axis", a); };
  return {
      {"batch_norm_train", {{S{5, 3}}, {S{3}}, {S{3}}}},
      {"batch_norm_train", {{S{2, 3, 2, 2}}, {S{3}}, {S{3}}}, axis(1).set("epsilon", 0.01)},
      {"batch_norm_train", {{S{4, 3}, Domain::Any, 0, true}, {S{4}}, {S{4}}}, axis(0)},
      {"batch_norm_inference", {{S{2, 3, 4}}, {S{4}}, {S{4}}, {S{4}}, {S{4}, P}}},
      {"batch_norm_inference", {{S{3, 2, 2}}, {S{2}}, {S{2}}, {S{2}}, {S{2}, P}}, axis(1).set("epsilon", 0.1)},
      {"batch_norm_inference", {{S{3}}, {S{3}}, {S{3}}, {S{3}}, {S{3}, P}}},
      {"dropout", {{S{4, 5}}}, Attrs().set("rate", 0.3).set("seed", int64_t(17)).set("offset", int64_t(5))},
      {"softmax_cross_entropy", {{S{3, 5}}, {S{3, 5}}}},
      {"softmax_cross_entropy", {{S{2, 4, 3}}, {S{2, 4, 3}}}, axis(1)},
      {"softmax_cross_entropy", {{S{4, 3}, Domain::Any, 0, true}, {S{4, 3}}}, axis(0)},
      {"sparse_softmax_cross_entropy", {{S{4, 6}}, {S{4}, Domain::Index, 6}}},
      {"sparse_softmax_cross_entropy", {{S{2, 5, 3}}, {S{2, 3}, Domain::Index, 5}}, axis(1)},
      {"sigmoid_cross_entropy", {{S{3, 4}}, {S{3, 4}}}},
      {"sigmoid_cross_entropy", {{S{4, 3}, Domain::Any, 0, true}, {S{4, 3}}}},
      // The composite losses. Random pred/target in [-2, 2] land within a step of mae's kink (equality) or huber's
      // (|d| = delta) with negligible probability. Positive probabilities are in [0.5, 2.5]: categorical normalises
      // them into (0, 1); for binary and sparse the clipped ones have gradient 0 on both sides, and
      // test_nn_losses.cpp checks those two again with every probability in (0.1, 0.9).
      {"mse", {{S{3, 4}}, {S{3, 4}}}},
      {"mse", {{S{4, 3}, Domain::Any, 0, true}, {S{4, 3}}}},
      {"mae", {{S{3, 4}}, {S{3, 4}}}},
      {"mae", {{S{2, 2, 3}}, {S{2, 2, 3}}}},
      {"huber", {{S{3, 4}}, {S{3, 4}}}},
      {"huber", {{S{2, 5}}, {S{2, 5}}}, Attrs().set("delta", 0.5)},
      {"binary_cross_entropy", {{S{3, 4}, P}, {S{3, 4}}}},
      {"categorical_cross_entropy", {{S{3, 4}, P}, {S{3, 4}}}},
      {"categorical_cross_entropy", {{S{3, 4}, P, 0, true}, {S{3, 4}}}, axis(0)},
      {"sparse_categorical_cross_entropy", {{S{4, 3}, P}, {S{4}, Domain::Index, 3}}},
      {"reduce_loss", {{S{3, 4}}, {S{3, 4}}}, Attrs().set("reduction", int64_t(0))},
      {"reduce_loss", {{S{3, 4}}, {S{3, 1}}}, Attrs().set("reduction", int64_t(1))},
      {"reduce_loss", {{S{4, 3}, Domain::Any, 0, true}, {S{3}}}},
      {"l1_penalty", {{S{3, 4}, Domain::AwayFromZero}}, Attrs().set("l1", 0.3)},
      {"l2_penalty", {{S{3, 4}}}, Attrs().set("l2", 0.2)},
      {"l2_penalty", {{S{4, 3}, Domain::Any, 0, true}}},
  };
}

}  // namespace nrtest
