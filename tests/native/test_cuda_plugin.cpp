// The CUDA plugin's loading and error paths. Without a GPU (CI): every use of a CUDA device is a Device error that
// says "CUDA unavailable" and why, the CPU is unaffected, and nothing crashes. With one: bad device indices, mixed
// devices, dtypes without a CUDA kernel, out-of-memory and the allocator's statistics.
#include "check.h"
#include "cuda_test_util.h"
#include "neurite/c_api.h"
#include "neurite/ops.hpp"

using nr::Device;
using nr::Status;
using nr::Tensor;

namespace {

const std::string g_reason = nrtest::cuda_unavailable_reason();
bool has_gpu() { return g_reason.empty(); }

}  // namespace

TEST(cuda_unavailable_is_a_device_error_and_cpu_still_works) {
  if (has_gpu()) return;
  std::printf("CUDA unavailable here (%s): checking the error paths\n", g_reason.c_str());
  CHECK(g_reason.rfind("CUDA unavailable: ", 0) == 0);
  Tensor x = nr::ops::ones({2, 3});
  CHECK_THROWS(x.to(Device::cuda(0)), Status::Device, "CUDA unavailable");
  CHECK_THROWS(Tensor::empty({4}, nr::DType::F32, Device::cuda(0)), Status::Device, "cuda:0");
  {
    nr::DeviceGuard on(Device::cuda(0));
    CHECK_THROWS(nr::ops::zeros({2}), Status::Device, "CUDA unavailable");
  }
  CHECK(nr_device_check(NR_DEVICE_CUDA, 0) == NR_ERR_DEVICE);
  CHECK(std::string(nr_last_error()).find("CUDA unavailable") != std::string::npos);
  int32_t count = -1;
  CHECK(nr_device_count(NR_DEVICE_CUDA, &count) == NR_ERR_DEVICE);
  CHECK(nr_device_check(NR_DEVICE_CPU, 0) == NR_OK);
  CHECK(nr_device_check(7, 0) == NR_ERR_DEVICE);
  CHECK(nr::ops::sum(nr::ops::add(x, x)).to_vector<float>()[0] == 12.0f);  // the CPU is unaffected
}

TEST(a_missing_plugin_names_what_was_tried) {
  if (has_gpu()) return;
  const char* env = std::getenv("NEURITE_CUDA_LIBRARY");
  if (env) return;  // an explicit library is tried first and decides the message
  nr::set_cuda_library_path("/nonexistent/libneurite_cuda.so");
  CHECK_THROWS(nr::backend_for(Device::cuda(0)), Status::Device, "CUDA unavailable");
  nr::set_cuda_library_path("");
}

TEST(cpu_device_index_and_type_are_checked) {
  CHECK_THROWS(nr::backend_for(Device{nr::DeviceType::CPU, 1}), Status::Device, "one CPU device");
  CHECK(nr_set_default_device(NR_DEVICE_CPU, 0) == NR_OK);
  int32_t type = -1, index = -1;
  CHECK(nr_get_default_device(&type, &index) == NR_OK && type == NR_DEVICE_CPU && index == 0);
}

TEST(cuda_device_errors) {
  if (!has_gpu()) return;
  CHECK_THROWS(nr::backend_for(Device::cuda(99)), Status::Device, "no such CUDA device");
  Tensor a = nr::ops::ones({2, 3}), b = a.to(Device::cuda(0));
  CHECK(b.device() == Device::cuda(0));
  CHECK_THROWS(nr::ops::add(a, b), Status::Device, "add: input 0 is on cpu but input 1 is on cuda:0");
  // A dtype without a CUDA kernel is a DType error naming the op and the device, never a silent CPU fallback (f16 is
  // a storage type: it passes exp's shape rule, and no backend computes in it).
  Tensor half = Tensor::empty({4}, nr::DType::F16, Device::cuda(0));
  CHECK_THROWS(nr::ops::exp(half), Status::DType, "exp: dtype f16 is not supported on cuda:0");
  CHECK_THROWS(Tensor::empty({int64_t(1) << 45}, nr::DType::F32, Device::cuda(0)), Status::OutOfMemory, "in use");
  CHECK(b.to(Device::cpu()).to_vector<float>() == std::vector<float>(6, 1.0f));
}

TEST(check_numerics_sees_nan_on_cuda) {
  if (!has_gpu()) return;
  Tensor x = Tensor::from_vector<float>({1, -1, 4}, {3}).to(Device::cuda(0));
  nr::set_check_numerics(true);
  CHECK_THROWS(nr::ops::log(x), Status::Numeric, "check_numerics: log produced NaN or Inf");
  CHECK(nr::ops::unary("sqrt", nr::ops::unary("abs", x)).to_vector<float>()[2] == 2.0f);  // finite results pass
  nr::set_check_numerics(false);
}

TEST(cuda_memory_stats_and_empty_cache) {
  if (!has_gpu()) return;
  Device gpu = Device::cuda(0);
  nr::Backend& backend = nr::backend_for(gpu);
  backend.empty_cache(gpu);
  nr::MemoryStats before = backend.memory_stats(gpu);
  {
    Tensor t = Tensor::empty({1 << 20}, nr::DType::F32, gpu);  // 4 MiB
    nr::MemoryStats during = backend.memory_stats(gpu);
    CHECK(during.in_use >= before.in_use + (4 << 20));
    CHECK(during.device_total > 0);
  }
  nr::MemoryStats after = backend.memory_stats(gpu);
  CHECK(after.cached >= 4 << 20);  // freed into the cache, not to the driver
  int64_t allocs = after.num_device_allocs;
  { Tensor again = Tensor::empty({1 << 20}, nr::DType::F32, gpu); }
  CHECK(backend.memory_stats(gpu).num_device_allocs == allocs);  // served from the cache
  backend.empty_cache(gpu);
  CHECK(backend.memory_stats(gpu).cached == 0);
  int64_t stats[6] = {0};
  CHECK(nr_device_memory_stats(NR_DEVICE_CUDA, 0, stats, 6) == NR_OK && stats[4] > 0);
}

TEST_MAIN()
