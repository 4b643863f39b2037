// Shape ops that copy: concat, stack, split, pad, tile, repeat, flip, gather, take_along_axis, one_hot. Each is
// compared with a plain-loop reference computed in doubles over output multi-indices (NumPy semantics).
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <numeric>

#include "check.h"
#include "core/thread_pool.h"
#include "neurite/ops.hpp"

using namespace nr;

namespace {

using Index = std::vector<int64_t>;
using Ints = std::vector<int64_t>;

const DType kAllTypes[] = {DType::F32, DType::F64, DType::I32, DType::I64, DType::U8, DType::Bool};

// An array in doubles: the reference side of every check.
struct Ref {
  Shape shape;
  std::vector<double> v;
  double at(const Index& idx) const {
    int64_t flat = 0;
    for (size_t d = 0; d < shape.size(); ++d) flat = flat * shape[d] + idx[d];
    return v[static_cast<size_t>(flat)];
  }
};

// Distinct, exactly representable values in every dtype (bool gets a pattern, u8 stays below 256).
Ref iota(const Shape& shape, DType dt, int64_t seed = 0) {
  Ref r{shape, std::vector<double>(static_cast<size_t>(numel_of(shape)))};
  for (size_t i = 0; i < r.v.size(); ++i) {
    int64_t k = static_cast<int64_t>(i) + seed;
    r.v[i] = dt == DType::Bool ? static_cast<double>(k % 3 == 0) : dt == DType::U8 ? static_cast<double>((k * 7) % 251)
                                                                                   : static_cast<double>(k - 3);
  }
  return r;
}

Tensor tensor(const Ref& r, DType dt) { return ops::cast(Tensor::from_vector<double>(r.v, r.shape), dt); }

Tensor index_tensor(const Ints& values, const Shape& shape, DType dt) {
  return ops::cast(Tensor::from_vector<int64_t>(values, shape), dt);
}

// The reference array of shape `out` whose element at idx is f(idx).
template <class F>
Ref build(const Shape& out, F f) {
  Ref r{out, std::vector<double>(static_cast<size_t>(numel_of(out)))};
  Index idx(out.size(), 0);
  for (size_t i = 0; i < r.v.size(); ++i) {
    r.v[i] = f(idx);
    for (size_t d = out.size(); d-- > 0;) {
      if (++idx[d] < out[d]) break;
      idx[d] = 0;
    }
  }
  return r;
}

bool matches(const Tensor& got, const Ref& want, DType dt, const std::string& what) {
  if (got.shape() != want.shape || got.dtype() != dt) {
    std::fprintf(stderr, "%s: got %s %s, want %s %s\n", what.c_str(), dtype_name(got.dtype()),
                 shape_str(got.shape()).c_str(), dtype_name(dt), shape_str(want.shape).c_str());
    return false;
  }
  std::vector<double> g = ops::cast(got, DType::F64).to_vector<double>();
  for (size_t i = 0; i < g.size(); ++i)
    if (g[i] != want.v[i]) {
      std::fprintf(stderr, "%s %s: element %zu is %g, want %g\n", what.c_str(), dtype_name(dt), i, g[i], want.v[i]);
      return false;
    }
  return true;
}

Tensor one(const char* op, const std::vector<Tensor>& in, const Attrs& attrs) { return call(op, in, attrs)[0]; }

int64_t norm_axis(int64_t axis, size_t rank) { return axis < 0 ? axis + static_cast<int64_t>(rank) : axis; }

Tensor transposed_copy_source(const Ref& r, DType dt) {
  // A non-contiguous tensor that reads as `r`: the transpose of r's transpose stored contiguously.
  Shape ts{r.shape[1], r.shape[0]};
  Ref t = build(ts, [&](const Index& i) { return r.at({i[1], i[0]}); });
  return ops::transpose(tensor(t, dt), 0, 1);
}

}  // namespace

TEST(concat_matches_reference) {
  struct Case {
    std::vector<Shape> shapes;
    int64_t axis;
  };
  const std::vector<Case> cases = {
      {{{2, 3}, {2, 0}, {2, 4}}, 1}, {{{2, 3}, {2, 5}}, -1},         {{{1, 3}, {0, 3}, {4, 3}}, 0},
      {{{2, 1, 3}, {2, 2, 3}}, 1},    {{{2, 1, 3}, {2, 1, 2}}, -1},   {{{5}, {2}}, 0},
      {{{3, 2}}, 0},                  {{{0, 2}, {0, 2}}, 0},          {{{600, 300}, {600, 200}}, 1},
      {{{300, 600}, {500, 600}}, 0},  {{{100000, 1}, {100000, 2}}, 1}};
  for (DType dt : kAllTypes) {
    for (const Case& c : cases) {
      std::vector<Ref> refs;
      std::vector<Tensor> ins;
      for (size_t j = 0; j < c.shapes.size(); ++j) {
        refs.push_back(iota(c.shapes[j], dt, static_cast<int64_t>(j) * 1000));
        ins.push_back(tensor(refs.back(), dt));
      }
      size_t axis = static_cast<size_t>(norm_axis(c.axis, c.shapes[0].size()));
      Shape out = c.shapes[0];
      out[axis] = 0;
      for (const Shape& s : c.shapes) out[axis] += s[axis];
      Ref want = build(out, [&](Index i) {
        size_t j = 0;
        while (i[axis] >= refs[j].shape[axis]) i[axis] -= refs[j++].shape[axis];
        return refs[j].at(i);
      });
      CHECK(matches(one("concat", ins, Attrs().set("axis", c.axis)), want, dt, "concat " + shape_str(out)));
    }
  }
  Ref a = iota({3, 4}, DType::F32), b = iota({3, 2}, DType::F32, 50);
  Ref want = build({3, 6}, [&](const Index& i) { return i[1] < 4 ? a.at(i) : b.at({i[0], i[1] - 4}); });
  CHECK(matches(one("concat", {transposed_copy_source(a, DType::F32), tensor(b, DType::F32)}, Attrs().set("axis", 1)),
                want, DType::F32, "concat of a transposed input"));
  Tensor x = tensor(iota({2, 3}, DType::F32), DType::F32), y = tensor(iota({2, 4}, DType::F32), DType::F32);
  CHECK_THROWS(one("concat", {x, y}, Attrs().set("axis", 0)), Status::Shape,
               "concat: input 1 [2,4] does not match input 0 [2,3] outside axis 0");
  CHECK_THROWS(one("concat", {x, ops::cast(x, DType::F64)}, Attrs()), Status::DType, "concat: dtype mismatch");
  CHECK_THROWS(one("concat", {ops::zeros({}), ops::zeros({})}, Attrs()), Status::Shape, "concat: scalars");
  CHECK_THROWS(one("concat", {x, x}, Attrs().set("axis", 2)), Status::Index, "concat: axis 2 is out of range");
}

TEST(stack_matches_reference) {
  for (DType dt : kAllTypes) {
    for (const Shape& s : {Shape{2, 3}, Shape{}, Shape{0, 2}, Shape{4}, Shape{300, 400}}) {
      for (int64_t axis = -static_cast<int64_t>(s.size()) - 1; axis <= static_cast<int64_t>(s.size()); ++axis) {
        std::vector<Ref> refs;
        std::vector<Tensor> ins;
        for (int64_t j = 0; j < 3; ++j) {
          refs.push_back(iota(s, dt, j * 100));
          ins.push_back(tensor(refs.back(), dt));
        }
        auto ua = static_cast<size_t>(norm_axis(axis, s.size() + 1));
        Shape out = s;
        out.insert(out.begin() + static_cast<int64_t>(ua), 3);
        Ref want = build(out, [&](Index i) {
          size_t j = static_cast<size_t>(i[ua]);
          i.erase(i.begin() + static_cast<int64_t>(ua));
          return refs[j].at(i);
        });
        CHECK(matches(one("stack", ins, Attrs().set("axis", axis)), want, dt, "stack " + shape_str(out)));
      }
    }
  }
  Tensor x = ops::zeros({2, 3}), y = ops::zeros({3, 2});
  CHECK_THROWS(one("stack", {x, y}, Attrs()), Status::Shape, "stack: input 1 [3,2] differs from input 0 [2,3]");
}

TEST(split_matches_reference) {
  struct Case {
    Shape shape;
    int64_t axis;
    Ints sizes;
    int64_t sections;
  };
  const std::vector<Case> cases = {{{5, 4}, 0, {2, 0, 3}, 0}, {{5, 4}, -1, {}, 2},        {{2, 6, 3}, 1, {1, 4, 1}, 0},
                                   {{6}, 0, {}, 3},          {{0, 4}, 1, {4, 0}, 0},       {{3, 0}, 0, {}, 1},
                                   {{700, 500}, 0, {100, 600}, 0}, {{500, 700}, 1, {350, 349, 1}, 0}};
  for (DType dt : kAllTypes) {
    for (const Case& c : cases) {
      Ref x = iota(c.shape, dt);
      Attrs attrs = Attrs().set("axis", c.axis);
      if (c.sections) attrs.set("sections", c.sections);
      else attrs.set("sizes", c.sizes);
      std::vector<Tensor> pieces = call("split", {tensor(x, dt)}, attrs);
      auto ua = static_cast<size_t>(norm_axis(c.axis, c.shape.size()));
      Ints sizes = c.sizes.empty() ? Ints(static_cast<size_t>(c.sections), c.shape[ua] / c.sections) : c.sizes;
      CHECK(pieces.size() == sizes.size());
      int64_t at = 0;
      for (size_t j = 0; j < std::min(pieces.size(), sizes.size()); ++j) {
        Shape ps = c.shape;
        ps[ua] = sizes[j];
        Ref want = build(ps, [&](Index i) {
          i[ua] += at;
          return x.at(i);
        });
        CHECK(matches(pieces[j], want, dt, "split piece " + std::to_string(j) + " of " + shape_str(c.shape)));
        at += sizes[j];
      }
    }
  }
  Tensor x = ops::zeros({4, 3});
  CHECK_THROWS(call("split", {x}, Attrs().set("sizes", Ints{1, 2})), Status::Shape,
               "split: sizes [1,2] add up to 3, but axis 0 of [4,3] has size 4");
  CHECK_THROWS(call("split", {x}, Attrs().set("axis", 1).set("sections", int64_t{2})), Status::Shape,
               "split: axis 1 of [4,3] (size 3) cannot be split into 2 equal sections");
  CHECK_THROWS(call("split", {ops::zeros({})}, Attrs().set("sections", int64_t{1})), Status::Shape,
               "split: a scalar cannot be split");
}

TEST(pad_matches_reference) {
  struct Case {
    Shape shape;
    Ints pads;
  };
  const std::vector<Case> cases = {{{5}, {2, 3}},           {{5}, {0, 0}},           {{3, 4}, {1, 2, 0, 0}},
                                   {{3, 4}, {0, 0, 3, 1}},  {{3, 4}, {2, 1, 2, 3}},  {{2, 3, 4}, {1, 1, 0, 0, 2, 0}},
                                   {{2, 3, 4}, {0, 1, 2, 2, 0, 0}}, {{}, {}},         {{4, 1}, {0, 0, 0, 0}},
                                   {{300, 400}, {3, 2, 1, 3}}};
  for (DType dt : kAllTypes) {
    for (const Case& c : cases) {
      Ref x = iota(c.shape, dt);
      Shape out = c.shape;
      for (size_t d = 0; d < out.size(); ++d) out[d] += c.pads[2 * d] + c.pads[2 * d + 1];
      for (int64_t mode : {0, 1, 2}) {
        bool reflect_ok = true;
        for (size_t d = 0; d < c.shape.size(); ++d)
          reflect_ok = reflect_ok && c.pads[2 * d] < c.shape[d] && c.pads[2 * d + 1] < c.shape[d];
        if (mode == 1 && !reflect_ok) continue;
        double value = dt == DType::Bool ? 1 : 9;
        Ref want = build(out, [&](const Index& i) {
          Index src(i.size());
          for (size_t d = 0; d < i.size(); ++d) {
            int64_t j = i[d] - c.pads[2 * d], n = c.shape[d];
            if (j < 0 || j >= n) {
              if (mode == 0) return value;
              if (mode == 2) j = j < 0 ? 0 : n - 1;
              else j = j < 0 ? -j : 2 * (n - 1) - j;
            }
            src[d] = j;
          }
          return x.at(src);
        });
        Tensor got = one("pad", {tensor(x, dt)}, Attrs().set("pads", c.pads).set("mode", mode).set("value", value));
        CHECK(matches(got, want, dt, "pad mode " + std::to_string(mode) + " " + shape_str(c.shape) + " by " + shape_str(c.pads)));
      }
    }
  }
  // Constant padding of an empty dim, the default value 0, and a stepped-slice input.
  Tensor empty_rows = one("pad", {ops::zeros({0, 2}, DType::I32)}, Attrs().set("pads", Ints{1, 1, 0, 1}).set("value", 5));
  CHECK((empty_rows.shape() == Shape{2, 3}) && (empty_rows.to_vector<int32_t>() == std::vector<int32_t>(6, 5)));
  Tensor base = Tensor::from_vector<float>({0, 1, 2, 3, 4, 5, 6, 7}, {8});
  Tensor stepped = one("slice", {base}, Attrs().set("starts", Ints{1}).set("steps", Ints{3}));  // 1, 4, 7
  CHECK((one("pad", {stepped}, Attrs().set("pads", Ints{1, 2})).to_vector<float>() == std::vector<float>{0, 1, 4, 7, 0, 0}));
  CHECK((one("pad", {stepped}, Attrs().set("pads", Ints{2, 2}).set("mode", int64_t{1})).to_vector<float>() ==
         std::vector<float>{7, 4, 1, 4, 7, 4, 1}));
  CHECK_THROWS(one("pad", {ops::zeros({3}, DType::U8)}, Attrs().set("pads", Ints{1, 1}).set("value", -1)),
               Status::InvalidArgument, "pad: value -1 does not fit in u8");
  CHECK_THROWS(one("pad", {ops::zeros({3})}, Attrs().set("pads", Ints{3, 0}).set("mode", int64_t{1})),
               Status::InvalidArgument, "pad: reflect padding");
  CHECK_THROWS(one("pad", {ops::zeros({3})}, Attrs().set("pads", Ints{1})), Status::InvalidArgument, "pad: pads [1]");
}

TEST(tile_matches_reference) {
  struct Case {
    Shape shape;
    Ints reps;
  };
  const std::vector<Case> cases = {{{2, 3}, {2, 1}}, {{2, 3}, {1, 3}},   {{2, 3}, {2, 2}},    {{2, 3}, {3}},
                                   {{2, 3}, {2, 1, 2}}, {{2, 3}, {0, 2}}, {{}, {3}},          {{}, {}},
                                   {{3}, {1}},       {{1, 1}, {4, 700}}, {{200, 30}, {3, 50}}, {{2, 1, 3}, {1, 100000, 1}}};
  for (DType dt : kAllTypes) {
    for (const Case& c : cases) {
      Ref x = iota(c.shape, dt);
      size_t rank = std::max(c.shape.size(), c.reps.size());
      Shape s = c.shape;
      Ints reps = c.reps;
      s.insert(s.begin(), rank - s.size(), 1);
      reps.insert(reps.begin(), rank - reps.size(), 1);
      Shape out(rank);
      for (size_t d = 0; d < rank; ++d) out[d] = s[d] * reps[d];
      Ref padded{s, x.v};
      Ref want = build(out, [&](const Index& i) {
        Index src(rank);
        for (size_t d = 0; d < rank; ++d) src[d] = i[d] % s[d];
        return padded.at(src);
      });
      CHECK(matches(one("tile", {tensor(x, dt)}, Attrs().set("reps", c.reps)), want, dt,
                    "tile " + shape_str(c.shape) + " by " + shape_str(c.reps)));
    }
  }
  Ref a = iota({3, 2}, DType::I64);
  Ref want = build({6, 4}, [&](const Index& i) { return a.at({i[0] % 3, i[1] % 2}); });
  CHECK(matches(one("tile", {transposed_copy_source(a, DType::I64)}, Attrs().set("reps", Ints{2, 2})), want, DType::I64,
                "tile of a transposed input"));
  CHECK_THROWS(one("tile", {ops::zeros({2})}, Attrs().set("reps", Ints{-1})), Status::InvalidArgument, "tile");
}

TEST(repeat_matches_reference) {
  struct Case {
    Shape shape;
    int64_t repeats, axis;
  };
  const std::vector<Case> cases = {{{2, 3}, 2, 0},  {{2, 3}, 2, 1},   {{2, 3}, 3, -1}, {{2, 3}, 0, 1},  {{}, 4, 0},
                                   {{}, 2, -1},     {{2, 3, 4}, 3, 1}, {{5}, 1, 0},    {{0, 3}, 2, 1}, {{1000, 300}, 2, 1},
                                   {{300, 1000}, 3, 0}, {{50, 7}, 5, 1}};
  for (DType dt : kAllTypes) {
    for (const Case& c : cases) {
      Ref x = iota(c.shape, dt);
      Shape s = c.shape.empty() ? Shape{1} : c.shape;
      auto ua = static_cast<size_t>(norm_axis(c.axis, s.size()));
      Shape out = s;
      out[ua] *= c.repeats;
      Ref flat{s, x.v};
      Ref want = build(out, [&](Index i) {
        i[ua] /= c.repeats;
        return flat.at(i);
      });
      CHECK(matches(one("repeat", {tensor(x, dt)}, Attrs().set("repeats", c.repeats).set("axis", c.axis)), want, dt,
                    "repeat " + shape_str(c.shape) + " x" + std::to_string(c.repeats)));
    }
  }
  CHECK_THROWS(one("repeat", {ops::zeros({2})}, Attrs().set("repeats", int64_t{-1})), Status::InvalidArgument,
               "repeat: repeats must be >= 0");
}

TEST(flip_matches_reference) {
  struct Case {
    Shape shape;
    Ints axes;
  };
  const std::vector<Case> cases = {{{2, 3}, {}},       {{2, 3}, {0}},      {{2, 3}, {-1}},  {{2, 3, 4}, {0, 2}},
                                   {{2, 3, 4}, {1}},   {{}, {}},          {{0, 3}, {0}},   {{7}, {0}},
                                   {{500, 300}, {0}},  {{300, 500}, {1}}};
  for (DType dt : kAllTypes) {
    for (const Case& c : cases) {
      Ref x = iota(c.shape, dt);
      std::vector<bool> flipped(c.shape.size(), c.axes.empty());
      for (int64_t a : c.axes) flipped[static_cast<size_t>(norm_axis(a, c.shape.size()))] = true;
      Ref want = build(c.shape, [&](Index i) {
        for (size_t d = 0; d < i.size(); ++d)
          if (flipped[d]) i[d] = c.shape[d] - 1 - i[d];
        return x.at(i);
      });
      CHECK(matches(one("flip", {tensor(x, dt)}, Attrs().set("axes", c.axes)), want, dt,
                    "flip " + shape_str(c.shape) + " on " + shape_str(c.axes)));
      if (c.shape.size() == 2 && dt == DType::F64)
        CHECK(matches(one("flip", {transposed_copy_source(x, dt)}, Attrs().set("axes", c.axes)), want, dt,
                      "flip of a transposed input"));
    }
  }
  Tensor base = Tensor::from_vector<int32_t>({0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {10});
  Tensor stepped = one("slice", {base}, Attrs().set("starts", Ints{8}).set("steps", Ints{-3}));  // 8, 5, 2
  CHECK((one("flip", {stepped}, Attrs()).to_vector<int32_t>() == std::vector<int32_t>{2, 5, 8}));
  CHECK_THROWS(one("flip", {base}, Attrs().set("axes", Ints{1})), Status::Index, "flip: axis 1 is out of range");
}

TEST(gather_matches_numpy_take) {
  struct Case {
    Shape shape;
    int64_t axis;
    Ints indices;
    Shape index_shape;
  };
  const std::vector<Case> cases = {
      {{4, 3}, 0, {2, 0, -1}, {3}},         {{4, 3}, 1, {2, 2, -3, 0}, {2, 2}}, {{4, 3}, -1, {1}, {}},
      {{2, 5, 3}, 1, {4, 0, -5, 1}, {4}},   {{5}, 0, {}, {0}},                   {{4, 0}, 0, {1, 3}, {2}},
      {{1000, 64}, 0, {}, {}},              {{64, 2000}, 1, {}, {}}};
  for (DType dt : kAllTypes) {
    for (DType it : {DType::I32, DType::I64}) {
      for (Case c : cases) {
        if (c.index_shape.empty() && c.indices.empty()) {  // large: a pseudo-random index list
          int64_t n = c.shape[static_cast<size_t>(c.axis)];
          for (int64_t k = 0; k < 3000; ++k) c.indices.push_back((k * 7919) % (2 * n) - n);
          c.index_shape = {30, 100};
        }
        Ref x = iota(c.shape, dt);
        auto ua = static_cast<size_t>(norm_axis(c.axis, c.shape.size()));
        Ref ind{c.index_shape, std::vector<double>(c.indices.begin(), c.indices.end())};
        Shape out(c.shape.begin(), c.shape.begin() + static_cast<int64_t>(ua));
        out.insert(out.end(), c.index_shape.begin(), c.index_shape.end());
        out.insert(out.end(), c.shape.begin() + static_cast<int64_t>(ua) + 1, c.shape.end());
        size_t ir = c.index_shape.size();
        Ref want = build(out, [&](const Index& i) {
          Index src(i.begin(), i.begin() + static_cast<int64_t>(ua));
          int64_t j = static_cast<int64_t>(ind.at(Index(i.begin() + static_cast<int64_t>(ua), i.begin() + static_cast<int64_t>(ua + ir))));
          src.push_back(j < 0 ? j + c.shape[ua] : j);
          src.insert(src.end(), i.begin() + static_cast<int64_t>(ua + ir), i.end());
          return x.at(src);
        });
        Tensor got = one("gather", {tensor(x, dt), index_tensor(c.indices, c.index_shape, it)}, Attrs().set("axis", c.axis));
        CHECK(matches(got, want, dt, "gather " + shape_str(c.shape) + " axis " + std::to_string(c.axis) + " indices " +
                                         dtype_name(it) + shape_str(c.index_shape)));
      }
    }
  }
  Tensor x = ops::zeros({10, 2});
  CHECK_THROWS(one("gather", {x, index_tensor({1, 12, 3}, {3}, DType::I64)}, Attrs()), Status::Index,
               "gather: index 12 is out of range for axis 0 of size 10");
  CHECK_THROWS(one("gather", {x, index_tensor({-11}, {1}, DType::I32)}, Attrs()), Status::Index,
               "gather: index -11 is out of range for axis 0 of size 10");
  CHECK_THROWS(one("gather", {x, index_tensor({2}, {1}, DType::I32)}, Attrs().set("axis", -1)), Status::Index,
               "gather: index 2 is out of range for axis 1 of size 2");
  CHECK_THROWS(one("gather", {ops::zeros({0, 3}), index_tensor({0}, {1}, DType::I32)}, Attrs()), Status::Index,
               "gather: index 0 is out of range for axis 0 of size 0");
  CHECK_THROWS(one("gather", {x, ops::zeros({1})}, Attrs()), Status::DType, "gather: indices must be i32 or i64");
}

TEST(take_along_axis_matches_numpy) {
  struct Case {
    Shape shape, index_shape;
    int64_t axis;
  };
  const std::vector<Case> cases = {{{3, 4}, {3, 2}, 1},    {{3, 4}, {1, 2}, 1},      {{1, 4}, {3, 2}, 1},
                                   {{3, 4}, {5, 4}, 0},    {{3, 4}, {3, 4}, -1},     {{2, 3, 4}, {2, 1, 4}, 1},
                                   {{2, 3, 4}, {1, 3, 6}, -1}, {{5}, {7}, 0},        {{3, 4}, {3, 0}, 1},
                                   {{300, 400}, {300, 200}, 1}};
  for (DType dt : kAllTypes) {
    for (DType it : {DType::I32, DType::I64}) {
      for (const Case& c : cases) {
        auto ua = static_cast<size_t>(norm_axis(c.axis, c.shape.size()));
        int64_t n = c.shape[ua];
        Ints indices(static_cast<size_t>(numel_of(c.index_shape)));
        for (size_t k = 0; k < indices.size(); ++k) indices[k] = static_cast<int64_t>((k * 37 + 5) % static_cast<size_t>(2 * n)) - n;
        Ref x = iota(c.shape, dt), ind{c.index_shape, std::vector<double>(indices.begin(), indices.end())};
        Shape out = c.index_shape;
        for (size_t d = 0; d < out.size(); ++d)
          if (d != ua) out[d] = std::max(c.shape[d], c.index_shape[d]);
        Ref want = build(out, [&](const Index& i) {
          Index ii(i.size()), xi(i.size());
          for (size_t d = 0; d < i.size(); ++d) {
            ii[d] = c.index_shape[d] == 1 ? 0 : i[d];
            xi[d] = c.shape[d] == 1 ? 0 : i[d];
          }
          int64_t j = static_cast<int64_t>(ind.at(ii));
          xi[ua] = j < 0 ? j + n : j;
          return x.at(xi);
        });
        Tensor got = one("take_along_axis", {tensor(x, dt), index_tensor(indices, c.index_shape, it)},
                         Attrs().set("axis", c.axis));
        CHECK(matches(got, want, dt, "take_along_axis " + shape_str(c.shape) + " by " + shape_str(c.index_shape)));
      }
    }
  }
  Tensor x = ops::zeros({2, 5});
  CHECK_THROWS(one("take_along_axis", {x, index_tensor({0, 5}, {1, 2}, DType::I64)}, Attrs()), Status::Index,
               "take_along_axis: index 5 is out of range for axis 1 of size 5");
  CHECK_THROWS(one("take_along_axis", {x, index_tensor({-3}, {1, 1}, DType::I32)}, Attrs().set("axis", 0)), Status::Index,
               "take_along_axis: index -3 is out of range for axis 0 of size 2");
  CHECK_THROWS(one("take_along_axis", {x, index_tensor({0, 1}, {2}, DType::I64)}, Attrs()), Status::Shape,
               "take_along_axis: indices [2] must have the rank of the input [2,5]");
}

TEST(one_hot_matches_reference) {
  struct Case {
    Ints indices;
    Shape shape;
    int64_t depth;
  };
  const std::vector<Case> cases = {{{0, 3, 1}, {3}, 4}, {{2, 0, 1, 1}, {2, 2}, 3}, {{2}, {}, 5}, {{}, {0}, 3},
                                   {{}, {0}, 0},        {{0, 0}, {2}, 1}};
  for (DType it : {DType::I32, DType::I64}) {
    for (DType dt : kAllTypes) {
      for (const Case& c : cases) {
        Ref ind{c.shape, std::vector<double>(c.indices.begin(), c.indices.end())};
        Shape out = c.shape;
        out.push_back(c.depth);
        Ref want = build(out, [&](Index i) {
          int64_t col = i.back();
          i.pop_back();
          return ind.at(i) == static_cast<double>(col) ? 1.0 : 0.0;
        });
        Tensor got = one("one_hot", {index_tensor(c.indices, c.shape, it)}, Attrs().set("depth", c.depth).set("dtype", dt));
        CHECK(matches(got, want, dt, "one_hot " + shape_str(c.shape) + " depth " + std::to_string(c.depth)));
      }
    }
  }
  Ints many(100000);
  for (size_t k = 0; k < many.size(); ++k) many[k] = static_cast<int64_t>(k % 10);
  std::vector<float> big = one("one_hot", {index_tensor(many, {100000}, DType::I64)}, Attrs().set("depth", int64_t{10})).to_vector<float>();
  bool ok = true;
  for (size_t k = 0; k < many.size(); ++k)
    for (size_t c = 0; c < 10; ++c) ok = ok && big[k * 10 + c] == (static_cast<int64_t>(c) == many[k] ? 1.0f : 0.0f);
  CHECK(ok);
  Tensor ind = index_tensor({0, 4, 1}, {3}, DType::I32);
  CHECK_THROWS(one("one_hot", {ind}, Attrs().set("depth", int64_t{4})), Status::Index,
               "one_hot: index 4 is out of range for depth 4");
  CHECK_THROWS(one("one_hot", {index_tensor({-1}, {1}, DType::I64)}, Attrs().set("depth", int64_t{4})), Status::Index,
               "one_hot: index -1 is out of range for depth 4");
  CHECK_THROWS(one("one_hot", {ind}, Attrs().set("depth", int64_t{5}).set("dtype", DType::F16)), Status::DType,
               "one_hot: output dtype f16 is not supported on cpu");
  CHECK_THROWS(one("one_hot", {ops::zeros({2})}, Attrs().set("depth", int64_t{5})), Status::DType,
               "one_hot: indices must be i32 or i64");
}

TEST(copies_do_not_depend_on_thread_count) {
  const int saved = num_threads();
  Tensor x = tensor(iota({512, 777}, DType::F32), DType::F32);
  auto run_all = [&] {
    std::vector<Tensor> r;
    r.push_back(one("concat", {x, x}, Attrs().set("axis", 1)));
    r.push_back(one("pad", {x}, Attrs().set("pads", Ints{2, 3, 4, 1}).set("mode", int64_t{1})));
    r.push_back(one("tile", {x}, Attrs().set("reps", Ints{2, 3})));
    r.push_back(one("repeat", {x}, Attrs().set("repeats", int64_t{3}).set("axis", 1)));
    r.push_back(one("flip", {x}, Attrs()));
    return r;
  };
  set_num_threads(1);
  std::vector<Tensor> a = run_all();
  set_num_threads(4);
  std::vector<Tensor> b = run_all();
  set_num_threads(saved);
  for (size_t i = 0; i < a.size(); ++i)
    CHECK(a[i].nbytes() == b[i].nbytes() && std::memcmp(a[i].raw_data(), b[i].raw_data(), a[i].nbytes()) == 0);
}

TEST_MAIN()
