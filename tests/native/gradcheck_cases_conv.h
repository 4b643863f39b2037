// Gradcheck cases of the conv family's differentiable ops (see gradcheck.h); included by test_gradcheck.cpp.
// The backward ops' own cases check the formulas that second derivatives through a conv2d use.
#pragma once

#include <vector>

#include "gradcheck.h"

namespace nrtest {

inline std::vector<GradCase> conv_gradcheck_cases() {
  using S = Shape;
  using Ints = std::vector<int64_t>;
  auto conv = [](Ints strides, int64_t padding, Ints dilations = {1, 1}, int64_t groups = 1) {
    return Attrs().set("strides", strides).set("padding", padding).set("dilations", dilations).set("groups", groups);
  };
  Attrs pads = conv({2, 1}, 2).set("pads", Ints{1, 0, 2, 1});
  auto pool = [](Ints size, Ints strides, int64_t padding) {
    return Attrs().set("pool_size", size).set("strides", strides).set("padding", padding);
  };
  auto up = [](Ints size, int64_t interpolation) {
    return Attrs().set("size", size).set("interpolation", interpolation);
  };
  return {
      {"conv2d", {{S{2, 5, 4, 3}}, {S{3, 3, 3, 2}}}, conv({1, 1}, 0)},
      {"conv2d", {{S{1, 6, 5, 2}}, {S{3, 2, 2, 3}}}, conv({2, 2}, 1, {1, 2})},
      {"conv2d", {{S{1, 5, 5, 4}}, {S{3, 3, 2, 2}}}, Attrs(pads).set("groups", int64_t(2))},
      {"conv2d", {{S{2, 4, 4, 3}}, {S{2, 2, 1, 6}}}, conv({1, 1}, 1, {1, 1}, 3)},
      {"conv2d_backward_input", {{S{2, 3, 2, 2}}, {S{3, 3, 3, 2}}},
       conv({1, 1}, 0).set("input_shape", Ints{2, 5, 4, 3})},
      {"conv2d_backward_input", {{S{1, 2, 6, 2}}, {S{3, 3, 2, 2}}},
       Attrs(pads).set("groups", int64_t(2)).set("input_shape", Ints{1, 5, 5, 4})},
      {"conv2d_backward_filter", {{S{2, 5, 4, 3}}, {S{2, 3, 2, 2}}},
       conv({1, 1}, 0).set("filter_shape", Ints{3, 3, 3, 2})},
      {"conv2d_backward_filter", {{S{1, 6, 5, 2}}, {S{1, 3, 3, 3}}},
       conv({2, 2}, 1, {1, 2}).set("filter_shape", Ints{3, 2, 2, 3})},
      {"conv2d_transpose", {{S{2, 3, 2, 2}}, {S{3, 3, 3, 2}}}, Attrs().set("strides", Ints{2, 2}).set("padding", int64_t(0))},
      {"conv2d_transpose", {{S{1, 3, 3, 2}}, {S{2, 3, 2, 2}}},
       Attrs().set("strides", Ints{2, 2}).set("padding", int64_t(1)).set("output_padding", Ints{1, 0})},
      {"max_pool2d", {{S{2, 4, 5, 3}}}, pool({2, 2}, {2, 2}, 0)},
      {"max_pool2d", {{S{1, 5, 5, 2}}}, pool({3, 3}, {2, 2}, 1)},
      {"avg_pool2d", {{S{2, 5, 5, 2}}}, pool({3, 3}, {2, 2}, 1)},
      {"avg_pool2d", {{S{1, 4, 5, 3}}}, pool({2, 3}, {1, 2}, 0)},
      {"avg_pool2d_grad", {{S{2, 3, 3, 2}}}, pool({3, 3}, {2, 2}, 1).set("input_shape", Ints{2, 5, 5, 2})},
      {"upsample2d", {{S{1, 3, 4, 2}}}, up({2, 3}, 0)},
      {"upsample2d", {{S{2, 3, 3, 2}}}, up({3, 2}, 1)},
      {"upsample2d_grad", {{S{1, 6, 12, 2}}}, up({2, 3}, 1).set("input_shape", Ints{1, 3, 4, 2})},
  };
}

}  // namespace nrtest
