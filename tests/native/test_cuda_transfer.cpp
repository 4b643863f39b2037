// Pinned host memory and asynchronous host-to-device copies through the C API (nr_pinned_*, nr_tensor_from_host_async,
// nr_event_*). Everywhere: the CPU fallback (plain memory, immediate copies, complete events) and every error path.
// Without a GPU: CUDA requests fail with "CUDA unavailable". With one: copies that overlap compute on the copy stream,
// the compute stream waiting for them, and the reuse of transfer blocks and staging memory across many batches.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "check.h"
#include "cuda_test_util.h"
#include "neurite/c_api.h"

namespace {

const std::string g_reason = nrtest::cuda_unavailable_reason();
bool has_gpu() { return g_reason.empty(); }

bool last_error_has(const char* fragment) { return std::string(nr_last_error()).find(fragment) != std::string::npos; }

std::vector<float> read_floats(const nr_tensor* t, size_t n) {
  std::vector<float> out(n);
  if (nr_tensor_copy_to_host(t, out.data(), static_cast<int64_t>(n * sizeof(float))) != NR_OK) out.clear();
  return out;
}

}  // namespace

TEST(cpu_pinned_memory_is_aligned_and_writable) {
  void* p = nullptr;
  CHECK(nr_pinned_alloc(NR_DEVICE_CPU, 0, 1000, &p) == NR_OK);
  CHECK(p != nullptr && reinterpret_cast<uintptr_t>(p) % 64 == 0);
  std::memset(p, 7, 1000);
  CHECK(static_cast<unsigned char*>(p)[999] == 7);
  CHECK(nr_pinned_free(NR_DEVICE_CPU, 0, p) == NR_OK);
  void* none = reinterpret_cast<void*>(1);
  CHECK(nr_pinned_alloc(NR_DEVICE_CPU, 0, 0, &none) == NR_OK && none == nullptr);
  CHECK(nr_pinned_free(NR_DEVICE_CPU, 0, nullptr) == NR_OK);
}

TEST(cpu_pinned_memory_errors) {
  void* p = nullptr;
  CHECK(nr_pinned_alloc(NR_DEVICE_CPU, 0, -1, &p) == NR_ERR_INVALID_ARGUMENT && last_error_has("negative byte count"));
  CHECK(nr_pinned_alloc(NR_DEVICE_CPU, 0, 16, nullptr) == NR_ERR_INVALID_ARGUMENT && last_error_has("out is NULL"));
  CHECK(nr_pinned_alloc(5, 0, 16, &p) == NR_ERR_DEVICE && last_error_has("nr_pinned_alloc: unknown device type 5"));
  CHECK(nr_pinned_alloc(NR_DEVICE_CPU, 1, 16, &p) == NR_ERR_DEVICE && last_error_has("one CPU device"));
  CHECK(p == nullptr);
}

TEST(cpu_async_copy_is_an_immediate_copy_with_a_complete_event) {
  const int64_t shape[2] = {2, 3};
  void* staging = nullptr;
  CHECK(nr_pinned_alloc(NR_DEVICE_CPU, 0, 6 * sizeof(float), &staging) == NR_OK);
  float* host = static_cast<float*>(staging);
  for (int i = 0; i < 6; ++i) host[i] = 0.5f * static_cast<float>(i);
  nr_tensor* t = nullptr;
  nr_event* ev = nullptr;
  CHECK(nr_tensor_from_host_async(staging, 6 * sizeof(float), NR_F32, shape, 2, NR_DEVICE_CPU, 0, &t, &ev) == NR_OK);
  CHECK(t != nullptr && ev != nullptr);
  int32_t done = 0;
  CHECK(nr_event_query(ev, &done) == NR_OK && done == 1);
  CHECK(nr_event_synchronize(ev) == NR_OK);
  host[0] = 99;  // the staging memory is free again: the tensor has its own copy
  CHECK(read_floats(t, 6) == (std::vector<float>{0, 0.5f, 1, 1.5f, 2, 2.5f}));
  int32_t type = -1, index = -1, ndim = -1, dtype = -1;
  CHECK(nr_tensor_device(t, &type, &index) == NR_OK && type == NR_DEVICE_CPU && index == 0);
  CHECK(nr_tensor_ndim(t, &ndim) == NR_OK && ndim == 2);
  CHECK(nr_tensor_dtype(t, &dtype) == NR_OK && dtype == NR_F32);
  // The tensor is an ordinary one: ops take it.
  nr_tensor* sum = nullptr;
  CHECK(nr_op_call2(nr_op_id("add"), t, t, nullptr, &sum) == NR_OK);
  CHECK(read_floats(sum, 6)[5] == 5.0f);
  nr_tensor_free(sum);
  CHECK(nr_event_free(ev) == NR_OK);
  CHECK(nr_tensor_free(t) == NR_OK);
  CHECK(nr_pinned_free(NR_DEVICE_CPU, 0, staging) == NR_OK);
}

TEST(cpu_async_copy_of_nothing_and_of_other_dtypes) {
  const int64_t empty_shape[2] = {0, 4};
  nr_tensor* t = nullptr;
  nr_event* ev = nullptr;
  CHECK(nr_tensor_from_host_async(nullptr, 0, NR_F32, empty_shape, 2, NR_DEVICE_CPU, 0, &t, &ev) == NR_OK);
  int64_t n = -1;
  CHECK(nr_tensor_numel(t, &n) == NR_OK && n == 0);
  int32_t done = 0;
  CHECK(nr_event_query(ev, &done) == NR_OK && done == 1);
  nr_event_free(ev);
  nr_tensor_free(t);

  const int64_t labels[3] = {7, -1, 1LL << 40};
  const int64_t shape[1] = {3};
  CHECK(nr_tensor_from_host_async(labels, sizeof labels, NR_I64, shape, 1, NR_DEVICE_CPU, 0, &t, &ev) == NR_OK);
  int64_t back[3] = {0, 0, 0};
  CHECK(nr_tensor_copy_to_host(t, back, sizeof back) == NR_OK);
  CHECK(back[0] == 7 && back[1] == -1 && back[2] == (1LL << 40));
  nr_event_free(ev);
  nr_tensor_free(t);
}

TEST(async_copy_errors_name_the_function_and_leave_no_handles) {
  const float data[6] = {1, 2, 3, 4, 5, 6};
  const int64_t shape[2] = {2, 3};
  nr_tensor* t = reinterpret_cast<nr_tensor*>(1);
  nr_event* ev = reinterpret_cast<nr_event*>(1);
  CHECK(nr_tensor_from_host_async(data, 5 * sizeof(float), NR_F32, shape, 2, NR_DEVICE_CPU, 0, &t, &ev) == NR_ERR_SHAPE);
  CHECK(last_error_has("20 bytes do not match shape [2,3] of f32 (24 bytes)"));
  CHECK(t == nullptr && ev == nullptr);
  CHECK(nr_tensor_from_host_async(nullptr, sizeof data, NR_F32, shape, 2, NR_DEVICE_CPU, 0, &t, &ev) ==
        NR_ERR_INVALID_ARGUMENT);
  CHECK(last_error_has("src is NULL"));
  CHECK(nr_tensor_from_host_async(data, sizeof data, 42, shape, 2, NR_DEVICE_CPU, 0, &t, &ev) == NR_ERR_DTYPE);
  CHECK(last_error_has("nr_tensor_from_host_async: unknown dtype code 42"));
  CHECK(nr_tensor_from_host_async(data, sizeof data, NR_F32, shape, 33, NR_DEVICE_CPU, 0, &t, &ev) == NR_ERR_SHAPE);
  CHECK(nr_tensor_from_host_async(data, sizeof data, NR_F32, nullptr, 2, NR_DEVICE_CPU, 0, &t, &ev) ==
        NR_ERR_INVALID_ARGUMENT);
  CHECK(nr_tensor_from_host_async(data, -4, NR_F32, shape, 2, NR_DEVICE_CPU, 0, &t, &ev) == NR_ERR_INVALID_ARGUMENT);
  CHECK(nr_tensor_from_host_async(data, sizeof data, NR_F32, shape, 2, 3, 0, &t, &ev) == NR_ERR_DEVICE);
  CHECK(nr_tensor_from_host_async(data, sizeof data, NR_F32, shape, 2, NR_DEVICE_CPU, 0, nullptr, &ev) ==
        NR_ERR_INVALID_ARGUMENT);
  CHECK(last_error_has("out is NULL"));
  CHECK(nr_tensor_from_host_async(data, sizeof data, NR_F32, shape, 2, NR_DEVICE_CPU, 0, &t, nullptr) ==
        NR_ERR_INVALID_ARGUMENT);
  CHECK(last_error_has("event is NULL"));
  int32_t done = 0;
  CHECK(nr_event_query(nullptr, &done) == NR_ERR_INVALID_ARGUMENT && last_error_has("nr_event_query: event is NULL"));
  CHECK(nr_event_synchronize(nullptr) == NR_ERR_INVALID_ARGUMENT);
  CHECK(nr_event_free(nullptr) == NR_OK);
}

TEST(cuda_requests_without_a_gpu_say_cuda_is_unavailable) {
  if (has_gpu()) return;
  void* p = reinterpret_cast<void*>(1);
  CHECK(nr_pinned_alloc(NR_DEVICE_CUDA, 0, 64, &p) == NR_ERR_DEVICE && last_error_has("CUDA unavailable"));
  CHECK(p == nullptr);
  const float data[2] = {1, 2};
  const int64_t shape[1] = {2};
  nr_tensor* t = nullptr;
  nr_event* ev = nullptr;
  CHECK(nr_tensor_from_host_async(data, sizeof data, NR_F32, shape, 1, NR_DEVICE_CUDA, 0, &t, &ev) == NR_ERR_DEVICE);
  CHECK(last_error_has("CUDA unavailable") && t == nullptr && ev == nullptr);
}

// Many batches through two staging buffers, as an input pipeline runs them: each batch is staged, copied on the copy
// stream, and consumed by compute queued right after the call (which must see the copied values, not stale or
// half-written ones), while the next batch is staged. Transfer blocks are freed and reused every round.
TEST(cuda_async_copies_feed_the_compute_stream) {
  if (!has_gpu()) return;
  const int64_t rows = 256, cols = 1024, n = rows * cols;
  const int64_t shape[2] = {rows, cols};
  const int64_t nbytes = n * static_cast<int64_t>(sizeof(float));
  void* staging[2] = {nullptr, nullptr};
  nr_event* pending[2] = {nullptr, nullptr};
  for (void*& s : staging) CHECK(nr_pinned_alloc(NR_DEVICE_CUDA, 0, nbytes, &s) == NR_OK && s != nullptr);
  const int32_t sum_op = nr_op_id("sum");
  for (int round = 0; round < 40; ++round) {
    const int slot = round % 2;
    if (pending[slot]) {  // the staging buffer is free once its last copy is done
      CHECK(nr_event_synchronize(pending[slot]) == NR_OK);
      int32_t done = 0;
      CHECK(nr_event_query(pending[slot], &done) == NR_OK && done == 1);
      nr_event_free(pending[slot]);
    }
    float* host = static_cast<float*>(staging[slot]);
    for (int64_t i = 0; i < n; ++i) host[i] = static_cast<float>(round);
    nr_tensor* x = nullptr;
    CHECK(nr_tensor_from_host_async(staging[slot], nbytes, NR_F32, shape, 2, NR_DEVICE_CUDA, 0, &x, &pending[slot]) ==
          NR_OK);
    int32_t type = -1, index = -1;
    CHECK(nr_tensor_device(x, &type, &index) == NR_OK && type == NR_DEVICE_CUDA && index == 0);
    nr_tensor* total = nullptr;
    CHECK(nr_op_call1(sum_op, x, nullptr, &total) == NR_OK);
    nr_tensor_free(x);  // freed before the compute ran: its block returns to the transfer cache behind an event
    float value = -1;
    CHECK(nr_tensor_copy_to_host(total, &value, sizeof value) == NR_OK);
    CHECK_NEAR(value, static_cast<double>(round) * static_cast<double>(n), 1e-6 * static_cast<double>(n) * round + 1);
    nr_tensor_free(total);
  }
  int64_t stats[6] = {0};
  CHECK(nr_device_memory_stats(NR_DEVICE_CUDA, 0, stats, 6) == NR_OK);
  CHECK(stats[5] < 20);  // the transfer blocks were reused, not allocated 40 times
  for (int s = 0; s < 2; ++s) {
    if (pending[s]) {
      CHECK(nr_event_synchronize(pending[s]) == NR_OK);
      nr_event_free(pending[s]);
    }
    CHECK(nr_pinned_free(NR_DEVICE_CUDA, 0, staging[s]) == NR_OK);
  }
  CHECK(nr_device_empty_cache(NR_DEVICE_CUDA, 0) == NR_OK);
}

TEST_MAIN()
