// The backend interface: the narrow set of things a device must do for the engine (ggml's backend table, candle's
// BackendStorage). The CPU backend is built in; CUDA comes as a plugin library that registers one of these.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "neurite/tensor.hpp"
#include "ops/op_table.h"

namespace nr {

// What a kernel sees: validated inputs (contiguous when the kernel asked for it), outputs already allocated
// (contiguous, with the shapes and dtypes the shape rule inferred), and the op's attributes.
// Bytes of one device's memory, as its allocator sees them. in_use: held by live tensors; cached: freed by tensors
// and kept for reuse; peak_in_use: the most in_use has been; device_free/device_total: what the driver reports.
struct MemoryStats {
  int64_t in_use = 0;
  int64_t cached = 0;
  int64_t peak_in_use = 0;
  int64_t device_free = 0;
  int64_t device_total = 0;
  int64_t num_device_allocs = 0;  // calls to the driver's allocator (misses of the cache)
};

struct KernelContext {
  const OpDef& def;
  const std::vector<Tensor>& inputs;
  std::vector<Tensor>& outputs;
  const Attrs& attrs;
};

using KernelFn = void (*)(KernelContext& ctx);

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const char* name() const = 0;

  // Memory. allocate returns nullptr only for nbytes == 0; failure is an OutOfMemory nr::Error.
  virtual void* allocate(size_t nbytes, Device device) = 0;
  virtual void deallocate(void* ptr, size_t nbytes, Device device) = 0;
  virtual void copy_from_host(void* dst, const void* src, size_t nbytes, Device device) = 0;
  virtual void copy_to_host(void* dst, const void* src, size_t nbytes, Device device) = 0;

  // Kernels. supports() is the capability query; run() is only called for supported (op, dtype) pairs.
  virtual bool supports(OpId op, DType dtype) const = 0;
  // Whether the kernel for `op` wants its inputs contiguous (the dispatcher copies them first).
  virtual bool wants_contiguous_inputs(OpId op) const = 0;
  virtual void run(OpId op, KernelContext& ctx) = 0;
  // The dtypes the backend has a kernel for, for error messages.
  virtual uint32_t supported_dtypes(OpId op) const = 0;

  // Devices with their own memory (CUDA) answer these; the CPU keeps the defaults.
  virtual int device_count() const { return 1; }
  virtual MemoryStats memory_stats(Device device) { return MemoryStats{}; }
  // Returns cached, unused blocks to the device.
  virtual void empty_cache(Device device) {}
  // Waits until every queued kernel of `device` has finished (kernels run asynchronously on device backends).
  virtual void synchronize(Device device) {}

  // Asynchronous host-to-device transfers, for input pipelines whose copy of batch i+1 overlaps the compute of batch
  // i. The defaults are the CPU's: plain memory, copies done at once, events that are complete when made.
  //
  // Host memory the device can copy from without staging (page-locked on CUDA); 64-byte aligned.
  virtual void* allocate_pinned(size_t nbytes, Device device) {
    size_t rounded = (nbytes + 63) / 64 * 64;
    void* p = std::aligned_alloc(64, rounded ? rounded : 64);
    if (!p) fail(Status::OutOfMemory, "pinned host memory: out of memory allocating ", nbytes, " bytes");
    return p;
  }
  virtual void free_pinned(void* ptr, Device device) { std::free(ptr); }
  // Memory for a tensor that copy_from_host_async fills; freed through deallocate like any other.
  virtual void* allocate_for_transfer(size_t nbytes, Device device) { return allocate(nbytes, device); }
  // Queues the copy of nbytes from host memory `src` to `dst` (from allocate_for_transfer) and returns an event that
  // completes with it, or nullptr when the copy is already done. Work queued for the device after this call waits
  // for the copy; the host must leave `src` alone until the event has completed.
  virtual void* copy_from_host_async(void* dst, const void* src, size_t nbytes, Device device) {
    copy_from_host(dst, src, nbytes, device);
    return nullptr;
  }
  // Events of copy_from_host_async (never nullptr here): whether done, waiting for it, releasing it.
  virtual bool event_done(void* event, Device device) { return true; }
  virtual void event_wait(void* event, Device device) {}
  virtual void event_release(void* event, Device device) {}
};

// The version of the Backend layout a plugin was compiled against; the loader refuses any other.
constexpr int kBackendAbiVersion = 2;

// The CUDA plugin's entry point (extern "C" in libneurite_cuda.so): on success *out is its backend and 0 is returned;
// on failure the reason (no driver, no device, ...) is written to `reason` and a non-zero value returned.
using CudaPluginCreateFn = int (*)(int abi_version, Backend** out, char* reason, size_t reason_capacity);
constexpr const char* kCudaPluginSymbol = "nr_cuda_plugin_create";
constexpr const char* kCudaPluginFile = "libneurite_cuda.so";

// Where to look for libneurite_cuda.so before the default places (the Java loader extracts it from the jar).
void set_cuda_library_path(const std::string& path);

// A new contiguous tensor on `device` holding nbytes of row-major host data at `src`, copied through the backend's
// copy_from_host_async; *event is the copy's event (nullptr when the copy is done), released with event_release.
Tensor transfer_from_host(const void* src, size_t nbytes, const Shape& shape, DType dtype, Device device,
                          void** event);

// The backend that owns `device`'s memory. Throws a Device error when it is unavailable (e.g. no CUDA).
Backend& backend_for(Device device);
Backend& cpu_backend();

}  // namespace nr
