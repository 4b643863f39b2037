// The CPU backend's kernel registry. Each kernel file registers its kernels from one function called by the
// backend at start-up (explicit calls, so static-library linking cannot drop them).
#pragma once

#include "core/backend.h"

namespace nr::cpu {

// contiguous_inputs: the dispatcher hands the kernel contiguous inputs (most kernels); kernels that handle any
// strides themselves (elementwise, copies) pass false and save the copy.
void register_kernel(OpId op, KernelFn fn, uint32_t dtypes, bool contiguous_inputs = true);

void register_copy_kernels();
void register_grad_kernels();

// Frees the large blocks the CPU allocator keeps for reuse.
void empty_cache();

// Copies src's elements into dst (same shape; dst may be any strided view of writable storage).
void copy_into(const Tensor& src, Tensor& dst);
void register_creation_kernels();
void register_elementwise_kernels();
void register_reduction_kernels();
void register_matmul_kernels();
void register_shape_kernels();
void register_softmax_kernels();
void register_conv_kernels();
void register_nn_kernels();
void register_rnn_kernels();
void register_optim_kernels();

// Calls f(T{}) with T the C++ type of `dt` (bool for Bool). f16/bf16 are storage types of the CUDA backend only: a
// DType error (the dispatcher prefixes the op's name).
template <class F>
void dispatch_dtype(DType dt, F&& f) {
  switch (dt) {
    case DType::F32: f(float{}); return;
    case DType::F64: f(double{}); return;
    case DType::I32: f(int32_t{}); return;
    case DType::I64: f(int64_t{}); return;
    case DType::U8: f(uint8_t{}); return;
    case DType::Bool: f(bool{}); return;
    default: fail(Status::DType, "dtype ", dtype_name(dt), " has no CPU kernels (the CPU computes in f32, f64, i32, i64, u8, bool)");
  }
}

template <class F>
void dispatch_floating(DType dt, F&& f) {
  switch (dt) {
    case DType::F32: f(float{}); return;
    case DType::F64: f(double{}); return;
    default: fail(Status::Internal, "cpu: dtype ", dtype_name(dt), " reached a floating-point kernel");
  }
}

}  // namespace nr::cpu
