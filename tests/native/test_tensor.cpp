// Tensors, views and the C API's error contract.
#include "check.h"
#include "neurite/c_api.h"
#include "neurite/ops.hpp"

using namespace nr;

TEST(views_share_storage) {
  Tensor a = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor t = ops::transpose(a, 0, 1);
  CHECK(t.shares_storage_with(a));
  CHECK(!t.is_contiguous());
  CHECK((t.shape() == Shape{3, 2}));
  CHECK((t.to_vector<float>() == std::vector<float>{1, 4, 2, 5, 3, 6}));
  Tensor r = ops::reshape(a, {3, 2});
  CHECK(r.shares_storage_with(a));
  Tensor rt = ops::reshape(t, {6});  // not expressible as a view: copies
  CHECK(!rt.shares_storage_with(a));
  CHECK((rt.to_vector<float>() == std::vector<float>{1, 4, 2, 5, 3, 6}));
}

TEST(slice_with_step_and_negative_bounds) {
  Tensor a = Tensor::from_vector<int32_t>({0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {10});
  Tensor s = call("slice", {a}, Attrs().set("starts", std::vector<int64_t>{-2}).set("stops", std::vector<int64_t>{1})
                                       .set("steps", std::vector<int64_t>{-3}))[0];
  CHECK((s.to_vector<int32_t>() == std::vector<int32_t>{8, 5, 2}));
  CHECK(s.shares_storage_with(a));
}

TEST(cast_and_contiguous) {
  Tensor a = Tensor::from_vector<double>({1.5, -2.5, 0, 3}, {2, 2});
  CHECK((ops::cast(a, DType::I32).to_vector<int32_t>() == std::vector<int32_t>{1, -2, 0, 3}));
  CHECK((ops::cast(a, DType::Bool).to_vector<bool>() == std::vector<bool>{true, true, false, true}));
}

TEST(shape_errors_name_op_and_shapes) {
  Tensor a = Tensor::from_vector<float>(std::vector<float>(6), {2, 3});
  CHECK_THROWS(ops::reshape(a, {4, 2}), Status::Shape, "reshape: cannot reshape [2,3] (6 elements) into [4,2]");
  CHECK_THROWS(call("permute", {a}, Attrs().set("perm", std::vector<int64_t>{0, 0})), Status::InvalidArgument,
               "permute");
  CHECK_THROWS(call("sum", {a}, Attrs().set("axs", std::vector<int64_t>{0})), Status::InvalidArgument,
               "unknown attribute 'axs'");
}

TEST(c_api_reports_errors_without_throwing) {
  nr_tensor* t = nullptr;
  int64_t shape[2] = {2, -1};
  CHECK(nr_tensor_empty(NR_F32, shape, 2, &t) == NR_ERR_SHAPE);
  CHECK(std::string(nr_last_error()).find("negative") != std::string::npos);
  CHECK(nr_tensor_empty(99, shape, 1, &t) == NR_ERR_DTYPE);
  CHECK(nr_op_call1(nr_op_id("neg"), nullptr, nullptr, &t) == NR_ERR_INVALID_ARGUMENT);
  CHECK(nr_op_call1(12345, nullptr, nullptr, &t) != NR_OK);
  CHECK(nr_tensor_free(nullptr) == NR_OK);
}

TEST_MAIN()
