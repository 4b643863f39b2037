// The backend interface: the narrow set of things a device must do for the engine (ggml's backend table, candle's
// BackendStorage). The CPU backend is built in; CUDA comes as a plugin library that registers one of these.
#pragma once

#include <cstddef>

#include "neurite/tensor.hpp"
#include "ops/op_table.h"

namespace nr {

// What a kernel sees: validated inputs (contiguous when the kernel asked for it), outputs already allocated
// (contiguous, with the shapes and dtypes the shape rule inferred), and the op's attributes.
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
};

// The backend that owns `device`'s memory. Throws a Device error when it is unavailable (e.g. no CUDA).
Backend& backend_for(Device device);
Backend& cpu_backend();

}  // namespace nr
