// Shape arithmetic shared by the shape rules, view functions and kernels.
#pragma once

#include <vector>

#include "neurite/tensor.hpp"

namespace nr {

// Maps a possibly negative axis into [0, ndim); an Index error names the op and the shape otherwise.
int normalize_axis(const char* op, int64_t axis, int ndim, const Shape& shape);
// Sorted, de-duplicated, normalised axes; empty `axes` means every axis.
std::vector<int> normalize_axes(const char* op, const std::vector<int64_t>& axes, int ndim, const Shape& shape);
// NumPy broadcasting of several shapes; a Shape error names the op and every shape.
Shape broadcast_shapes(const char* op, const std::vector<Shape>& shapes);
// Strides that make `t` read as `shape` (zero on broadcast dims). `shape` must be a broadcast of t's shape.
Shape broadcast_strides(const Shape& shape, const Shape& t_shape, const Shape& t_strides);
// Checks every dim is >= 0 and the element count fits in int64.
void check_shape(const char* op, const Shape& shape);

}  // namespace nr
