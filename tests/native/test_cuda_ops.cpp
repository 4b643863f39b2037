// Every op with a CUDA kernel, run on the CPU and on CUDA with the same random inputs and compared (f32: relative
// 2e-4 of the output's scale, f64: 1e-9, integers and bools exactly; the reference is the CPU backend, itself tested
// against float64 references), gradients through the CUDA path against the CPU's, and the op table's coverage.
// Without a GPU the comparisons print SKIPPED with the reason and pass; the coverage of the CPU's kernels by the
// plugin's kernel table is checked on every machine that builds the plugin.
#include <dlfcn.h>

#include <cstdio>
#include <map>
#include <random>
#include <set>

#include "check.h"
#include "cuda_test_util.h"
#include "neurite/ops.hpp"

using nr::Attrs;
using nr::Device;
using nr::DType;
using nr::OpId;
using nr::Shape;
using nr::Tensor;

namespace {

const Device kGpu = Device::cuda(0);
const std::string g_reason = nrtest::cuda_unavailable_reason();

enum class Kind { Normal, Positive, Bool, Index, Labels };

struct In {
  Shape shape;
  DType dtype = DType::F32;
  Kind kind = Kind::Normal;
  int64_t range = 0;       // Index: values in [-range, range); Labels: [0, range)
  bool transposed = false;  // the last two dims swapped by a view (a non-contiguous input)
};

struct Case {
  std::string op;
  std::vector<In> in;
  Attrs attrs;
  std::string label;
};

std::set<std::string>& tested_ops() {
  static std::set<std::string> s;
  return s;
}

Tensor make_input(const In& in, uint32_t seed) {
  Shape shape = in.shape;
  if (in.transposed) std::swap(shape[shape.size() - 2], shape[shape.size() - 1]);
  const int64_t n = nr::numel_of(shape);
  std::mt19937 gen(seed);
  std::vector<double> v(static_cast<size_t>(n));
  for (double& e : v) {
    switch (in.kind) {
      case Kind::Normal: e = std::uniform_real_distribution<double>(-2, 2)(gen); break;
      case Kind::Positive: e = std::uniform_real_distribution<double>(0.1, 3)(gen); break;
      case Kind::Bool: e = static_cast<double>(gen() & 1); break;
      case Kind::Index: e = static_cast<double>(std::uniform_int_distribution<int64_t>(-in.range, in.range - 1)(gen)); break;
      case Kind::Labels: e = static_cast<double>(std::uniform_int_distribution<int64_t>(0, in.range - 1)(gen)); break;
    }
    if (in.kind == Kind::Normal && !nr::is_floating(in.dtype)) e = std::round(e * 3);
    if (in.dtype == DType::U8) e = std::fabs(e);
  }
  Tensor t = nr::call(OpId::Cast, {Tensor::from_vector<double>(v, shape)},
                      Attrs().set("dtype", in.kind == Kind::Bool ? DType::Bool : in.dtype))[0];
  return t;
}

Tensor view_of(const Tensor& base, const In& in) {
  if (!in.transposed) return base;
  std::vector<int64_t> perm(base.shape().size());
  for (size_t i = 0; i < perm.size(); ++i) perm[i] = static_cast<int64_t>(i);
  std::swap(perm[perm.size() - 2], perm[perm.size() - 1]);
  return nr::call(OpId::Permute, {base}, Attrs().set("perm", perm))[0];
}

double tolerance(DType dt) { return dt == DType::F64 ? 1e-9 : 2e-4; }

// Runs the case on the CPU and on CUDA and compares; with cpu_only (no GPU here) runs the CPU half alone, so a case
// whose inputs or attributes the op refuses fails on every machine, not first on a GPU one.
void run_case(const Case& c, bool cpu_only = false) {
  const nr::OpDef* def = nr::find_op(c.op);
  if (!def) {
    std::fprintf(stderr, "unknown op %s\n", c.op.c_str());
    CHECK(false);
    return;
  }
  tested_ops().insert(c.op);
  std::vector<Tensor> cpu_in, gpu_in;
  uint32_t seed = 1000 + static_cast<uint32_t>(tested_ops().size()) * 7;
  for (const In& in : c.in) {
    Tensor base = make_input(in, seed++);
    cpu_in.push_back(view_of(base, in));
    if (!cpu_only) gpu_in.push_back(view_of(base.to(kGpu), in));
  }
  std::vector<Tensor> cpu_out, gpu_out;
  const std::string name = c.op + (c.label.empty() ? "" : " (" + c.label + ")");
  try {
    cpu_out = nr::call(def->id, cpu_in, c.attrs);
  } catch (const nr::Error& e) {
    std::fprintf(stderr, "%s: the CPU reference failed: %s\n", name.c_str(), e.what());
    CHECK(false);
    return;
  }
  if (cpu_only) return;
  try {
    nr::DeviceGuard on(kGpu);  // for ops without tensor inputs
    gpu_out = nr::call(def->id, gpu_in, c.attrs);
    nr::backend_for(kGpu).synchronize(kGpu);
  } catch (const nr::Error& e) {
    std::fprintf(stderr, "%s: CUDA failed: %s\n", name.c_str(), e.what());
    CHECK(false);
    return;
  }
  // In-place ops are compared through the inputs they write; the rest through their outputs.
  std::vector<Tensor> got = gpu_out, want = cpu_out;
  for (size_t i = 0; i < c.in.size(); ++i)
    if ((def->mutates >> i) & 1u) got.push_back(gpu_in[i]), want.push_back(cpu_in[i]);
  CHECK(got.size() == want.size());
  for (size_t i = 0; i < got.size() && i < want.size(); ++i) {
    if (got[i].device() != (def->view ? gpu_in[0].device() : kGpu) && !def->compose) {
      std::fprintf(stderr, "%s: output %zu is on %s\n", name.c_str(), i, got[i].device().str().c_str());
      CHECK(false);
    }
    std::string why;
    if (!nrtest::same_values(got[i], want[i], tolerance(want[i].dtype()), why)) {
      std::fprintf(stderr, "%s: output %zu differs from the CPU: %s\n", name.c_str(), i, why.c_str());
      CHECK(false);
    }
  }
}

In f(Shape s) { return In{std::move(s)}; }
In f64(Shape s) { return In{std::move(s), DType::F64}; }
In pos(Shape s) { return In{std::move(s), DType::F32, Kind::Positive}; }
In typed(Shape s, DType dt) { return In{std::move(s), dt}; }
In boolean(Shape s) { return In{std::move(s), DType::Bool, Kind::Bool}; }
In index(Shape s, int64_t range, DType dt = DType::I64) { return In{std::move(s), dt, Kind::Index, range}; }
In labels(Shape s, int64_t range, DType dt = DType::I64) { return In{std::move(s), dt, Kind::Labels, range}; }
In transposed(Shape s) { return In{std::move(s), DType::F32, Kind::Normal, 0, true}; }

using V = std::vector<int64_t>;

std::vector<Case> elementwise_cases() {
  std::vector<Case> cs;
  const Shape s{3, 4, 5};
  for (const char* op : {"neg", "abs", "sign", "exp", "square", "sin", "cos", "tanh", "sigmoid", "relu", "selu",
                         "softplus"})
    cs.push_back({op, {f(s)}, {}, ""});
  for (const char* op : {"log", "log1p", "sqrt", "rsqrt", "reciprocal"}) cs.push_back({op, {pos(s)}, {}, ""});
  cs.push_back({"exp", {f64(s)}, {}, "f64"});
  cs.push_back({"relu", {transposed({6, 7})}, {}, "transposed input"});
  cs.push_back({"tanh", {f({1001})}, {}, "odd length: vector body and tail"});
  for (const char* op : {"neg", "abs", "square", "sign"}) {
    cs.push_back({op, {typed(s, DType::I32)}, {}, "i32"});
    cs.push_back({op, {typed(s, DType::I64)}, {}, "i64"});
  }
  cs.push_back({"leaky_relu", {f(s)}, Attrs().set("alpha", 0.2), ""});
  cs.push_back({"elu", {f(s)}, Attrs().set("alpha", 0.7), ""});
  cs.push_back({"gelu", {f(s)}, {}, "erf"});
  cs.push_back({"gelu", {f(s)}, Attrs().set("approximate", int64_t(1)), "tanh"});
  cs.push_back({"clip", {f(s)}, Attrs().set("min", -0.5).set("max", 0.75), ""});
  cs.push_back({"logical_not", {boolean(s)}, {}, ""});
  for (const char* op : {"add", "sub", "mul", "maximum", "minimum"}) {
    cs.push_back({op, {f(s), f(s)}, {}, "same shape"});
    cs.push_back({op, {f(s), f({4, 1})}, {}, "broadcast"});
    cs.push_back({op, {typed(s, DType::I32), typed({5}, DType::I32)}, {}, "i32 broadcast"});
  }
  cs.push_back({"add", {f64(s), f64({1})}, {}, "f64 scalar"});
  cs.push_back({"add", {transposed({6, 7}), f({6, 7})}, {}, "transposed"});
  cs.push_back({"div", {f(s), pos({5})}, {}, ""});
  cs.push_back({"div", {typed(s, DType::I64), typed(s, DType::I64)}, {}, "i64 (division by 0 gives 0)"});
  cs.push_back({"pow", {pos(s), f({5})}, {}, ""});
  for (const char* op : {"equal", "not_equal", "less", "less_equal", "greater", "greater_equal"}) {
    cs.push_back({op, {typed(s, DType::I32), typed({4, 1}, DType::I32)}, {}, "i32"});
    cs.push_back({op, {f(s), f(s)}, {}, "f32"});
  }
  for (const char* op : {"logical_and", "logical_or", "logical_xor"})
    cs.push_back({op, {boolean(s), boolean({5})}, {}, ""});
  cs.push_back({"where", {boolean({3, 1, 5}), f(s), f({5})}, {}, ""});
  cs.push_back({"gelu_grad", {f(s), f(s)}, {}, ""});
  cs.push_back({"gelu_grad", {f(s), f(s)}, Attrs().set("approximate", int64_t(1)), "tanh"});
  cs.push_back({"contiguous", {transposed({5, 9})}, {}, ""});
  cs.push_back({"cast", {f(s)}, Attrs().set("dtype", DType::I32), "f32 to i32"});
  cs.push_back({"cast", {typed(s, DType::I64)}, Attrs().set("dtype", DType::F64), "i64 to f64"});
  cs.push_back({"cast", {f(s)}, Attrs().set("dtype", DType::Bool), "f32 to bool"});
  return cs;
}

std::vector<Case> reduction_cases() {
  std::vector<Case> cs;
  const Shape s{6, 7, 8};
  for (const char* op : {"sum", "mean", "max", "min", "prod", "logsumexp"}) {
    cs.push_back({op, {f(s)}, {}, "all"});
    cs.push_back({op, {f(s)}, Attrs().set("axes", V{2}), "rows"});
    cs.push_back({op, {f(s)}, Attrs().set("axes", V{1}).set("keepdims", int64_t(1)), "columns"});
    cs.push_back({op, {f(s)}, Attrs().set("axes", V{0, 2}), "non-adjacent axes"});
  }
  cs.push_back({"sum", {f({4096, 33})}, Attrs().set("axes", V{0}), "split over blocks"});
  cs.push_back({"sum", {f({33, 5000})}, Attrs().set("axes", V{1}), "long rows"});
  cs.push_back({"sum", {typed(s, DType::I32)}, Attrs().set("axes", V{1}), "i32"});
  cs.push_back({"max", {typed(s, DType::I64)}, Attrs().set("axes", V{0}), "i64"});
  cs.push_back({"sum", {f64(s)}, Attrs().set("axes", V{0}), "f64"});
  for (const char* op : {"var", "std"}) {
    cs.push_back({op, {f(s)}, Attrs().set("axes", V{1}), ""});
    cs.push_back({op, {f(s)}, Attrs().set("axes", V{2}).set("correction", int64_t(1)), "correction 1"});
  }
  for (const char* op : {"all", "any"}) cs.push_back({op, {boolean(s)}, Attrs().set("axes", V{2}), ""});
  for (const char* op : {"argmax", "argmin"}) {
    cs.push_back({op, {f(s)}, Attrs().set("axis", int64_t(1)), "inner"});
    cs.push_back({op, {f(s)}, Attrs().set("axis", int64_t(-1)), "last"});
  }
  cs.push_back({"global_norm", {f({5, 7}), f({300})}, {}, ""});
  return cs;
}

std::vector<Case> matmul_cases() {
  return {
      {"matmul", {f({5, 7}), f({7, 3})}, {}, "2-D"},
      {"matmul", {f({64, 300}), f({300, 129})}, {}, "larger"},
      {"matmul", {f({2, 5, 7}), f({7, 3})}, {}, "batch x shared matrix"},
      {"matmul", {f({2, 5, 7}), f({2, 7, 3})}, {}, "strided batch"},
      {"matmul", {f({2, 1, 5, 7}), f({3, 7, 4})}, {}, "broadcast batch"},
      {"matmul", {transposed({5, 7}), f({7, 3})}, {}, "transposed left"},
      {"matmul", {f({5, 7}), transposed({7, 3})}, {}, "transposed right"},
      {"matmul", {f({7}), f({7, 3})}, {}, "vector x matrix"},
      {"matmul", {f({4, 7}), f({7})}, {}, "matrix x vector"},
      {"matmul", {f64({5, 7}), f64({7, 3})}, {}, "f64"},
  };
}

std::vector<Case> shape_cases() {
  const Shape s{3, 4, 5};
  return {
      {"concat", {f(s), f({3, 2, 5})}, Attrs().set("axis", int64_t(1)), ""},
      {"concat", {typed(s, DType::I32), typed(s, DType::I32)}, Attrs().set("axis", int64_t(2)), "i32"},
      {"stack", {f(s), f(s), f(s)}, Attrs().set("axis", int64_t(1)), ""},
      {"split", {f({3, 6, 5})}, Attrs().set("axis", int64_t(1)).set("sections", int64_t(3)), ""},
      {"pad", {f(s)}, Attrs().set("pads", V{1, 0, 0, 2, 2, 1}).set("value", 1.5), "constant"},
      {"tile", {f(s)}, Attrs().set("reps", V{2, 1, 3}), ""},
      {"repeat", {f(s)}, Attrs().set("repeats", int64_t(2)).set("axis", int64_t(1)), ""},
      {"flip", {f(s)}, Attrs().set("axes", V{0, 2}), ""},
      {"gather", {f(s), index({2, 3}, 4)}, Attrs().set("axis", int64_t(1)), "negative indices too"},
      {"gather", {f({10, 16}), labels({7}, 10, DType::I32)}, Attrs().set("axis", int64_t(0)), "embedding rows"},
      {"take_along_axis", {f(s), index({3, 4, 2}, 5)}, Attrs().set("axis", int64_t(2)), ""},
      {"one_hot", {labels({6}, 5)}, Attrs().set("depth", int64_t(5)), ""},
      {"slice_scatter", {f({6, 5}), f({2, 5})}, Attrs().set("starts", V{1}).set("stops", V{5}).set("steps", V{2}).set("axes", V{0}), ""},
      {"scatter_add", {f({4, 5}), labels({4, 3}, 5), f({4, 3})}, Attrs().set("axis", int64_t(1)), ""},
      {"scatter_add", {typed({4, 5}, DType::I32), index({6, 5}, 4), typed({6, 5}, DType::I32)},
       Attrs().set("axis", int64_t(0)), "i32, repeated and negative indices"},
      {"scatter_add", {typed({3, 4}, DType::I64), labels({3, 7}, 4, DType::I32), typed({3, 7}, DType::I64)},
       Attrs().set("axis", int64_t(1)), "i64"},
      {"scatter_add", {typed({5, 3}, DType::U8), labels({9, 3}, 5), typed({9, 3}, DType::U8)},
       Attrs().set("axis", int64_t(0)), "u8: byte-wide atomic additions"},
      {"pad", {f(s)}, Attrs().set("pads", V{2, 1, 0, 3, 1, 4}).set("mode", int64_t(1)), "reflect"},
      {"pad", {f(s)}, Attrs().set("pads", V{2, 1, 0, 3, 1, 4}).set("mode", int64_t(2)), "edge"},
      {"pad", {transposed({6, 7})}, Attrs().set("pads", V{1, 2, 3, 0}).set("mode", int64_t(1)),
       "reflect, transposed input"},
      {"pad", {f({2, 3, 4, 5})}, Attrs().set("pads", V{0, 0, 0, 0, 2, 3, 0, 0}).set("mode", int64_t(2)),
       "edge, one padded dim between unpadded ones"},
      {"pad", {typed(s, DType::I64)}, Attrs().set("pads", V{1, 1, 3, 3, 0, 0}).set("mode", int64_t(1)), "reflect i64"},
      {"pad", {boolean(s)}, Attrs().set("pads", V{0, 0, 2, 0, 0, 5}).set("mode", int64_t(2)), "edge bool"},
      {"pad", {f64(s)}, Attrs().set("pads", V{0, 0, 0, 0, 4, 4}).set("mode", int64_t(1)), "reflect f64"},
  };
}

std::vector<Case> nn_cases() {
  std::vector<Case> cs;
  for (const char* op : {"softmax", "log_softmax"}) {
    cs.push_back({op, {f({8, 10})}, {}, "last axis"});
    cs.push_back({op, {f({4, 6, 5})}, Attrs().set("axis", int64_t(1)), "middle axis"});
    cs.push_back({op, {f({3, 1000})}, {}, "long rows"});
  }
  cs.push_back({"softmax_cross_entropy", {f({8, 10}), pos({8, 10})}, {}, ""});
  cs.push_back({"softmax_cross_entropy_grad", {f({8, 10}), pos({8, 10}), f({8})}, {}, ""});
  cs.push_back({"sparse_softmax_cross_entropy", {f({8, 10}), labels({8}, 10)}, {}, ""});
  cs.push_back({"sparse_softmax_cross_entropy", {f({4, 10, 3}), labels({4, 3}, 10, DType::I32)},
                Attrs().set("axis", int64_t(1)), "middle axis, i32 labels"});
  cs.push_back({"sparse_softmax_cross_entropy_grad", {f({8, 10}), labels({8}, 10), f({8})}, {}, ""});
  cs.push_back({"sigmoid_cross_entropy", {f({6, 4}), pos({6, 4})}, {}, ""});
  const In bx = f({4, 5, 6, 3});
  cs.push_back({"batch_norm_train", {bx, f({3}), f({3})}, {}, "channels last"});
  cs.push_back({"batch_norm_train", {bx, f({5}), f({5})}, Attrs().set("axis", int64_t(1)).set("epsilon", 1e-5),
                "channel axis 1"});
  cs.push_back({"batch_norm_train_grad", {bx, f({3}), f({3}), pos({3}), f({4, 5, 6, 3}), f({3}), f({3})}, {}, ""});
  cs.push_back({"batch_norm_inference", {bx, f({3}), f({3}), f({3}), pos({3})}, {}, ""});
  cs.push_back({"dropout", {f({1000})}, Attrs().set("rate", 0.3).set("seed", int64_t(5)).set("offset", int64_t(9)),
                "same Philox mask as the CPU"});
  cs.push_back({"dropout", {f64({257})}, Attrs().set("rate", 0.5).set("seed", int64_t(77)), "f64"});
  return cs;
}

std::vector<Case> conv_cases() {
  const In x = f({2, 9, 8, 3});
  std::vector<Case> cs = {
      {"conv2d", {x, f({3, 3, 3, 4})}, {}, "valid"},
      {"conv2d", {x, f({3, 3, 3, 4})}, Attrs().set("padding", int64_t(1)).set("strides", V{2, 2}), "same, stride 2"},
      {"conv2d", {x, f({2, 3, 3, 4})}, Attrs().set("dilations", V{2, 1}), "dilated"},
      {"conv2d", {x, f({3, 3, 1, 6})}, Attrs().set("groups", int64_t(3)), "groups 3"},
      {"conv2d", {x, f({3, 3, 3, 4})}, Attrs().set("padding", int64_t(2)).set("pads", V{1, 0, 2, 1}), "explicit pads"},
      {"conv2d", {x, f({1, 1, 3, 5})}, {}, "pointwise"},
      {"conv2d", {f({64, 28, 28, 1}), f({3, 3, 1, 32})}, {}, "Fashion-MNIST layer 1"},
      {"conv2d_backward_input", {f({2, 7, 6, 4}), f({3, 3, 3, 4})}, Attrs().set("input_shape", V{2, 9, 8, 3}), "valid"},
      {"conv2d_backward_input", {f({2, 5, 4, 4}), f({3, 3, 3, 4})},
       Attrs().set("input_shape", V{2, 9, 8, 3}).set("padding", int64_t(1)).set("strides", V{2, 2}), "same, stride 2"},
      {"conv2d_backward_input", {f({2, 7, 6, 6}), f({3, 3, 1, 6})},
       Attrs().set("input_shape", V{2, 9, 8, 3}).set("groups", int64_t(3)), "groups 3"},
      {"conv2d_backward_filter", {x, f({2, 7, 6, 4})}, Attrs().set("filter_shape", V{3, 3, 3, 4}), "valid"},
      {"conv2d_backward_filter", {x, f({2, 5, 4, 4})},
       Attrs().set("filter_shape", V{3, 3, 3, 4}).set("padding", int64_t(1)).set("strides", V{2, 2}), "same, stride 2"},
      {"conv2d_backward_filter", {x, f({2, 9, 8, 5})}, Attrs().set("filter_shape", V{1, 1, 3, 5}), "pointwise"},
      {"conv2d_transpose", {f({2, 4, 4, 3}), f({3, 3, 5, 3})}, Attrs().set("strides", V{2, 2}).set("padding", int64_t(1)),
       "same, stride 2"},
      {"max_pool2d", {x}, Attrs().set("pool_size", V{2, 2}), "2x2"},
      {"max_pool2d", {x}, Attrs().set("pool_size", V{3, 3}).set("strides", V{2, 2}).set("padding", int64_t(1)),
       "3x3 stride 2 same"},
      {"max_pool2d_grad", {x, f({2, 4, 4, 3})}, Attrs().set("pool_size", V{2, 2}), "2x2"},
      {"max_pool2d_grad", {x, f({2, 5, 4, 3})},
       Attrs().set("pool_size", V{3, 3}).set("strides", V{2, 2}).set("padding", int64_t(1)), "overlapping"},
      {"avg_pool2d", {x}, Attrs().set("pool_size", V{3, 3}).set("strides", V{2, 2}).set("padding", int64_t(1)), ""},
      {"avg_pool2d_grad", {f({2, 5, 4, 3})},
       Attrs().set("pool_size", V{3, 3}).set("strides", V{2, 2}).set("padding", int64_t(1)).set("input_shape", V{2, 9, 8, 3}),
       ""},
  };
  const Attrs bilinear = Attrs().set("interpolation", int64_t(1));
  for (int64_t sh : {1, 2, 3})
    for (int64_t sw : {2, 5}) {
      const std::string label = std::to_string(sh) + "x" + std::to_string(sw);
      const V dy{2, 5 * sh, 4 * sw, 3}, input{2, 5, 4, 3};
      cs.push_back({"upsample2d", {f({2, 5, 4, 3})}, Attrs().set("size", V{sh, sw}), "nearest " + label});
      cs.push_back({"upsample2d", {f({2, 5, 4, 3})}, Attrs(bilinear).set("size", V{sh, sw}), "bilinear " + label});
      cs.push_back({"upsample2d_grad", {f(dy)}, Attrs().set("size", V{sh, sw}).set("input_shape", input),
                    "nearest " + label});
      cs.push_back({"upsample2d_grad", {f(dy)}, Attrs(bilinear).set("size", V{sh, sw}).set("input_shape", input),
                    "bilinear " + label});
    }
  cs.push_back({"upsample2d", {f({1, 1, 1, 2})}, Attrs(bilinear).set("size", V{4, 4}), "bilinear from one pixel"});
  cs.push_back({"upsample2d_grad", {f({1, 4, 4, 2})}, Attrs(bilinear).set("size", V{4, 4}).set("input_shape", V{1, 1, 1, 2}),
                "bilinear into one pixel"});
  cs.push_back({"upsample2d", {f64({2, 3, 3, 2})}, Attrs(bilinear), "f64"});
  cs.push_back({"upsample2d_grad", {f64({2, 6, 6, 2})}, Attrs(bilinear).set("input_shape", V{2, 3, 3, 2}), "f64"});
  return cs;
}

// The recurrent cells on N = 5, I = 7, H = 6 (Keras layouts), forward and backward, each activation, partial
// `needs` masks (the outputs left out must be zeros on both devices), f64, and an empty batch.
std::vector<Case> rnn_cases() {
  const int64_t n = 5, i = 7, h = 6;
  const In x = f({n, i}), hs = f({n, h}), dh = f({n, h});
  std::vector<Case> cs;
  for (int64_t act : {0, 1}) {
    const Attrs a = Attrs().set("activation", act);
    const std::string label = act ? "relu" : "tanh";
    cs.push_back({"rnn_cell", {x, hs, f({i, h}), f({h, h}), f({h})}, a, label});
    cs.push_back({"rnn_cell_grad", {x, hs, f({i, h}), f({h, h}), f({n, h}), dh}, a, label});
  }
  cs.push_back({"rnn_cell_grad", {x, hs, f({i, h}), f({h, h}), f({n, h}), dh}, Attrs().set("needs", int64_t(0b10110)),
                "needs dh, dw, db"});
  cs.push_back({"rnn_cell", {f64({n, i}), f64({n, h}), f64({i, h}), f64({h, h}), f64({h})}, {}, "f64"});
  cs.push_back({"lstm_cell", {x, hs, f({n, h}), f({i, 4 * h}), f({h, 4 * h}), f({4 * h})}, {}, ""});
  cs.push_back({"lstm_cell", {f({300, 40}), f({300, 64}), f({300, 64}), f({40, 256}), f({64, 256}), f({256})}, {},
                "larger"});
  cs.push_back({"lstm_cell_grad", {x, hs, f({n, h}), f({i, 4 * h}), f({h, 4 * h}), f({4 * h}), dh, f({n, h})}, {}, ""});
  cs.push_back({"lstm_cell_grad", {x, hs, f({n, h}), f({i, 4 * h}), f({h, 4 * h}), f({4 * h}), dh, f({n, h})},
                Attrs().set("needs", int64_t(0b100101)), "needs dx, dc, db"});
  cs.push_back({"lstm_cell_grad",
                {f64({n, i}), f64({n, h}), f64({n, h}), f64({i, 4 * h}), f64({h, 4 * h}), f64({4 * h}), f64({n, h}),
                 f64({n, h})},
                {}, "f64"});
  cs.push_back({"gru_cell", {x, hs, f({i, 3 * h}), f({h, 3 * h}), f({2, 3 * h})}, {}, ""});
  cs.push_back({"gru_cell", {f64({n, i}), f64({n, h}), f64({i, 3 * h}), f64({h, 3 * h}), f64({2, 3 * h})}, {}, "f64"});
  cs.push_back({"gru_cell_grad", {x, hs, f({i, 3 * h}), f({h, 3 * h}), f({2, 3 * h}), dh}, {}, ""});
  cs.push_back({"gru_cell_grad", {x, hs, f({i, 3 * h}), f({h, 3 * h}), f({2, 3 * h}), dh},
                Attrs().set("needs", int64_t(0b01101)), "needs dx, dw, du"});
  cs.push_back({"gru_cell_grad", {x, hs, f({i, 3 * h}), f({h, 3 * h}), f({2, 3 * h}), dh},
                Attrs().set("needs", int64_t(0b00010)), "needs dh only: the direct path plus dz·uᵀ"});
  cs.push_back({"gru_cell_grad", {f({0, i}), f({0, h}), f({i, 3 * h}), f({h, 3 * h}), f({2, 3 * h}), f({0, h})}, {},
                "empty batch: weight gradients are zeros"});
  cs.push_back({"lstm_cell", {f({0, i}), f({0, h}), f({0, h}), f({i, 4 * h}), f({h, 4 * h}), f({4 * h})}, {},
                "empty batch"});
  return cs;
}

std::vector<Case> creation_cases() {
  const Attrs shape = Attrs().set("shape", V{4, 5});
  return {
      {"zeros", {}, shape, ""},
      {"ones", {}, Attrs(shape).set("dtype", DType::I32), "i32"},
      {"full", {}, Attrs(shape).set("value", 2.5), ""},
      {"arange", {}, Attrs().set("start", 1.0).set("stop", 20.0).set("step", 0.5), ""},
      {"arange", {}, Attrs().set("stop", 9.0).set("dtype", DType::I64), "i64"},
      {"linspace", {}, Attrs().set("start", -1.0).set("stop", 2.0).set("num", int64_t(11)), ""},
      {"eye", {}, Attrs().set("n", int64_t(4)).set("m", int64_t(6)).set("k", int64_t(1)), ""},
      {"random_uniform", {}, Attrs(shape).set("seed", int64_t(3)).set("low", -2.0).set("high", 5.0), "bit for bit"},
      {"random_normal", {}, Attrs(shape).set("seed", int64_t(4)).set("mean", 1.0).set("stddev", 2.0), ""},
      {"truncated_normal", {}, Attrs(shape).set("seed", int64_t(6)), ""},
      {"random_uniform", {}, Attrs(shape).set("seed", int64_t(3)).set("dtype", DType::F64), "f64"},
  };
}

std::vector<Case> optim_cases() {
  const In p = f({300}), g = f({300}), state = pos({300});
  const Attrs base = Attrs().set("lr", 0.01).set("weight_decay", 0.01);
  return {
      {"sgd_update", {p, g}, base, ""},
      {"momentum_update", {p, g, state}, Attrs(base).set("momentum", 0.9).set("nesterov", int64_t(1)), "nesterov"},
      {"rmsprop_update", {p, g, state}, base, ""},
      {"adagrad_update", {p, g, state}, base, ""},
      {"adam_update", {p, g, state, state}, Attrs(base).set("step", int64_t(3)), ""},
      {"adamw_update", {p, g, state, state}, Attrs().set("lr", 0.01).set("step", int64_t(2)), ""},
      {"orthogonal", {}, Attrs().set("shape", V{12, 5}).set("seed", int64_t(7)), "tall, the CPU's QR bit for bit"},
      {"orthogonal", {}, Attrs().set("shape", V{2, 3, 20}).set("seed", int64_t(8)).set("gain", 1.5), "wide, gain"},
      {"orthogonal", {}, Attrs().set("shape", V{9, 9}).set("dtype", DType::F64).set("offset", int64_t(100)), "f64"},
      {"assign", {f({4, 5}), f({5})}, {}, "broadcast row"},
      {"assign", {f({4, 5}), transposed({4, 5})}, {}, "transposed source"},
      {"assign", {typed({3, 4}, DType::I64), typed({3, 1}, DType::I64)}, {}, "i64"},
      {"assign", {boolean({6}), boolean({6})}, {}, "bool"},
  };
}

std::vector<Case> composite_cases() {
  return {
      {"mse", {f({6, 4}), f({6, 4})}, {}, "composite"},
      {"categorical_cross_entropy", {pos({6, 4}), pos({6, 4})}, {}, "composite"},
      {"l2_penalty", {f({6, 4})}, {}, "composite"},
  };
}

// "op (dtype, ...)" for every (op, dtype) the CPU backend has a kernel for and `cuda_dtypes` lacks: ops the CUDA
// backend is still missing. Views and composite ops have no kernels on any backend.
template <class F>
std::vector<std::string> gaps_against_cpu(F&& cuda_dtypes) {
  std::vector<std::string> gaps;
  for (int i = 0; i < nr::kNumOps; ++i) {
    const nr::OpDef& def = nr::op_def(static_cast<OpId>(i));
    if (def.view || def.compose) continue;
    const uint32_t lacking = nr::cpu_backend().supported_dtypes(def.id) & ~cuda_dtypes(def.id);
    if (!lacking) continue;
    std::string gap = std::string(def.name) + " (";
    for (int d = 0; d < nr::kNumDTypes; ++d)
      if (lacking & nr::dtype_bit(static_cast<DType>(d)))
        gap += std::string(gap.back() == '(' ? "" : ", ") + nr::dtype_name(static_cast<DType>(d));
    gaps.push_back(gap + ")");
  }
  return gaps;
}

bool skip() {
  if (g_reason.empty()) return false;
  return true;
}

}  // namespace

TEST(cuda_ops_match_cpu) {
  const bool cpu_only = skip();
  int count = 0;
  for (auto cases : {elementwise_cases(), reduction_cases(), matmul_cases(), shape_cases(), nn_cases(), conv_cases(),
                     rnn_cases(), creation_cases(), optim_cases(), composite_cases()})
    for (const Case& c : cases) {
      run_case(c, cpu_only);
      ++count;
    }
  if (cpu_only)
    std::printf("SKIPPED: no CUDA device here (%s); the CPU half of %d cases of %zu ops ran\n", g_reason.c_str(),
                count, tested_ops().size());
  else
    std::printf("compared %d cases of %zu ops on CUDA against the CPU\n", count, tested_ops().size());
}

// On the GPU: every (op, dtype) of the CPU has a CUDA kernel, and every op with a CUDA kernel a case above.
TEST(cuda_kernel_coverage) {
  if (skip()) {
    std::printf("SKIPPED: no CUDA device here (%s)\n", g_reason.c_str());
    return;
  }
  nr::Backend& cuda = nr::backend_for(kGpu);
  std::vector<std::string> untested;
  int kernels = 0;
  for (int i = 0; i < nr::kNumOps; ++i) {
    const nr::OpDef& def = nr::op_def(static_cast<OpId>(i));
    if (def.view || def.compose || cuda.supported_dtypes(def.id) == 0) continue;
    ++kernels;
    if (!tested_ops().count(def.name)) untested.push_back(def.name);
  }
  const std::vector<std::string> gaps = gaps_against_cpu([&](OpId op) { return cuda.supported_dtypes(op); });
  std::printf("CUDA kernels: %d ops\n", kernels);
  for (const auto& g : gaps) std::fprintf(stderr, "the CPU has a kernel for %s and CUDA has not\n", g.c_str());
  for (const auto& u : untested) std::fprintf(stderr, "op %s has a CUDA kernel but no test case\n", u.c_str());
  CHECK(gaps.empty());
  CHECK(untested.empty());
}

// Without a GPU too: the plugin's kernel table, read through nr_cuda_plugin_kernel_dtypes (which needs no driver),
// covers every (op, dtype) the CPU backend has.
TEST(cuda_plugin_kernel_table_covers_the_cpu) {
#ifndef NEURITE_CUDA_PLUGIN_FILE
  std::printf("SKIPPED: libneurite_cuda.so is not built here (no nvcc)\n");
#else
  void* lib = dlopen(NEURITE_CUDA_PLUGIN_FILE, RTLD_NOW | RTLD_LOCAL);
  if (!lib) std::fprintf(stderr, "dlopen %s: %s\n", NEURITE_CUDA_PLUGIN_FILE, dlerror());
  CHECK(lib != nullptr);
  if (!lib) return;
  using TableFn = int (*)(int, uint32_t*, int);
  auto table = reinterpret_cast<TableFn>(dlsym(lib, "nr_cuda_plugin_kernel_dtypes"));
  CHECK(table != nullptr);
  if (!table) return;
  CHECK(table(nr::kBackendAbiVersion + 1, nullptr, 0) == -1);  // another ABI's op numbering is refused
  std::vector<uint32_t> dtypes(static_cast<size_t>(nr::kNumOps), 0);
  CHECK(table(nr::kBackendAbiVersion, dtypes.data(), nr::kNumOps) == nr::kNumOps);
  int kernels = 0;
  for (uint32_t d : dtypes) kernels += d != 0;
  const std::vector<std::string> gaps =
      gaps_against_cpu([&](OpId op) { return dtypes[static_cast<size_t>(op)]; });
  std::printf("the CUDA plugin registers kernels for %d ops; CPU (op, dtype) pairs it lacks: %zu\n", kernels,
              gaps.size());
  for (const auto& g : gaps) std::fprintf(stderr, "the CPU has a kernel for %s and CUDA has not\n", g.c_str());
  CHECK(gaps.empty());
#endif
}

// A small CNN's loss and every parameter's gradient, computed on the GPU, against the CPU: the backward pass runs
// the gradient formulas' ops (conv backward, pooling gradient, where, sums to bias shapes, matmul with transposed
// views, the fused loss gradient) on CUDA.
TEST(cuda_gradients_match_cpu) {
  if (skip()) {
    std::printf("SKIPPED: no CUDA device here (%s)\n", g_reason.c_str());
    return;
  }
  const Attrs pool = Attrs().set("pool_size", V{2, 2});
  auto loss_and_grads = [&](Device d) {
    std::vector<Tensor> p = {nr::ops::random_normal({3, 3, 1, 4}, 1, 0, 0.5), nr::ops::random_normal({4}, 2, 0, 0.1),
                             nr::ops::random_normal({36, 10}, 3, 0, 0.2), nr::ops::random_normal({10}, 4, 0, 0.1)};
    for (Tensor& t : p) {
      t = t.to(d);
      t.set_requires_grad(true);
    }
    Tensor x = nr::ops::random_normal({5, 8, 8, 1}, 9).to(d);
    Tensor y = nr::ops::cast(nr::ops::random_uniform({5}, 10, 0, 10), DType::I64).to(d);
    Tensor h = nr::ops::relu(nr::ops::add(nr::call(OpId::Conv2d, {x, p[0]})[0], p[1]));
    h = nr::call(OpId::MaxPool2d, {h}, pool)[0];
    h = nr::ops::reshape(h, {5, 36});
    Tensor logits = nr::ops::add(nr::ops::matmul(h, p[2]), p[3]);
    Tensor loss = nr::ops::mean(nr::call(OpId::SparseSoftmaxCrossEntropy, {logits, y})[0]);
    Tensor soft = nr::ops::sum(nr::ops::mul(nr::ops::softmax(logits), nr::ops::tanh(logits)));
    Tensor total = nr::ops::add(loss, soft);
    total.backward();
    std::vector<Tensor> out = {total};
    for (Tensor& t : p) out.push_back(t.grad());
    return out;
  };
  std::vector<Tensor> cpu = loss_and_grads(Device::cpu()), gpu = loss_and_grads(kGpu);
  for (size_t i = 0; i < cpu.size(); ++i) {
    CHECK(gpu[i].defined() && gpu[i].device() == kGpu);
    std::string why;
    if (!nrtest::same_values(gpu[i], cpu[i], 2e-4, why)) {
      std::fprintf(stderr, "%s %zu differs: %s\n", i == 0 ? "loss" : "gradient", i, why.c_str());
      CHECK(false);
    }
  }
}

// Gradients through the shape, index and normalisation ops on CUDA (embedding gather, tile, repeat, pad, strided
// slice, batch norm, gelu, softmax) against the CPU.
TEST(cuda_gradients_of_shape_and_nn_ops_match_cpu) {
  if (skip()) {
    std::printf("SKIPPED: no CUDA device here (%s)\n", g_reason.c_str());
    return;
  }
  auto run = [&](Device d) {
    std::vector<Tensor> leaves = {nr::ops::random_normal({4, 6}, 21), nr::ops::random_normal({10, 6}, 22),
                                  nr::ops::random_normal({6}, 23, 1, 0.1), nr::ops::random_normal({6}, 24, 0, 0.1)};
    for (Tensor& t : leaves) {
      t = t.to(d);
      t.set_requires_grad(true);
    }
    Tensor ids = Tensor::from_vector<int64_t>({1, 3, 3, 9}, {4}).to(d);
    Tensor e = nr::call(OpId::Gather, {leaves[1], ids}, Attrs().set("axis", int64_t(0)))[0];
    Tensor t = nr::call(OpId::Tile, {leaves[0]}, Attrs().set("reps", V{1, 2}))[0];
    Tensor r = nr::call(OpId::Repeat, {e}, Attrs().set("repeats", int64_t(2)).set("axis", int64_t(1)))[0];
    Tensor p = nr::call(OpId::Pad, {nr::ops::mul(t, r)}, Attrs().set("pads", V{0, 0, 1, 1}))[0];
    Tensor sl = nr::call(OpId::Slice, {p}, Attrs().set("starts", V{1}).set("stops", V{13}).set("steps", V{2}).set("axes", V{1}))[0];
    Tensor y = nr::call(OpId::BatchNormTrain, {sl, leaves[2], leaves[3]})[0];
    Tensor loss = nr::ops::sum(nr::ops::mul(nr::ops::unary("gelu", y), nr::ops::softmax(y)));
    loss.backward();
    std::vector<Tensor> out = {loss};
    for (Tensor& l : leaves) out.push_back(l.grad());
    return out;
  };
  std::vector<Tensor> cpu = run(Device::cpu()), gpu = run(kGpu);
  for (size_t i = 0; i < cpu.size(); ++i) {
    std::string why;
    if (!gpu[i].defined() || !nrtest::same_values(gpu[i], cpu[i], 2e-4, why)) {
      std::fprintf(stderr, "%s %zu differs: %s\n", i == 0 ? "loss" : "gradient", i, why.c_str());
      CHECK(false);
    }
  }
}

// Gradients through two LSTM steps, a GRU and a relu RNN cell, bilinear upsampling and reflect padding on CUDA
// against the CPU: the backward pass runs the cells' backward ops, upsample2d_grad, and pad's fold of the mirrored
// positions on the GPU.
TEST(cuda_gradients_of_rnn_upsample_and_pad_match_cpu) {
  const int64_t n = 3, in = 4, h = 5;
  auto run = [&](Device d) {
    using nr::ops::random_normal;
    std::vector<Tensor> leaves = {
        random_normal({n, in}, 31),           random_normal({in, 4 * h}, 32, 0, 0.5),
        random_normal({h, 4 * h}, 33, 0, 0.5), random_normal({4 * h}, 34, 0, 0.1),
        random_normal({h, 3 * h}, 35, 0, 0.5), random_normal({h, 3 * h}, 36, 0, 0.5),
        random_normal({2, 3 * h}, 37, 0, 0.1), random_normal({h, h}, 38, 0, 0.5),
        random_normal({h, h}, 39, 0, 0.5),     random_normal({h}, 40, 0, 0.1),
        random_normal({1, 3, 2, 2}, 41)};
    for (Tensor& t : leaves) {
      t = t.to(d);
      t.set_requires_grad(true);
    }
    const Tensor zeros = nr::ops::zeros({n, h}).to(d);
    std::vector<Tensor> step = nr::call(OpId::LstmCell, {leaves[0], zeros, zeros, leaves[1], leaves[2], leaves[3]});
    step = nr::call(OpId::LstmCell, {leaves[0], step[0], step[1], leaves[1], leaves[2], leaves[3]});
    Tensor g = nr::call(OpId::GruCell, {step[0], step[0], leaves[4], leaves[5], leaves[6]})[0];
    Tensor r = nr::call(OpId::RnnCell, {g, g, leaves[7], leaves[8], leaves[9]}, Attrs().set("activation", int64_t(1)))[0];
    Tensor img = nr::call(OpId::Upsample2d, {leaves[10]},
                          Attrs().set("interpolation", int64_t(1)).set("size", V{2, 3}))[0];
    Tensor padded = nr::call(OpId::Pad, {img}, Attrs().set("pads", V{0, 0, 2, 1, 1, 3, 0, 0}).set("mode", int64_t(1)))[0];
    Tensor loss = nr::ops::add(nr::ops::sum(nr::ops::mul(r, r)), nr::ops::sum(nr::ops::mul(padded, nr::ops::tanh(padded))));
    loss.backward();
    std::vector<Tensor> out = {loss};
    for (Tensor& l : leaves) out.push_back(l.grad());
    return out;
  };
  std::vector<Tensor> cpu = run(Device::cpu());
  if (skip()) {  // the CPU half ran: the graph is valid
    std::printf("SKIPPED: no CUDA device here (%s)\n", g_reason.c_str());
    return;
  }
  std::vector<Tensor> gpu = run(kGpu);
  for (size_t i = 0; i < cpu.size(); ++i) {
    std::string why;
    if (!gpu[i].defined() || !nrtest::same_values(gpu[i], cpu[i], 2e-4, why)) {
      std::fprintf(stderr, "%s %zu differs: %s\n", i == 0 ? "loss" : "gradient", i, why.c_str());
      CHECK(false);
    }
  }
}

TEST_MAIN()
