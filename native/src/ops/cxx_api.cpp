#include <numeric>

#include "neurite/ops.hpp"
#include "ops/dispatch.h"
#include "ops/shape_util.h"

namespace nr {

std::vector<Tensor> call(const std::string& op, const std::vector<Tensor>& inputs, const Attrs& attrs) {
  const OpDef* def = find_op(op);
  if (!def) fail(Status::InvalidArgument, "unknown op '", op, "'");
  return call(def->id, inputs, attrs);
}

std::vector<std::string> op_names() {
  std::vector<std::string> names;
  for (int i = 0; i < kNumOps; ++i) names.emplace_back(op_def(static_cast<OpId>(i)).name);
  return names;
}

namespace ops {
namespace {
Tensor one(OpId op, const std::vector<Tensor>& in, const Attrs& attrs = Attrs()) { return call(op, in, attrs)[0]; }
}  // namespace

Tensor zeros(const Shape& shape, DType dtype) { return one(OpId::Zeros, {}, Attrs().set("shape", shape).set("dtype", dtype)); }
Tensor ones(const Shape& shape, DType dtype) { return one(OpId::Ones, {}, Attrs().set("shape", shape).set("dtype", dtype)); }
Tensor full(const Shape& shape, double value, DType dtype) {
  return one(OpId::Full, {}, Attrs().set("shape", shape).set("dtype", dtype).set("value", value));
}
Tensor arange(double start, double stop, double step, DType dtype) {
  return one(OpId::Arange, {}, Attrs().set("start", start).set("stop", stop).set("step", step).set("dtype", dtype));
}
Tensor random_uniform(const Shape& shape, uint64_t seed, double low, double high, DType dtype) {
  return one(OpId::RandomUniform, {},
             Attrs().set("shape", shape).set("seed", static_cast<int64_t>(seed)).set("low", low).set("high", high).set("dtype", dtype));
}
Tensor random_normal(const Shape& shape, uint64_t seed, double mean, double stddev, DType dtype) {
  return one(OpId::RandomNormal, {},
             Attrs().set("shape", shape).set("seed", static_cast<int64_t>(seed)).set("mean", mean).set("stddev", stddev).set("dtype", dtype));
}

Tensor unary(const std::string& op, const Tensor& x) { return call(op, {x})[0]; }
Tensor binary(const std::string& op, const Tensor& a, const Tensor& b) { return call(op, {a, b})[0]; }

Tensor sum(const Tensor& x, const std::vector<int64_t>& axes, bool keepdims) {
  return one(OpId::Sum, {x}, Attrs().set("axes", axes).set("keepdims", keepdims));
}
Tensor mean(const Tensor& x, const std::vector<int64_t>& axes, bool keepdims) {
  return one(OpId::Mean, {x}, Attrs().set("axes", axes).set("keepdims", keepdims));
}
Tensor argmax(const Tensor& x, int64_t axis, bool keepdims) {
  return one(OpId::Argmax, {x}, Attrs().set("axis", axis).set("keepdims", keepdims));
}
Tensor reshape(const Tensor& x, const Shape& shape) { return one(OpId::Reshape, {x}, Attrs().set("shape", shape)); }
Tensor permute(const Tensor& x, const std::vector<int64_t>& perm) { return one(OpId::Permute, {x}, Attrs().set("perm", perm)); }
Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1) {
  int a = normalize_axis("transpose", dim0, x.ndim(), x.shape()), b = normalize_axis("transpose", dim1, x.ndim(), x.shape());
  std::vector<int64_t> perm(static_cast<size_t>(x.ndim()));
  std::iota(perm.begin(), perm.end(), 0);
  std::swap(perm[static_cast<size_t>(a)], perm[static_cast<size_t>(b)]);
  return permute(x, perm);
}
Tensor cast(const Tensor& x, DType dtype) { return one(OpId::Cast, {x}, Attrs().set("dtype", dtype)); }
Tensor softmax(const Tensor& x, int64_t axis) { return one(OpId::Softmax, {x}, Attrs().set("axis", axis)); }
Tensor log_softmax(const Tensor& x, int64_t axis) { return one(OpId::LogSoftmax, {x}, Attrs().set("axis", axis)); }

}  // namespace ops
}  // namespace nr
