// Iteration over N operands that share one shape but have their own (possibly zero or negative) strides.
// Dims are coalesced first, so a contiguous tensor is one run and a transposed one a few long runs; kernels then
// write tight inner loops over runs: fn(offsets, n, inner_strides), all in elements.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "neurite/tensor.hpp"

namespace nr {

template <size_t N>
class StridedLoop {
 public:
  StridedLoop(const Shape& shape, const std::array<const Shape*, N>& strides) {
    // Drop size-1 dims, then merge a dim into the next inner one when every operand steps through both as one.
    for (size_t d = 0; d < shape.size(); ++d) {
      if (shape[d] == 1) continue;
      std::array<int64_t, N> st;
      for (size_t k = 0; k < N; ++k) st[k] = (*strides[k])[d];
      if (!sizes_.empty()) {
        bool merge = true;
        for (size_t k = 0; k < N; ++k) merge = merge && strides_.back()[k] == st[k] * shape[d];
        if (merge) {
          sizes_.back() *= shape[d];
          strides_.back() = st;
          continue;
        }
      }
      sizes_.push_back(shape[d]);
      strides_.push_back(st);
    }
    numel_ = numel_of(shape);
    if (sizes_.empty()) {  // a scalar, or all dims of size 1
      sizes_.push_back(1);
      strides_.push_back(std::array<int64_t, N>{});
    }
  }

  int64_t numel() const { return numel_; }

  // Visits the elements with flat (row-major) index in [begin, end), a run at a time.
  template <class F>
  void run(int64_t begin, int64_t end, F&& fn) const {
    if (begin >= end) return;
    const int nd = static_cast<int>(sizes_.size());
    const int64_t inner = sizes_[static_cast<size_t>(nd - 1)];
    std::vector<int64_t> idx(static_cast<size_t>(nd), 0);
    std::array<int64_t, N> off{};
    int64_t rem = begin;
    for (int d = nd - 1; d >= 0; --d) {
      idx[static_cast<size_t>(d)] = rem % sizes_[static_cast<size_t>(d)];
      rem /= sizes_[static_cast<size_t>(d)];
      for (size_t k = 0; k < N; ++k) off[k] += idx[static_cast<size_t>(d)] * strides_[static_cast<size_t>(d)][k];
    }
    std::array<int64_t, N> inner_strides = strides_[static_cast<size_t>(nd - 1)];
    int64_t pos = begin;
    while (pos < end) {
      int64_t i0 = idx[static_cast<size_t>(nd - 1)];
      int64_t n = std::min(inner - i0, end - pos);
      fn(off, n, inner_strides);
      pos += n;
      // Advance the multi-index by n along the innermost dim, carrying outward.
      idx[static_cast<size_t>(nd - 1)] += n;
      for (size_t k = 0; k < N; ++k) off[k] += n * inner_strides[k];
      for (int d = nd - 1; d > 0 && idx[static_cast<size_t>(d)] == sizes_[static_cast<size_t>(d)]; --d) {
        idx[static_cast<size_t>(d)] = 0;
        for (size_t k = 0; k < N; ++k) off[k] -= sizes_[static_cast<size_t>(d)] * strides_[static_cast<size_t>(d)][k];
        ++idx[static_cast<size_t>(d - 1)];
        for (size_t k = 0; k < N; ++k) off[k] += strides_[static_cast<size_t>(d - 1)][k];
      }
    }
  }

 private:
  std::vector<int64_t> sizes_;
  std::vector<std::array<int64_t, N>> strides_;
  int64_t numel_ = 0;
};

}  // namespace nr
