// Shared by the CUDA plugin's files: error checks, the current device's stream, the kernel registry, launch sizes,
// dtype dispatch and the strided indexer elementwise kernels read their inputs with.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>
#include <type_traits>

#include "core/backend.h"

namespace nr::cuda {

// A failed CUDA call: a Device error naming the call and CUDA's message (OutOfMemory for allocation failures).
void check(cudaError_t err, const char* what);
#define NR_CUDA_CHECK(expr) ::nr::cuda::check((expr), #expr)
// After a kernel launch: a bad configuration shows up here; faults inside the kernel at the next synchronisation.
inline void check_launch(const char* kernel) { check(cudaGetLastError(), kernel); }

// The compute stream of the device the running op is on. Every kernel and copy of that device goes to it, in order,
// so freed memory can be reused at once and only reads to the host wait.
cudaStream_t stream();
// Multiprocessors of the current device, to size grids.
int sm_count();

// Scratch device memory for a kernel's temporaries, from the caching allocator; freed when it goes out of scope
// (stream order makes reuse by later kernels safe).
class Scratch {
 public:
  explicit Scratch(size_t nbytes);
  ~Scratch();
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  template <class T>
  T* as() const { return static_cast<T*>(ptr_); }

 private:
  void* ptr_;
  size_t nbytes_;
};

void register_kernel(OpId op, KernelFn fn, uint32_t dtypes, bool contiguous_inputs = true);
// The dtypes registered for `op` (0: no CUDA kernel). Answers without a device, so coverage can be checked anywhere.
uint32_t registered_dtypes(OpId op);

// Runs every register_*_kernels below, once per process (kernel_registry.cu).
void register_all_kernels();

void register_elementwise_kernels();
void register_creation_kernels();
void register_reduction_kernels();
void register_softmax_kernels();
void register_matmul_kernels();
void register_conv_kernels();
void register_nn_kernels();
void register_batch_norm_kernels();
void register_optim_kernels();
void register_shape_kernels();
void register_rnn_kernels();
void register_upsample_kernels();

// Grid size for a grid-stride loop over n items: enough blocks to fill the device, no more.
inline unsigned grid_for(int64_t n, int threads = 256) {
  int64_t blocks = (n + threads - 1) / threads;
  int64_t cap = static_cast<int64_t>(sm_count()) * 32;
  if (blocks > cap) blocks = cap;
  return static_cast<unsigned>(blocks < 1 ? 1 : blocks);
}

// Calls f(T{}) with T the element type of `dt`; bool tensors are handled as their bytes (uint8_t, 0 or 1).
template <class F>
void dispatch_dtype(DType dt, F&& f) {
  switch (dt) {
    case DType::F32: f(float{}); return;
    case DType::F64: f(double{}); return;
    case DType::I32: f(int32_t{}); return;
    case DType::I64: f(int64_t{}); return;
    case DType::U8: case DType::Bool: f(uint8_t{}); return;
    default: fail(Status::DType, "dtype ", dtype_name(dt), " has no CUDA kernel");
  }
}

template <class F>
void dispatch_floating(DType dt, F&& f) {
  switch (dt) {
    case DType::F32: f(float{}); return;
    case DType::F64: f(double{}); return;
    default: fail(Status::DType, "dtype ", dtype_name(dt), " reached a floating-point CUDA kernel");
  }
}

constexpr int kMaxDims = 8;

// Element i of the output (row-major over `sizes`) sits at offset(k, i) in operand k. Dims are coalesced first, so a
// contiguous operand is one dim and most broadcasts two.
template <int N>
struct Indexer {
  int ndim = 0;
  int64_t sizes[kMaxDims];
  int64_t strides[N][kMaxDims];

  __host__ __device__ int64_t offset(int k, int64_t i) const {
    int64_t off = 0;
    for (int d = ndim - 1; d >= 0; --d) {
      int64_t q = i / sizes[d];
      off += (i - q * sizes[d]) * strides[k][d];
      i = q;
    }
    return off;
  }
};

// Builds an Indexer from the output shape and each operand's strides broadcast to it (zero where broadcast).
template <int N>
Indexer<N> make_indexer(const Shape& shape, const Shape* const (&strides)[N]) {
  Indexer<N> ix;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    bool merge = ix.ndim > 0;
    for (int k = 0; k < N && merge; ++k) merge = ix.strides[k][ix.ndim - 1] == (*strides[k])[d] * shape[d];
    if (merge) {
      ix.sizes[ix.ndim - 1] *= shape[d];
      for (int k = 0; k < N; ++k) ix.strides[k][ix.ndim - 1] = (*strides[k])[d];
      continue;
    }
    if (ix.ndim == kMaxDims) fail(Status::Unsupported, "more than ", kMaxDims, " non-mergeable dims on CUDA");
    ix.sizes[ix.ndim] = shape[d];
    for (int k = 0; k < N; ++k) ix.strides[k][ix.ndim] = (*strides[k])[d];
    ++ix.ndim;
  }
  if (ix.ndim == 0) {
    ix.ndim = 1;
    ix.sizes[0] = 1;
    for (int k = 0; k < N; ++k) ix.strides[k][0] = 0;
  }
  return ix;
}

// Float math by overload, so templates over float and double call the single- or double-precision function.
#define NR_CUDA_MATH1(name)                                                    \
  __device__ inline float d_##name(float x) { return ::name##f(x); }           \
  __device__ inline double d_##name(double x) { return ::name(x); }
NR_CUDA_MATH1(exp)
NR_CUDA_MATH1(log)
NR_CUDA_MATH1(log1p)
NR_CUDA_MATH1(expm1)
NR_CUDA_MATH1(sqrt)
NR_CUDA_MATH1(sin)
NR_CUDA_MATH1(cos)
NR_CUDA_MATH1(tanh)
NR_CUDA_MATH1(erfc)
NR_CUDA_MATH1(fabs)
#undef NR_CUDA_MATH1
__device__ inline float d_pow(float x, float y) { return ::powf(x, y); }
__device__ inline double d_pow(double x, double y) { return ::pow(x, y); }

}  // namespace nr::cuda
