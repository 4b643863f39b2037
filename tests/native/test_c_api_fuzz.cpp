// Throws tens of thousands of random, mostly invalid calls at the C API: random op ids, input counts, dtypes, shapes
// (negative, huge, size 0), attribute names, kinds and values, NULL handles and buffers. Every call must return a
// status (with a message when it is an error), never crash, and leave the engine usable.
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "check.h"
#include "neurite/c_api.h"

namespace {

struct Fuzzer {
  std::mt19937_64 rng{20261124};
  int64_t pick(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); }
  bool coin(int one_in) { return pick(0, one_in - 1) == 0; }

  // Mostly small dims; sometimes values that must be rejected or that cannot be allocated (far beyond RAM, so no
  // case ever commits real memory).
  int64_t dim() {
    switch (pick(0, 19)) {
      case 0: return -1;
      case 1: return int64_t(1) << 40;
      case 2: return INT64_MAX;
      case 3: return 0;
      default: return pick(1, 5);
    }
  }

  int64_t attr_int() {
    switch (pick(0, 15)) {
      case 0: return INT64_MIN;
      case 1: return INT64_MAX;
      case 2: return int64_t(1) << 40;
      case 3: return -pick(1, 6);
      default: return pick(0, 6);
    }
  }

  nr_tensor* tensor() {
    if (coin(15)) return nullptr;
    int32_t dtype = coin(10) ? static_cast<int32_t>(pick(-2, 10)) : static_cast<int32_t>(pick(0, 5));
    int32_t ndim = static_cast<int32_t>(pick(0, 4));
    std::vector<int64_t> shape(static_cast<size_t>(ndim));
    for (auto& d : shape) d = coin(4) ? dim() : pick(0, 4);
    nr_tensor* t = nullptr;
    if (nr_tensor_empty(dtype, shape.data(), ndim, &t) != NR_OK) return nullptr;
    int64_t n = 0;
    nr_tensor_numel(t, &n);
    void* data = nullptr;
    int32_t dt = 0;
    nr_tensor_dtype(t, &dt);
    if (n > 0 && nr_tensor_data(t, &data) == NR_OK) {
      // Small valid values (indices in range most of the time), so that valid calls reach the kernels too.
      size_t item = dt == NR_F64 || dt == NR_I64 ? 8 : dt == NR_F32 || dt == NR_I32 ? 4 : 1;
      for (int64_t i = 0; i < n; ++i) {
        int64_t v = pick(-1, 3);
        char* p = static_cast<char*>(data) + i * static_cast<int64_t>(item);
        if (dt == NR_F32) { float f = static_cast<float>(v); std::memcpy(p, &f, 4); }
        else if (dt == NR_F64) { double f = static_cast<double>(v); std::memcpy(p, &f, 8); }
        else if (dt == NR_I32) { int32_t f = static_cast<int32_t>(v); std::memcpy(p, &f, 4); }
        else if (dt == NR_I64) { std::memcpy(p, &v, 8); }
        else { uint8_t f = static_cast<uint8_t>(dt == NR_BOOL ? (v > 0) : v & 0xff); std::memcpy(p, &f, 1); }
      }
    }
    if (coin(3) && ndim >= 2) {  // a non-contiguous view
      nr_attrs* a = nullptr;
      nr_attrs_create(&a);
      std::vector<int64_t> perm;
      for (int i = ndim - 1; i >= 0; --i) perm.push_back(i);
      nr_attrs_set_ints(a, "perm", perm.data(), ndim);
      nr_tensor* v = nullptr;
      if (nr_op_call1(nr_op_id("permute"), t, a, &v) == NR_OK) {
        nr_tensor_free(t);
        t = v;
      }
      nr_attrs_free(a);
    }
    return t;
  }

  void fill_attrs(nr_attrs* a, int32_t op) {
    int32_t n = 0;
    if (nr_op_num_attrs(op, &n) != NR_OK) n = 0;
    int count = static_cast<int>(pick(0, 4));
    for (int i = 0; i < count; ++i) {
      std::string name = "bogus";
      int32_t kind = static_cast<int32_t>(pick(0, 2)), required = 0;
      if (n > 0 && !coin(8)) {
        const char* nm = nullptr;
        nr_op_attr_info(op, static_cast<int32_t>(pick(0, n - 1)), &nm, &kind, &required);
        name = nm;
        if (coin(6)) kind = static_cast<int32_t>(pick(0, 2));  // the wrong kind now and then
      }
      if (kind == NR_ATTR_INT) nr_attrs_set_int(a, name.c_str(), attr_int());
      else if (kind == NR_ATTR_FLOAT) nr_attrs_set_float(a, name.c_str(), coin(5) ? NAN : static_cast<double>(pick(-3, 3)));
      else {
        std::vector<int64_t> v(static_cast<size_t>(pick(0, 5)));
        for (auto& x : v) x = coin(3) ? attr_int() : pick(-2, 4);
        nr_attrs_set_ints(a, name.c_str(), v.data(), static_cast<int32_t>(v.size()));
      }
    }
  }
};

}  // namespace

TEST(random_calls_return_statuses_and_never_crash) {
  Fuzzer f;
  const int32_t num_ops = nr_op_count();
  int ok = 0, errors = 0;
  for (int iter = 0; iter < 50000; ++iter) {
    int32_t op = f.coin(20) ? static_cast<int32_t>(f.pick(-3, num_ops + 3)) : static_cast<int32_t>(f.pick(0, num_ops - 1));
    int32_t arity = -2;
    nr_op_num_inputs(op, &arity);
    // Half the calls use the op's own arity, so they get past the count check and exercise shapes and kernels.
    int nin = arity >= 0 && f.coin(2) ? arity : static_cast<int>(f.pick(0, 4));
    std::vector<nr_tensor*> in;
    for (int i = 0; i < nin; ++i) in.push_back(f.tensor());
    nr_attrs* attrs = nullptr;
    nr_attrs_create(&attrs);
    f.fill_attrs(attrs, op);
    nr_tensor* outs[8] = {};
    int32_t nout = 0;
    nr_status s;
    switch (arity >= 0 && arity <= 2 && f.coin(2) ? arity : f.pick(0, 3)) {
      case 1: s = nr_op_call1(op, nin > 0 ? in[0] : nullptr, f.coin(10) ? nullptr : attrs, &outs[0]); nout = s == NR_OK; break;
      case 2: s = nr_op_call2(op, nin > 0 ? in[0] : nullptr, nin > 1 ? in[1] : nullptr, attrs, f.coin(30) ? nullptr : &outs[0]); nout = s == NR_OK; break;
      case 0: s = nr_op_call0(op, attrs, &outs[0]); nout = s == NR_OK; break;
      default: s = nr_op_call(op, in.data(), nin, attrs, outs, static_cast<int32_t>(f.pick(0, 8)), &nout); break;
    }
    CHECK(s >= NR_OK && s <= NR_ERR_IO);
    CHECK(s != NR_ERR_INTERNAL);  // an internal error is a bug in the engine, not the caller's mistake
    if (s == NR_ERR_INTERNAL) std::fprintf(stderr, "internal error on op %d: %s\n", op, nr_last_error());
    if (s != NR_OK) {
      CHECK(std::strlen(nr_last_error()) > 0);
      ++errors;
    } else {
      ++ok;
      for (int32_t i = 0; i < nout && i < 8; ++i) {
        int64_t n = -1;
        CHECK(nr_tensor_numel(outs[i], &n) == NR_OK && n >= 0);
        nr_tensor_free(outs[i]);
      }
    }
    for (nr_tensor* t : in) nr_tensor_free(t);
    nr_attrs_free(attrs);
  }
  std::printf("fuzz: %d calls succeeded, %d returned an error status\n", ok, errors);
  CHECK(ok > 100);     // the fuzzer also reaches the kernels, not only the validators
  CHECK(errors > 1000);
}

TEST(null_and_bad_arguments_to_tensor_functions) {
  nr_tensor* t = nullptr;
  int64_t shape[1] = {4};
  CHECK(nr_tensor_empty(NR_F32, nullptr, 1, &t) == NR_ERR_INVALID_ARGUMENT);
  CHECK(nr_tensor_empty(NR_F32, shape, -1, &t) == NR_ERR_SHAPE);
  CHECK(nr_tensor_empty(NR_F32, shape, 1, nullptr) == NR_ERR_INVALID_ARGUMENT);
  CHECK(nr_tensor_from_data(NR_F32, shape, 1, nullptr, 16, &t) == NR_ERR_INVALID_ARGUMENT);
  float data[4] = {1, 2, 3, 4};
  CHECK(nr_tensor_from_data(NR_F32, shape, 1, data, 12, &t) == NR_ERR_SHAPE);
  CHECK(nr_tensor_from_data(NR_F32, shape, 1, data, -1, &t) == NR_ERR_INVALID_ARGUMENT);
  CHECK(nr_tensor_from_data(NR_F32, shape, 1, data, 16, &t) == NR_OK);
  float small[2];
  CHECK(nr_tensor_copy_to_host(t, small, 8) == NR_ERR_SHAPE);
  CHECK(nr_tensor_copy_to_host(t, nullptr, 16) == NR_ERR_INVALID_ARGUMENT);
  CHECK(nr_tensor_shape(t, nullptr, 1) == NR_ERR_INVALID_ARGUMENT);
  CHECK(nr_tensor_dtype(nullptr, nullptr) == NR_ERR_INVALID_ARGUMENT);
  CHECK(nr_attrs_set_int(nullptr, "axis", 1) == NR_ERR_INVALID_ARGUMENT);
  CHECK(nr_op_id(nullptr) == -1);
  CHECK(nr_op_id("no_such_op") == -1);
  const char* name = nullptr;
  CHECK(nr_op_name(-1, &name) == NR_ERR_INVALID_ARGUMENT);
  nr_tensor_free(t);
  CHECK(nr_set_num_threads(0) == NR_ERR_INVALID_ARGUMENT);
}

TEST_MAIN()
