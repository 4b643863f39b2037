#include "cpu/cpu_backend.h"

#include <cstdlib>
#include <cstring>
#include <mutex>

namespace nr {
namespace cpu {
namespace {

struct KernelEntry {
  KernelFn fn = nullptr;
  uint32_t dtypes = 0;
  bool contiguous_inputs = true;
};

KernelEntry g_kernels[kNumOps];

}  // namespace

void register_kernel(OpId op, KernelFn fn, uint32_t dtypes, bool contiguous_inputs) {
  g_kernels[static_cast<int>(op)] = {fn, dtypes, contiguous_inputs};
}

class CpuBackend final : public Backend {
 public:
  CpuBackend() {
    register_copy_kernels();
    register_grad_kernels();
    register_creation_kernels();
    register_elementwise_kernels();
    register_reduction_kernels();
    register_matmul_kernels();
    register_shape_kernels();
    register_softmax_kernels();
  }

  const char* name() const override { return "cpu"; }

  void* allocate(size_t nbytes, Device) override {
    if (nbytes == 0) return nullptr;
    // 64-byte alignment: whole cache lines, and aligned AVX loads at the start of every tensor.
    size_t rounded = (nbytes + 63) / 64 * 64;
    void* p = std::aligned_alloc(64, rounded);
    if (!p) fail(Status::OutOfMemory, "cpu: out of memory allocating ", nbytes, " bytes");
    return p;
  }

  void deallocate(void* ptr, size_t, Device) override { std::free(ptr); }

  void copy_from_host(void* dst, const void* src, size_t nbytes, Device) override { std::memcpy(dst, src, nbytes); }
  void copy_to_host(void* dst, const void* src, size_t nbytes, Device) override { std::memcpy(dst, src, nbytes); }

  bool supports(OpId op, DType dtype) const override {
    return (g_kernels[static_cast<int>(op)].dtypes & dtype_bit(dtype)) != 0;
  }
  uint32_t supported_dtypes(OpId op) const override { return g_kernels[static_cast<int>(op)].dtypes; }
  bool wants_contiguous_inputs(OpId op) const override { return g_kernels[static_cast<int>(op)].contiguous_inputs; }
  void run(OpId op, KernelContext& ctx) override { g_kernels[static_cast<int>(op)].fn(ctx); }
};

}  // namespace cpu

Backend& cpu_backend() {
  static cpu::CpuBackend* backend = new cpu::CpuBackend();  // outlives every static tensor
  return *backend;
}

Backend& backend_for(Device device) {
  if (device.type == DeviceType::CPU) {
    if (device.index != 0) fail(Status::Device, "cpu: there is one CPU device (index 0), not ", device.str());
    return cpu_backend();
  }
  fail(Status::Device, "CUDA unavailable: this build of libneurite has no CUDA backend (asked for ", device.str(), ")");
}

}  // namespace nr
