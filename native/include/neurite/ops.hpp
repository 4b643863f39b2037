// The C++ API over the op table. Every op is reachable by name through nr::call; the common ones have typed
// wrappers in nr::ops. Errors are nr::Error exceptions whose message names the op and the shapes.
//
//   using namespace nr;
//   Tensor x = ops::random_normal({32, 784}, /*seed=*/42);
//   Tensor w = ops::random_normal({784, 128}, 7);
//   Tensor h = ops::relu(ops::matmul(x, w));
//   Tensor p = ops::softmax(h, -1);
#pragma once

#include <string>
#include <vector>

#include "neurite/attrs.hpp"
#include "neurite/tensor.hpp"

namespace nr {

// Runs the named op; throws nr::Error (InvalidArgument) for an unknown name.
std::vector<Tensor> call(const std::string& op, const std::vector<Tensor>& inputs, const Attrs& attrs = Attrs());
// The names of every op in the table, in table order.
std::vector<std::string> op_names();

namespace ops {

Tensor zeros(const Shape& shape, DType dtype = DType::F32);
Tensor ones(const Shape& shape, DType dtype = DType::F32);
Tensor full(const Shape& shape, double value, DType dtype = DType::F32);
Tensor arange(double start, double stop, double step = 1, DType dtype = DType::F32);
Tensor random_uniform(const Shape& shape, uint64_t seed, double low = 0, double high = 1, DType dtype = DType::F32);
Tensor random_normal(const Shape& shape, uint64_t seed, double mean = 0, double stddev = 1, DType dtype = DType::F32);

Tensor unary(const std::string& op, const Tensor& x);
Tensor binary(const std::string& op, const Tensor& a, const Tensor& b);
inline Tensor neg(const Tensor& x) { return unary("neg", x); }
inline Tensor exp(const Tensor& x) { return unary("exp", x); }
inline Tensor log(const Tensor& x) { return unary("log", x); }
inline Tensor relu(const Tensor& x) { return unary("relu", x); }
inline Tensor sigmoid(const Tensor& x) { return unary("sigmoid", x); }
inline Tensor tanh(const Tensor& x) { return unary("tanh", x); }
inline Tensor add(const Tensor& a, const Tensor& b) { return binary("add", a, b); }
inline Tensor sub(const Tensor& a, const Tensor& b) { return binary("sub", a, b); }
inline Tensor mul(const Tensor& a, const Tensor& b) { return binary("mul", a, b); }
inline Tensor div(const Tensor& a, const Tensor& b) { return binary("div", a, b); }
inline Tensor matmul(const Tensor& a, const Tensor& b) { return binary("matmul", a, b); }

Tensor sum(const Tensor& x, const std::vector<int64_t>& axes = {}, bool keepdims = false);
Tensor mean(const Tensor& x, const std::vector<int64_t>& axes = {}, bool keepdims = false);
Tensor argmax(const Tensor& x, int64_t axis, bool keepdims = false);

Tensor reshape(const Tensor& x, const Shape& shape);
Tensor permute(const Tensor& x, const std::vector<int64_t>& perm);
Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1);
Tensor cast(const Tensor& x, DType dtype);
Tensor softmax(const Tensor& x, int64_t axis = -1);
Tensor log_softmax(const Tensor& x, int64_t axis = -1);

}  // namespace ops
}  // namespace nr
