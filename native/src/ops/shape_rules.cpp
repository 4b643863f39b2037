#include "ops/shape_rules.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "ops/shape_util.h"

namespace nr::rules {
namespace {

DType dtype_attr(const OpDef& def, const Attrs& attrs, DType dflt) {
  int64_t v = attrs.get_int("dtype", static_cast<int64_t>(dflt));
  if (!is_valid_dtype(static_cast<int32_t>(v)) || v != static_cast<int32_t>(v))
    fail(Status::DType, def.name, ": unknown dtype code ", v);
  return static_cast<DType>(v);
}

void require_floating(const OpDef& def, const TensorMeta& m, const char* what = "input") {
  if (!is_floating(m.dtype))
    fail(Status::DType, def.name, ": ", what, " must be a floating-point tensor (f32 or f64), got ",
         dtype_name(m.dtype), " ", shape_str(m.shape));
}

void require_bool(const OpDef& def, const TensorMeta& m, const char* what = "input") {
  if (m.dtype != DType::Bool)
    fail(Status::DType, def.name, ": ", what, " must be a bool tensor, got ", dtype_name(m.dtype), " ",
         shape_str(m.shape));
}

void require_same_dtype(const OpDef& def, const std::vector<TensorMeta>& in, size_t from = 0) {
  for (size_t i = from + 1; i < in.size(); ++i)
    if (in[i].dtype != in[from].dtype)
      fail(Status::DType, def.name, ": dtype mismatch: ", dtype_name(in[from].dtype), " ", shape_str(in[from].shape),
           " vs ", dtype_name(in[i].dtype), " ", shape_str(in[i].shape), " (cast one of them first)");
}

void require_integer_indices(const OpDef& def, const TensorMeta& m) {
  if (m.dtype != DType::I32 && m.dtype != DType::I64)
    fail(Status::DType, def.name, ": indices must be i32 or i64, got ", dtype_name(m.dtype), " ", shape_str(m.shape));
}

Shape reduced_shape(const Shape& shape, const std::vector<int>& axes, bool keepdims) {
  Shape out;
  for (int i = 0; i < static_cast<int>(shape.size()); ++i) {
    bool reduced = std::find(axes.begin(), axes.end(), i) != axes.end();
    if (!reduced) out.push_back(shape[static_cast<size_t>(i)]);
    else if (keepdims) out.push_back(1);
  }
  return out;
}

}  // namespace

std::vector<TensorMeta> creation(const OpDef& def, const std::vector<TensorMeta>&, const Attrs& attrs) {
  Shape shape = attrs.get_ints("shape");
  check_shape(def.name, shape);
  DType dt = dtype_attr(def, attrs, DType::F32);
  if ((def.id == OpId::RandomUniform || def.id == OpId::RandomNormal || def.id == OpId::TruncatedNormal) &&
      !is_floating(dt))
    fail(Status::DType, def.name, ": random values need a floating-point dtype, got ", dtype_name(dt));
  if (def.id == OpId::RandomUniform && !(attrs.get_float("low", 0) <= attrs.get_float("high", 1)))
    fail(Status::InvalidArgument, def.name, ": low ", attrs.get_float("low", 0), " exceeds high ",
         attrs.get_float("high", 1));
  if ((def.id == OpId::RandomNormal || def.id == OpId::TruncatedNormal) && !(attrs.get_float("stddev", 1) >= 0))
    fail(Status::InvalidArgument, def.name, ": stddev must be >= 0, got ", attrs.get_float("stddev", 1));
  return {{dt, shape}};
}

std::vector<TensorMeta> arange(const OpDef& def, const std::vector<TensorMeta>&, const Attrs& attrs) {
  double start = attrs.get_float("start", 0), stop = attrs.get_float("stop", 0), step = attrs.get_float("step", 1);
  if (step == 0 || !std::isfinite(step) || !std::isfinite(start) || !std::isfinite(stop))
    fail(Status::InvalidArgument, def.name, ": start ", start, ", stop ", stop, ", step ", step,
         " must be finite with a non-zero step");
  double n = std::ceil((stop - start) / step);
  if (n > static_cast<double>(std::numeric_limits<int32_t>::max()))
    fail(Status::InvalidArgument, def.name, ": ", n, " elements is too many");
  return {{dtype_attr(def, attrs, DType::F32), {static_cast<int64_t>(std::max(0.0, n))}}};
}

std::vector<TensorMeta> linspace(const OpDef& def, const std::vector<TensorMeta>&, const Attrs& attrs) {
  int64_t num = attrs.get_int("num", 50);
  if (num < 0) fail(Status::InvalidArgument, def.name, ": num must be >= 0, got ", num);
  DType dt = dtype_attr(def, attrs, DType::F32);
  if (!is_floating(dt)) fail(Status::DType, def.name, ": dtype must be f32 or f64, got ", dtype_name(dt));
  return {{dt, {num}}};
}

std::vector<TensorMeta> eye(const OpDef& def, const std::vector<TensorMeta>&, const Attrs& attrs) {
  int64_t n = attrs.get_int("n", 0), m = attrs.get_int("m", n);
  Shape shape{n, m};
  check_shape(def.name, shape);
  return {{dtype_attr(def, attrs, DType::F32), shape}};
}

std::vector<TensorMeta> same(const OpDef&, const std::vector<TensorMeta>& in, const Attrs&) { return {in[0]}; }

std::vector<TensorMeta> floating_same(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs) {
  require_floating(def, in[0]);
  if (def.id == OpId::Clip && attrs.get_float("min", 0) > attrs.get_float("max", 0))
    fail(Status::InvalidArgument, def.name, ": min ", attrs.get_float("min", 0), " exceeds max ",
         attrs.get_float("max", 0));
  return {in[0]};
}

std::vector<TensorMeta> bool_same(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs&) {
  require_bool(def, in[0]);
  return {in[0]};
}

std::vector<TensorMeta> binary(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs&) {
  require_same_dtype(def, in);
  if (in[0].dtype == DType::Bool)
    fail(Status::DType, def.name, ": arithmetic on bool tensors ", shape_str(in[0].shape),
         " is not defined (use logical_* ops, or cast)");
  return {{in[0].dtype, broadcast_shapes(def.name, {in[0].shape, in[1].shape})}};
}

std::vector<TensorMeta> floating_binary(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs) {
  require_floating(def, in[0], "first input");
  return binary(def, in, attrs);
}

std::vector<TensorMeta> compare(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs&) {
  require_same_dtype(def, in);
  return {{DType::Bool, broadcast_shapes(def.name, {in[0].shape, in[1].shape})}};
}

std::vector<TensorMeta> logical_binary(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs&) {
  require_bool(def, in[0], "first input");
  require_bool(def, in[1], "second input");
  return {{DType::Bool, broadcast_shapes(def.name, {in[0].shape, in[1].shape})}};
}

std::vector<TensorMeta> where(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs&) {
  require_bool(def, in[0], "condition");
  require_same_dtype(def, in, 1);
  return {{in[1].dtype, broadcast_shapes(def.name, {in[0].shape, in[1].shape, in[2].shape})}};
}

std::vector<TensorMeta> reduce(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs) {
  const TensorMeta& x = in[0];
  if (x.dtype == DType::Bool)
    fail(Status::DType, def.name, ": bool input ", shape_str(x.shape), " (use all/any, or cast to a number)");
  auto axes = normalize_axes(def.name, attrs.get_ints("axes"), static_cast<int>(x.shape.size()), x.shape);
  if (def.id == OpId::Max || def.id == OpId::Min)
    for (int a : axes)
      if (x.shape[static_cast<size_t>(a)] == 0)
        fail(Status::Shape, def.name, ": cannot reduce over the empty axis ", a, " of ", shape_str(x.shape),
             " (there is no identity for ", def.name, ")");
  return {{x.dtype, reduced_shape(x.shape, axes, attrs.get_int("keepdims", 0) != 0)}};
}

std::vector<TensorMeta> floating_reduce(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs) {
  require_floating(def, in[0]);
  if (def.id == OpId::Var || def.id == OpId::Std) {
    int64_t correction = attrs.get_int("correction", 0);
    if (correction < 0) fail(Status::InvalidArgument, def.name, ": correction must be >= 0, got ", correction);
  }
  return reduce(def, in, attrs);
}

std::vector<TensorMeta> bool_reduce(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs) {
  require_bool(def, in[0]);
  const TensorMeta& x = in[0];
  auto axes = normalize_axes(def.name, attrs.get_ints("axes"), static_cast<int>(x.shape.size()), x.shape);
  return {{DType::Bool, reduced_shape(x.shape, axes, attrs.get_int("keepdims", 0) != 0)}};
}

std::vector<TensorMeta> arg_reduce(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs) {
  const TensorMeta& x = in[0];
  if (x.dtype == DType::Bool) fail(Status::DType, def.name, ": bool input ", shape_str(x.shape));
  if (x.shape.empty()) fail(Status::Shape, def.name, ": input is a scalar; it has no axis to search");
  int axis = normalize_axis(def.name, attrs.get_int("axis", -1), static_cast<int>(x.shape.size()), x.shape);
  if (x.shape[static_cast<size_t>(axis)] == 0)
    fail(Status::Shape, def.name, ": axis ", axis, " of ", shape_str(x.shape), " is empty");
  return {{DType::I64, reduced_shape(x.shape, {axis}, attrs.get_int("keepdims", 0) != 0)}};
}

std::vector<TensorMeta> matmul(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs&) {
  const TensorMeta &a = in[0], &b = in[1];
  if (a.shape.empty() || b.shape.empty())
    fail(Status::Shape, def.name, ": ", shape_str(a.shape), " x ", shape_str(b.shape),
         ": scalars cannot be multiplied as matrices (use mul)");
  require_same_dtype(def, in);
  require_floating(def, a);
  Shape as = a.shape, bs = b.shape;
  bool a_vec = as.size() == 1, b_vec = bs.size() == 1;
  if (a_vec) as.insert(as.begin(), 1);
  if (b_vec) bs.push_back(1);
  int64_t k1 = as.back(), k2 = bs[bs.size() - 2];
  if (k1 != k2)
    fail(Status::Shape, def.name, ": ", shape_str(a.shape), " x ", shape_str(b.shape), ": inner dimensions ", k1,
         " and ", k2, " differ");
  Shape a_batch(as.begin(), as.end() - 2), b_batch(bs.begin(), bs.end() - 2);
  Shape out = broadcast_shapes(def.name, {a_batch, b_batch});
  if (!a_vec) out.push_back(as[as.size() - 2]);
  if (!b_vec) out.push_back(bs.back());
  return {{a.dtype, out}};
}

Shape resolve_reshape(const char* op, const Shape& from, const std::vector<int64_t>& to) {
  Shape out(to.begin(), to.end());
  int infer_at = -1;
  int64_t known = 1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      if (infer_at >= 0) fail(Status::Shape, op, ": target shape ", shape_str(to), " has more than one -1");
      infer_at = static_cast<int>(i);
    } else if (out[i] < 0) {
      fail(Status::Shape, op, ": target shape ", shape_str(to), " has a negative dimension");
    } else {
      known *= out[i];
    }
  }
  int64_t n = numel_of(from);
  if (infer_at >= 0) {
    if (known == 0 || n % known != 0)
      fail(Status::Shape, op, ": cannot reshape ", shape_str(from), " (", n, " elements) into ", shape_str(to));
    out[static_cast<size_t>(infer_at)] = n / known;
  }
  check_shape(op, out);
  if (numel_of(out) != n)
    fail(Status::Shape, op, ": cannot reshape ", shape_str(from), " (", n, " elements) into ", shape_str(to), " (",
         numel_of(out), " elements)");
  return out;
}

std::vector<TensorMeta> reshape(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs) {
  if (!attrs.has("shape")) fail(Status::InvalidArgument, def.name, ": the 'shape' attribute is required");
  return {{in[0].dtype, resolve_reshape(def.name, in[0].shape, attrs.get_ints("shape"))}};
}

std::vector<TensorMeta> permute(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs) {
  const Shape& s = in[0].shape;
  auto perm = attrs.get_ints("perm");
  if (perm.size() != s.size())
    fail(Status::Shape, def.name, ": permutation ", shape_str(perm), " does not match rank ", s.size(), " of ",
         shape_str(s));
  std::vector<bool> seen(s.size(), false);
  Shape out(s.size());
  for (size_t i = 0; i < perm.size(); ++i) {
    int a = normalize_axis(def.name, perm[i], static_cast<int>(s.size()), s);
    if (seen[static_cast<size_t>(a)])
      fail(Status::InvalidArgument, def.name, ": ", shape_str(perm), " is not a permutation of the axes of ",
           shape_str(s));
    seen[static_cast<size_t>(a)] = true;
    out[i] = s[static_cast<size_t>(a)];
  }
  return {{in[0].dtype, out}};
}

SliceSpec resolve_slice(const char* op, const Shape& shape, const Attrs& attrs) {
  int nd = static_cast<int>(shape.size());
  auto starts = attrs.get_ints("starts"), stops = attrs.get_ints("stops"), steps = attrs.get_ints("steps"),
       axes = attrs.get_ints("axes");
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  if (starts.size() != axes.size() || (!stops.empty() && stops.size() != axes.size()) ||
      (!steps.empty() && steps.size() != axes.size()))
    fail(Status::InvalidArgument, op, ": starts ", shape_str(starts), ", stops ", shape_str(stops), ", steps ",
         shape_str(steps), " and axes ", shape_str(axes), " must have the same length");
  SliceSpec spec{Shape(static_cast<size_t>(nd), 0), Shape(static_cast<size_t>(nd), 1), shape};
  std::vector<bool> seen(static_cast<size_t>(nd), false);
  for (size_t i = 0; i < axes.size(); ++i) {
    int a = normalize_axis(op, axes[i], nd, shape);
    if (seen[static_cast<size_t>(a)]) fail(Status::InvalidArgument, op, ": axis ", a, " is sliced twice");
    seen[static_cast<size_t>(a)] = true;
    int64_t dim = shape[static_cast<size_t>(a)];
    int64_t step = steps.empty() ? 1 : steps[i];
    if (step == 0) fail(Status::InvalidArgument, op, ": step 0 on axis ", a, " of ", shape_str(shape));
    // Python slice semantics: negative indices count from the end; out-of-range bounds are clamped.
    auto clamp = [&](int64_t v, int64_t lo, int64_t hi) { return std::max(lo, std::min(hi, v)); };
    int64_t start = starts[i], stop = stops.empty() ? (step > 0 ? INT64_MAX : INT64_MIN) : stops[i];
    int64_t lo = step > 0 ? 0 : -1, hi = step > 0 ? dim : dim - 1;
    if (start < 0) start += dim;
    start = clamp(start, lo, hi);
    if (stop < 0 && stop != INT64_MIN) stop += dim;
    stop = clamp(stop, lo, hi);
    // 128-bit: with a step near INT64_MAX (or INT64_MIN, whose negation overflows) the usual ceil-division does.
    __int128 span = step > 0 ? static_cast<__int128>(stop) - start : static_cast<__int128>(start) - stop;
    __int128 stride = step > 0 ? static_cast<__int128>(step) : -static_cast<__int128>(step);
    int64_t len = span > 0 ? static_cast<int64_t>((span - 1) / stride + 1) : 0;
    spec.start[static_cast<size_t>(a)] = len > 0 ? start : 0;
    spec.step[static_cast<size_t>(a)] = len > 1 ? step : 1;  // with one element the step is never taken
    spec.size[static_cast<size_t>(a)] = len;
  }
  return spec;
}

std::vector<TensorMeta> slice(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs) {
  return {{in[0].dtype, resolve_slice(def.name, in[0].shape, attrs).size}};
}

std::vector<TensorMeta> broadcast_to(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs) {
  Shape target = attrs.get_ints("shape");
  check_shape(def.name, target);
  const Shape& s = in[0].shape;
  bool ok = target.size() >= s.size();
  for (size_t i = 0; ok && i < s.size(); ++i) {
    int64_t d = s[s.size() - 1 - i], t = target[target.size() - 1 - i];
    ok = d == t || d == 1;
  }
  if (!ok) fail(Status::Shape, def.name, ": cannot broadcast ", shape_str(s), " to ", shape_str(target));
  return {{in[0].dtype, target}};
}

std::vector<TensorMeta> squeeze(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs) {
  const Shape& s = in[0].shape;
  int nd = static_cast<int>(s.size());
  std::vector<bool> drop(s.size(), false);
  if (attrs.has("axes")) {
    for (int a : normalize_axes(def.name, attrs.get_ints("axes"), nd, s)) {
      if (s[static_cast<size_t>(a)] != 1)
        fail(Status::Shape, def.name, ": axis ", a, " of ", shape_str(s), " has size ", s[static_cast<size_t>(a)],
             ", not 1");
      drop[static_cast<size_t>(a)] = true;
    }
  } else {
    for (size_t i = 0; i < s.size(); ++i) drop[i] = s[i] == 1;
  }
  Shape out;
  for (size_t i = 0; i < s.size(); ++i)
    if (!drop[i]) out.push_back(s[i]);
  return {{in[0].dtype, out}};
}

std::vector<TensorMeta> unsqueeze(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs) {
  Shape out = in[0].shape;
  int axis = normalize_axis(def.name, attrs.get_int("axis", 0), static_cast<int>(out.size()) + 1, out);
  out.insert(out.begin() + axis, 1);
  return {{in[0].dtype, out}};
}

std::vector<TensorMeta> cast(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs) {
  if (!attrs.has("dtype")) fail(Status::InvalidArgument, def.name, ": the 'dtype' attribute is required");
  return {{dtype_attr(def, attrs, DType::F32), in[0].shape}};
}

std::vector<TensorMeta> concat(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs) {
  require_same_dtype(def, in);
  const Shape& first = in[0].shape;
  if (first.empty()) fail(Status::Shape, def.name, ": scalars cannot be concatenated (use stack)");
  int axis = normalize_axis(def.name, attrs.get_int("axis", 0), static_cast<int>(first.size()), first);
  Shape out = first;
  for (size_t i = 1; i < in.size(); ++i) {
    const Shape& s = in[i].shape;
    bool ok = s.size() == first.size();
    for (size_t d = 0; ok && d < s.size(); ++d) ok = static_cast<int>(d) == axis || s[d] == first[d];
    if (!ok)
      fail(Status::Shape, def.name, ": input ", i, " ", shape_str(s), " does not match input 0 ", shape_str(first),
           " outside axis ", axis);
    out[static_cast<size_t>(axis)] += s[static_cast<size_t>(axis)];
  }
  return {{in[0].dtype, out}};
}

std::vector<TensorMeta> stack(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs) {
  require_same_dtype(def, in);
  const Shape& first = in[0].shape;
  for (size_t i = 1; i < in.size(); ++i)
    if (in[i].shape != first)
      fail(Status::Shape, def.name, ": input ", i, " ", shape_str(in[i].shape), " differs from input 0 ",
           shape_str(first), "; stack needs equal shapes");
  Shape out = first;
  int axis = normalize_axis(def.name, attrs.get_int("axis", 0), static_cast<int>(first.size()) + 1, first);
  out.insert(out.begin() + axis, static_cast<int64_t>(in.size()));
  return {{in[0].dtype, out}};
}

std::vector<TensorMeta> split(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs) {
  const Shape& s = in[0].shape;
  if (s.empty()) fail(Status::Shape, def.name, ": a scalar cannot be split");
  int axis = normalize_axis(def.name, attrs.get_int("axis", 0), static_cast<int>(s.size()), s);
  int64_t dim = s[static_cast<size_t>(axis)];
  std::vector<int64_t> sizes = attrs.get_ints("sizes");
  if (sizes.empty()) {
    int64_t sections = attrs.get_int("sections", 0);
    constexpr int64_t kMaxPieces = int64_t(1) << 16;
    if (sections > kMaxPieces)
      fail(Status::InvalidArgument, def.name, ": ", sections, " sections exceed the limit of ", kMaxPieces, " outputs");
    if (sections <= 0 || dim % sections != 0)
      fail(Status::Shape, def.name, ": axis ", axis, " of ", shape_str(s), " (size ", dim,
           ") cannot be split into ", sections, " equal sections");
    sizes.assign(static_cast<size_t>(sections), dim / sections);
  }
  int64_t total = 0;
  for (int64_t v : sizes) {
    if (v < 0) fail(Status::Shape, def.name, ": negative split size in ", shape_str(sizes));
    total += v;
  }
  if (total != dim)
    fail(Status::Shape, def.name, ": sizes ", shape_str(sizes), " add up to ", total, ", but axis ", axis, " of ",
         shape_str(s), " has size ", dim);
  std::vector<TensorMeta> out;
  for (int64_t v : sizes) {
    Shape o = s;
    o[static_cast<size_t>(axis)] = v;
    out.push_back({in[0].dtype, o});
  }
  return out;
}

std::vector<TensorMeta> pad(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs) {
  const Shape& s = in[0].shape;
  auto pads = attrs.get_ints("pads");
  if (pads.size() != 2 * s.size())
    fail(Status::InvalidArgument, def.name, ": pads ", shape_str(pads), " must hold a (before, after) pair for each of the ",
         s.size(), " dims of ", shape_str(s));
  int64_t mode = attrs.get_int("mode", 0);
  if (mode < 0 || mode > 2)
    fail(Status::InvalidArgument, def.name, ": mode ", mode, " is not 0 (constant), 1 (reflect) or 2 (edge)");
  Shape out = s;
  for (size_t d = 0; d < s.size(); ++d) {
    int64_t before = pads[2 * d], after = pads[2 * d + 1];
    if (before < 0 || after < 0) fail(Status::InvalidArgument, def.name, ": negative padding in ", shape_str(pads));
    if (mode == 1 && (before > 0 || after > 0) && (before >= s[d] || after >= s[d]))
      fail(Status::InvalidArgument, def.name, ": reflect padding ", before, ",", after, " on dim ", d, " of ",
           shape_str(s), " must be smaller than the dim");
    if (mode == 2 && s[d] == 0 && (before || after))
      fail(Status::InvalidArgument, def.name, ": edge padding of the empty dim ", d, " of ", shape_str(s));
    out[d] += before + after;
  }
  check_shape(def.name, out);
  return {{in[0].dtype, out}};
}

std::vector<TensorMeta> tile(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs) {
  Shape s = in[0].shape;
  auto reps = attrs.get_ints("reps");
  for (int64_t r : reps)
    if (r < 0) fail(Status::InvalidArgument, def.name, ": negative repetition in ", shape_str(reps));
  // NumPy rule: the shorter of shape and reps is padded with leading ones.
  while (s.size() < reps.size()) s.insert(s.begin(), 1);
  while (reps.size() < s.size()) reps.insert(reps.begin(), 1);
  for (size_t i = 0; i < s.size(); ++i) s[i] *= reps[i];
  check_shape(def.name, s);
  return {{in[0].dtype, s}};
}

std::vector<TensorMeta> repeat(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs) {
  Shape s = in[0].shape;
  int64_t r = attrs.get_int("repeats", 1);
  if (r < 0) fail(Status::InvalidArgument, def.name, ": repeats must be >= 0, got ", r);
  if (s.empty()) s.push_back(1);
  int axis = normalize_axis(def.name, attrs.get_int("axis", 0), static_cast<int>(s.size()), s);
  s[static_cast<size_t>(axis)] *= r;
  check_shape(def.name, s);
  return {{in[0].dtype, s}};
}

std::vector<TensorMeta> flip(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs) {
  normalize_axes(def.name, attrs.get_ints("axes"), static_cast<int>(in[0].shape.size()), in[0].shape);
  return {in[0]};
}

std::vector<TensorMeta> gather(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs) {
  const Shape& s = in[0].shape;
  require_integer_indices(def, in[1]);
  if (s.empty()) fail(Status::Shape, def.name, ": cannot gather from a scalar");
  int axis = normalize_axis(def.name, attrs.get_int("axis", 0), static_cast<int>(s.size()), s);
  Shape out(s.begin(), s.begin() + axis);
  out.insert(out.end(), in[1].shape.begin(), in[1].shape.end());
  out.insert(out.end(), s.begin() + axis + 1, s.end());
  return {{in[0].dtype, out}};
}

std::vector<TensorMeta> take_along_axis(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs) {
  const Shape &s = in[0].shape, &is = in[1].shape;
  require_integer_indices(def, in[1]);
  if (s.size() != is.size())
    fail(Status::Shape, def.name, ": indices ", shape_str(is), " must have the rank of the input ", shape_str(s));
  if (s.empty()) fail(Status::Shape, def.name, ": cannot take from a scalar");
  int axis = normalize_axis(def.name, attrs.get_int("axis", -1), static_cast<int>(s.size()), s);
  Shape out = is;
  for (size_t d = 0; d < s.size(); ++d) {
    if (static_cast<int>(d) == axis) continue;
    if (is[d] != s[d] && is[d] != 1 && s[d] != 1)
      fail(Status::Shape, def.name, ": indices ", shape_str(is), " and input ", shape_str(s),
           " differ outside axis ", axis);
    out[d] = is[d] == 1 ? s[d] : is[d];  // broadcasting: a size-1 dim takes the other's size, even 0
  }
  return {{in[0].dtype, out}};
}

std::vector<TensorMeta> one_hot(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs) {
  require_integer_indices(def, in[0]);
  int64_t depth = attrs.get_int("depth", -1);
  if (depth < 0) fail(Status::InvalidArgument, def.name, ": depth must be given and >= 0, got ", depth);
  Shape out = in[0].shape;
  out.push_back(depth);
  check_shape(def.name, out);
  return {{dtype_attr(def, attrs, DType::F32), out}};
}

std::vector<TensorMeta> softmax(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs) {
  require_floating(def, in[0]);
  const Shape& s = in[0].shape;
  if (s.empty()) fail(Status::Shape, def.name, ": input is a scalar; it has no axis to normalise over");
  normalize_axis(def.name, attrs.get_int("axis", -1), static_cast<int>(s.size()), s);
  return {in[0]};
}

std::vector<TensorMeta> slice_scatter(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs) {
  require_same_dtype(def, in);
  Shape region = resolve_slice(def.name, in[0].shape, attrs).size;
  if (in[1].shape != region)
    fail(Status::Shape, def.name, ": src ", shape_str(in[1].shape), " does not match the slice ", shape_str(region),
         " of base ", shape_str(in[0].shape));
  return {in[0]};
}

std::vector<TensorMeta> scatter_add(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs& attrs) {
  const TensorMeta &base = in[0], &idx = in[1], &src = in[2];
  require_integer_indices(def, idx);
  if (src.dtype != base.dtype)
    fail(Status::DType, def.name, ": dtype mismatch: base ", dtype_name(base.dtype), " vs src ", dtype_name(src.dtype));
  if (base.dtype == DType::Bool) fail(Status::DType, def.name, ": cannot add bool tensors");
  if (idx.shape != src.shape)
    fail(Status::Shape, def.name, ": indices ", shape_str(idx.shape), " and src ", shape_str(src.shape),
         " must have the same shape");
  if (src.shape.size() != base.shape.size() || base.shape.empty())
    fail(Status::Shape, def.name, ": src ", shape_str(src.shape), " must have the rank of base ",
         shape_str(base.shape), " (at least 1)");
  int axis = normalize_axis(def.name, attrs.get_int("axis", 0), static_cast<int>(base.shape.size()), base.shape);
  for (size_t d = 0; d < base.shape.size(); ++d)
    if (static_cast<int>(d) != axis && src.shape[d] != base.shape[d])
      fail(Status::Shape, def.name, ": src ", shape_str(src.shape), " and base ", shape_str(base.shape),
           " differ outside axis ", axis);
  return {base};
}

std::vector<TensorMeta> gelu_grad(const OpDef& def, const std::vector<TensorMeta>& in, const Attrs&) {
  require_floating(def, in[0]);
  require_same_dtype(def, in);
  if (in[0].shape != in[1].shape)
    fail(Status::Shape, def.name, ": x ", shape_str(in[0].shape), " and gradient ", shape_str(in[1].shape), " differ");
  return {in[0]};
}

}  // namespace nr::rules
