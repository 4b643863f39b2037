// The CUDA backend: one state per device (a compute stream, a caching allocator, cuBLAS handle), the kernel
// registry, and the plugin entry point libneurite's loader calls (core/backend_registry.cpp).
//
// The caching allocator keeps freed blocks in bins of their rounded size and hands them out again to requests of
// that size: training asks for the same sizes every step, so after the first step no call reaches cudaMalloc (whose
// cost, and implicit synchronisation on free, would otherwise dominate small ops). All work of a device runs on its
// one stream, so a block freed by one op can be reused by the next without waiting.
//
// Input pipelines copy batches on a second stream per device (the copy stream), from pinned host memory, so that the
// copy of batch i+1 overlaps the compute of batch i; the compute stream waits for each copy through an event. The
// blocks those copies write have a cache of their own (see CachingAllocator::allocate_transfer).
#include <cuda_runtime.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "cuda/cuda_backend.h"
#include "cuda/cuda_common.h"

namespace nr::cuda {
namespace {

struct KernelEntry {
  KernelFn fn = nullptr;
  uint32_t dtypes = 0;
  bool contiguous_inputs = true;
};

KernelEntry g_kernels[kNumOps];

constexpr size_t kSmallLimit = size_t(1) << 20;  // below: 512-byte steps; above: 2 MiB steps
size_t round_size(size_t n) {
  return n < kSmallLimit ? (n + 511) / 512 * 512 : (n + (size_t(2) << 20) - 1) / (size_t(2) << 20) * (size_t(2) << 20);
}

class CachingAllocator {
 public:
  CachingAllocator(int device, cudaStream_t compute) : device_(device), compute_(compute) {}

  void* allocate(size_t nbytes) {
    size_t rounded = round_size(nbytes);
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = free_.find(rounded);
    if (it != free_.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      cached_ -= rounded;
      note_in_use(rounded);
      return p;
    }
    void* p = device_malloc(rounded, nbytes);
    ++num_device_allocs_;
    note_in_use(rounded);
    return p;
  }

  // A block that the copy stream will write. Blocks of the compute stream's cache are safe to reuse at once only on
  // that stream; a block freed by the compute stream may still be read by kernels queued there, so a transfer block
  // keeps an event that the compute stream records when the block is freed, and the copy stream waits on it before
  // reusing the block (PyTorch's record_stream, for the one cross-stream case the engine has). The copy stream thus
  // waits only for the last use of that block, not for everything queued.
  void* allocate_transfer(size_t nbytes, cudaStream_t copy_stream) {
    size_t rounded = round_size(nbytes);
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = transfer_free_.find(rounded);
    if (it != transfer_free_.end() && !it->second.empty()) {
      TransferBlock b = it->second.back();
      it->second.pop_back();
      cached_ -= rounded;
      transfer_events_[b.ptr] = b.freed;
      note_in_use(rounded);
      check(cudaStreamWaitEvent(copy_stream, b.freed, 0), "cudaStreamWaitEvent (transfer block reuse)");
      return b.ptr;
    }
    void* p = device_malloc(rounded, nbytes);
    cudaEvent_t freed = nullptr;
    cudaError_t err = cudaEventCreateWithFlags(&freed, cudaEventDisableTiming);
    if (err != cudaSuccess) {
      cudaFree(p);
      check(err, "cudaEventCreateWithFlags (transfer block)");
    }
    transfer_events_[p] = freed;
    ++num_device_allocs_;
    note_in_use(rounded);
    return p;
  }

 private:
  // cudaMalloc with one retry after emptying the cache; the error says what was asked, used and cached.
  void* device_malloc(size_t rounded, size_t nbytes) {
    void* p = nullptr;
    cudaError_t err = cudaMalloc(&p, rounded);
    if (err == cudaErrorMemoryAllocation) {
      cudaGetLastError();  // clear the sticky-free error state before retrying
      release_cached();
      err = cudaMalloc(&p, rounded);
    }
    if (err != cudaSuccess) {
      cudaGetLastError();
      size_t free_bytes = 0, total = 0;
      cudaMemGetInfo(&free_bytes, &total);
      fail(Status::OutOfMemory, "cuda:", device_, ": out of memory allocating ", nbytes, " bytes (in use by tensors: ",
           in_use_, " bytes, cached: ", cached_, " bytes, device free: ", free_bytes, " of ", total,
           " bytes; the cache was emptied and the allocation retried): ", cudaGetErrorString(err));
    }
    return p;
  }

 public:
  void deallocate(void* p, size_t nbytes) {
    size_t rounded = round_size(nbytes);
    std::lock_guard<std::mutex> lock(mutex_);
    auto transfer = transfer_events_.find(p);
    if (transfer != transfer_events_.end()) {
      // Freed on the host, so every kernel that reads the block is queued: the event completes after the last one.
      // Without the event (a failed record) the stream is waited for here instead, so the reuse stays safe.
      if (cudaEventRecord(transfer->second, compute_) != cudaSuccess) {
        cudaGetLastError();
        cudaStreamSynchronize(compute_);
      }
      transfer_free_[rounded].push_back({p, transfer->second});
      transfer_events_.erase(transfer);
      cached_ += rounded;
      in_use_ -= rounded;
      return;
    }
    free_[rounded].push_back(p);
    cached_ += rounded;
    in_use_ -= rounded;
  }

  void empty_cache() {
    std::lock_guard<std::mutex> lock(mutex_);
    release_cached();
  }

  MemoryStats stats() {
    std::lock_guard<std::mutex> lock(mutex_);
    MemoryStats s;
    s.in_use = static_cast<int64_t>(in_use_);
    s.cached = static_cast<int64_t>(cached_);
    s.peak_in_use = static_cast<int64_t>(peak_);
    s.num_device_allocs = num_device_allocs_;
    size_t free_bytes = 0, total = 0;
    if (cudaMemGetInfo(&free_bytes, &total) == cudaSuccess) {
      s.device_free = static_cast<int64_t>(free_bytes);
      s.device_total = static_cast<int64_t>(total);
    }
    return s;
  }

 private:
  void note_in_use(size_t n) {
    in_use_ += n;
    if (in_use_ > peak_) peak_ = in_use_;
  }
  // cudaFree waits for the device, so no queued kernel can still be using a released block.
  void release_cached() {
    for (auto& [size, blocks] : free_)
      for (void* p : blocks) cudaFree(p);
    free_.clear();
    for (auto& [size, blocks] : transfer_free_)
      for (const TransferBlock& b : blocks) {
        cudaFree(b.ptr);
        cudaEventDestroy(b.freed);
      }
    transfer_free_.clear();
    cached_ = 0;
  }

  struct TransferBlock {
    void* ptr;
    cudaEvent_t freed;  // recorded on the compute stream when the block was last freed
  };

  int device_;
  cudaStream_t compute_;
  std::mutex mutex_;
  std::unordered_map<size_t, std::vector<void*>> free_;
  std::unordered_map<size_t, std::vector<TransferBlock>> transfer_free_;
  std::unordered_map<void*, cudaEvent_t> transfer_events_;  // transfer blocks in use, with their events
  size_t in_use_ = 0, cached_ = 0, peak_ = 0;
  int64_t num_device_allocs_ = 0;
};

struct DeviceState {
  int index = 0;
  int sm_count = 0;
  cudaStream_t stream = nullptr;
  cudaStream_t copy_stream = nullptr;  // host-to-device copies of input pipelines (copy_from_host_async)
  std::unique_ptr<CachingAllocator> allocator;
};

class CudaBackend;
CudaBackend* g_backend = nullptr;
thread_local DeviceState* t_current = nullptr;

class CudaBackend final : public Backend {
 public:
  explicit CudaBackend(int count) : states_(static_cast<size_t>(count)) {
    register_all_kernels();
  }

  const char* name() const override { return "cuda"; }
  int device_count() const override { return static_cast<int>(states_.size()); }

  // Makes `device` current on this thread (cudaSetDevice) and creates its stream on first use.
  DeviceState& activate(Device device) {
    DeviceState& s = state(device);
    NR_CUDA_CHECK(cudaSetDevice(s.index));
    t_current = &s;
    return s;
  }

  void* allocate(size_t nbytes, Device device) override {
    if (nbytes == 0) return nullptr;
    return activate(device).allocator->allocate(nbytes);
  }
  void deallocate(void* ptr, size_t nbytes, Device device) override {
    if (ptr) state(device).allocator->deallocate(ptr, nbytes);
  }
  void copy_from_host(void* dst, const void* src, size_t nbytes, Device device) override {
    DeviceState& s = activate(device);
    // From pageable memory the call returns once the source has been staged, so the caller may free it.
    NR_CUDA_CHECK(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyHostToDevice, s.stream));
  }
  void copy_to_host(void* dst, const void* src, size_t nbytes, Device device) override {
    DeviceState& s = activate(device);
    NR_CUDA_CHECK(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyDeviceToHost, s.stream));
    NR_CUDA_CHECK(cudaStreamSynchronize(s.stream));
  }

  bool supports(OpId op, DType dtype) const override {
    return (g_kernels[static_cast<int>(op)].dtypes & dtype_bit(dtype)) != 0;
  }
  uint32_t supported_dtypes(OpId op) const override { return g_kernels[static_cast<int>(op)].dtypes; }
  bool wants_contiguous_inputs(OpId op) const override { return g_kernels[static_cast<int>(op)].contiguous_inputs; }
  void run(OpId op, KernelContext& ctx) override {
    Device device = !ctx.outputs.empty() ? ctx.outputs[0].device() : ctx.inputs[0].device();
    activate(device);
    g_kernels[static_cast<int>(op)].fn(ctx);
  }

  MemoryStats memory_stats(Device device) override {
    activate(device);
    return state(device).allocator->stats();
  }
  void empty_cache(Device device) override { activate(device).allocator->empty_cache(); }
  void synchronize(Device device) override { NR_CUDA_CHECK(cudaStreamSynchronize(activate(device).stream)); }

  // ---- asynchronous host-to-device copies ----

  void* allocate_pinned(size_t nbytes, Device device) override {
    activate(device);
    void* p = nullptr;
    cudaError_t err = cudaHostAlloc(&p, nbytes, cudaHostAllocPortable);
    if (err != cudaSuccess) {
      cudaGetLastError();
      fail(Status::OutOfMemory, device.str(), ": could not allocate ", nbytes, " bytes of pinned host memory: ",
           cudaGetErrorName(err), " (", cudaGetErrorString(err), ")");
    }
    return p;
  }
  void free_pinned(void* ptr, Device device) override {
    activate(device);
    NR_CUDA_CHECK(cudaFreeHost(ptr));
  }
  void* allocate_for_transfer(size_t nbytes, Device device) override {
    if (nbytes == 0) return nullptr;
    DeviceState& s = activate(device);
    return s.allocator->allocate_transfer(nbytes, s.copy_stream);
  }
  void* copy_from_host_async(void* dst, const void* src, size_t nbytes, Device device) override {
    DeviceState& s = activate(device);
    cudaEvent_t copied = nullptr;
    NR_CUDA_CHECK(cudaEventCreateWithFlags(&copied, cudaEventDisableTiming));
    try {
      NR_CUDA_CHECK(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyHostToDevice, s.copy_stream));
      NR_CUDA_CHECK(cudaEventRecord(copied, s.copy_stream));
      // Every kernel queued on the compute stream from now on runs after the copy; the host does not wait.
      NR_CUDA_CHECK(cudaStreamWaitEvent(s.stream, copied, 0));
    } catch (...) {
      cudaEventDestroy(copied);
      throw;
    }
    return copied;
  }
  bool event_done(void* event, Device device) override {
    cudaError_t err = cudaEventQuery(static_cast<cudaEvent_t>(event));
    if (err == cudaErrorNotReady) return false;
    NR_CUDA_CHECK(err);
    return true;
  }
  void event_wait(void* event, Device device) override {
    NR_CUDA_CHECK(cudaEventSynchronize(static_cast<cudaEvent_t>(event)));
  }
  void event_release(void* event, Device device) override { cudaEventDestroy(static_cast<cudaEvent_t>(event)); }

 private:
  DeviceState& state(Device device) {
    std::lock_guard<std::mutex> lock(mutex_);
    DeviceState& s = states_.at(static_cast<size_t>(device.index));
    if (!s.allocator) {
      s.index = device.index;
      NR_CUDA_CHECK(cudaSetDevice(device.index));
      NR_CUDA_CHECK(cudaStreamCreateWithFlags(&s.stream, cudaStreamNonBlocking));
      NR_CUDA_CHECK(cudaStreamCreateWithFlags(&s.copy_stream, cudaStreamNonBlocking));
      NR_CUDA_CHECK(cudaDeviceGetAttribute(&s.sm_count, cudaDevAttrMultiProcessorCount, device.index));
      s.allocator = std::make_unique<CachingAllocator>(device.index, s.stream);
    }
    return s;
  }

  std::mutex mutex_;
  std::vector<DeviceState> states_;
};

DeviceState& current() {
  if (!t_current) fail(Status::Internal, "cuda: a kernel ran with no current device");
  return *t_current;
}

}  // namespace

void check(cudaError_t err, const char* what) {
  if (err == cudaSuccess) return;
  cudaGetLastError();
  fail(err == cudaErrorMemoryAllocation ? Status::OutOfMemory : Status::Device, "cuda: ", what, " failed: ",
       cudaGetErrorName(err), " (", cudaGetErrorString(err), ")");
}

cudaStream_t stream() { return current().stream; }
int sm_count() { return current().sm_count; }
int current_device_index() { return current().index; }

Scratch::Scratch(size_t nbytes) : ptr_(nullptr), nbytes_(nbytes) {
  if (nbytes) ptr_ = current().allocator->allocate(nbytes);
}
Scratch::~Scratch() {
  if (ptr_ && t_current) t_current->allocator->deallocate(ptr_, nbytes_);
}

void register_kernel(OpId op, KernelFn fn, uint32_t dtypes, bool contiguous_inputs) {
  g_kernels[static_cast<int>(op)] = {fn, dtypes, contiguous_inputs};
}

uint32_t registered_dtypes(OpId op) { return g_kernels[static_cast<int>(op)].dtypes; }

}  // namespace nr::cuda

// The plugin's entry point (its other exported symbol, the kernel table, is in kernel_registry.cu). Fails, with the
// reason, when no driver or no device is present.
extern "C" __attribute__((visibility("default"))) int nr_cuda_plugin_create(int abi_version, nr::Backend** out,
                                                                           char* reason, size_t capacity) {
  auto say = [&](const std::string& msg) {
    if (reason && capacity) std::snprintf(reason, capacity, "%s", msg.c_str());
    return 1;
  };
  if (abi_version != nr::kBackendAbiVersion)
    return say("libneurite_cuda.so was built for backend ABI " + std::to_string(nr::kBackendAbiVersion) +
               ", libneurite asked for " + std::to_string(abi_version) + " (mixed builds)");
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess)
    return say(std::string("no usable CUDA driver or device: ") + cudaGetErrorName(err) + ": " +
               cudaGetErrorString(err));
  if (count == 0) return say("no CUDA device present");
  try {
    if (!nr::cuda::g_backend) nr::cuda::g_backend = new nr::cuda::CudaBackend(count);
    *out = nr::cuda::g_backend;
    return 0;
  } catch (const std::exception& e) {
    return say(std::string("the CUDA backend failed to start: ") + e.what());
  }
}
