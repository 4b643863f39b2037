// Gradcheck cases of the rnn family's differentiable ops (see gradcheck.h); included by test_gradcheck.cpp.
// N = 2, I = 3, H = 2: every gate of every unit is exercised; one case per cell passes w transposed.
#pragma once

#include <vector>

#include "gradcheck.h"

namespace nrtest {

inline std::vector<GradCase> rnn_gradcheck_cases() {
  using S = Shape;
  const Input x{S{2, 3}}, h{S{2, 2}}, c{S{2, 2}};
  return {
      {"rnn_cell", {x, h, {S{3, 2}}, {S{2, 2}}, {S{2}}}},
      {"rnn_cell", {x, h, {S{3, 2}, Domain::Any, 0, true}, {S{2, 2}}, {S{2}}}, Attrs().set("activation", int64_t(1))},
      {"lstm_cell", {x, h, c, {S{3, 8}}, {S{2, 8}}, {S{8}}}},
      {"lstm_cell", {x, h, c, {S{3, 8}, Domain::Any, 0, true}, {S{2, 8}}, {S{8}}}},
      {"gru_cell", {x, h, {S{3, 6}}, {S{2, 6}}, {S{2, 6}}}},
      {"gru_cell", {x, h, {S{3, 6}, Domain::Any, 0, true}, {S{2, 6}}, {S{2, 6}}}},
  };
}

}  // namespace nrtest
