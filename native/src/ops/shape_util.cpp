#include "ops/shape_util.h"

#include <algorithm>
#include <limits>

namespace nr {

int normalize_axis(const char* op, int64_t axis, int ndim, const Shape& shape) {
  int64_t a = axis < 0 ? axis + ndim : axis;
  if (a < 0 || a >= ndim)
    fail(Status::Index, op, ": axis ", axis, " is out of range for a tensor of rank ", ndim, " ", shape_str(shape));
  return static_cast<int>(a);
}

std::vector<int> normalize_axes(const char* op, const std::vector<int64_t>& axes, int ndim, const Shape& shape) {
  std::vector<int> out;
  if (axes.empty()) {
    for (int i = 0; i < ndim; ++i) out.push_back(i);
    return out;
  }
  for (int64_t a : axes) out.push_back(normalize_axis(op, a, ndim, shape));
  std::sort(out.begin(), out.end());
  if (std::adjacent_find(out.begin(), out.end()) != out.end())
    fail(Status::InvalidArgument, op, ": axes ", shape_str(axes), " name the same axis twice");
  return out;
}

Shape broadcast_shapes(const char* op, const std::vector<Shape>& shapes) {
  size_t rank = 0;
  for (const Shape& s : shapes) rank = std::max(rank, s.size());
  Shape out(rank, 1);
  for (const Shape& s : shapes) {
    size_t lead = rank - s.size();
    for (size_t i = 0; i < s.size(); ++i) {
      int64_t d = s[i];
      int64_t& o = out[lead + i];
      if (d == o || d == 1) continue;
      if (o == 1) {
        o = d;
        continue;
      }
      std::string all;
      for (size_t k = 0; k < shapes.size(); ++k) all += (k ? " and " : "") + shape_str(shapes[k]);
      fail(Status::Shape, op, ": shapes ", all, " cannot be broadcast together (dim ", i,
           " of ", shape_str(s), " is ", d, ", expected ", o, " or 1)");
    }
  }
  return out;
}

Shape broadcast_strides(const Shape& shape, const Shape& t_shape, const Shape& t_strides) {
  Shape out(shape.size(), 0);
  size_t lead = shape.size() - t_shape.size();
  for (size_t i = 0; i < t_shape.size(); ++i) out[lead + i] = t_shape[i] == 1 ? 0 : t_strides[i];
  return out;
}

void check_shape(const char* op, const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) fail(Status::Shape, op, ": negative dimension in shape ", shape_str(shape));
    if (d != 0 && n > std::numeric_limits<int64_t>::max() / d)
      fail(Status::Shape, op, ": shape ", shape_str(shape), " has more elements than fit in 64 bits");
    n *= d;
  }
  if (shape.size() > 32) fail(Status::Shape, op, ": rank ", shape.size(), " exceeds the limit of 32");
}

}  // namespace nr
