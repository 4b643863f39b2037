// Helpers shared by the kernel tests: tensors from and to double vectors, seeded random values, and a closeness check
// judged against the size of the terms (so results of cancellation are not held to a relative bound they cannot meet).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "neurite/tensor.hpp"

namespace nrtest {

// The logical values of an f32 or f64 tensor (any strides), as doubles.
inline std::vector<double> values(const nr::Tensor& t) {
  if (t.dtype() == nr::DType::F32) {
    std::vector<float> v = t.to_vector<float>();
    return std::vector<double>(v.begin(), v.end());
  }
  return t.to_vector<double>();
}

template <class T>
nr::Tensor tensor_of(const std::vector<double>& v, const nr::Shape& shape) {
  return nr::Tensor::from_vector<T>(std::vector<T>(v.begin(), v.end()), shape);
}

inline std::vector<double> random_values(int64_t n, uint32_t seed, double lo, double hi) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  std::vector<double> v(static_cast<size_t>(n));
  for (double& e : v) e = dist(gen);
  return v;
}

// Uniform values in [-1, 1) of dtype T.
template <class T>
nr::Tensor random_tensor(const nr::Shape& shape, uint32_t seed) {
  return tensor_of<T>(random_values(nr::numel_of(shape), seed, -1, 1), shape);
}

// The values a T tensor actually holds, so references start from the same inputs.
template <class T>
std::vector<double> rounded(std::vector<double> v) {
  for (double& e : v) e = static_cast<double>(static_cast<T>(e));
  return v;
}

// Every |actual - expected| <= rel · (|expected| + scale), scale the largest |expected|.
inline bool close(const std::vector<double>& actual, const std::vector<double>& expected, double rel,
                  const char* what) {
  if (actual.size() != expected.size()) {
    std::fprintf(stderr, "%s: %zu values, expected %zu\n", what, actual.size(), expected.size());
    return false;
  }
  double scale = 0;
  for (double e : expected) scale = std::max(scale, std::fabs(e));
  for (size_t i = 0; i < actual.size(); ++i)
    if (!(std::fabs(actual[i] - expected[i]) <= rel * (std::fabs(expected[i]) + scale))) {
      std::fprintf(stderr, "%s: element %zu is %.12g, expected %.12g\n", what, i, actual[i], expected[i]);
      return false;
    }
  return true;
}

}  // namespace nrtest
