// Element types of Neurite tensors.
//
// f32 is the default; f64 exists for gradient checks and references; i32/i64 for indices; u8 for images; bool for
// masks. f16/bf16 are storage types reserved for the CUDA backend: the CPU backend reports them as unsupported.
#pragma once

#include <cstddef>
#include <cstdint>

namespace nr {

// Values equal the NR_* dtype constants of c_api.h; they are part of the ABI and of the model file.
enum class DType : int32_t { F32 = 0, F64 = 1, I32 = 2, I64 = 3, U8 = 4, Bool = 5, F16 = 6, BF16 = 7 };

constexpr int kNumDTypes = 8;

constexpr size_t itemsize(DType t) {
  switch (t) {
    case DType::F32: case DType::I32: return 4;
    case DType::F64: case DType::I64: return 8;
    case DType::U8: case DType::Bool: return 1;
    case DType::F16: case DType::BF16: return 2;
  }
  return 0;
}

constexpr const char* dtype_name(DType t) {
  switch (t) {
    case DType::F32: return "f32";
    case DType::F64: return "f64";
    case DType::I32: return "i32";
    case DType::I64: return "i64";
    case DType::U8: return "u8";
    case DType::Bool: return "bool";
    case DType::F16: return "f16";
    case DType::BF16: return "bf16";
  }
  return "?";
}

constexpr bool is_valid_dtype(int32_t v) { return v >= 0 && v < kNumDTypes; }
constexpr bool is_floating(DType t) {
  return t == DType::F32 || t == DType::F64 || t == DType::F16 || t == DType::BF16;
}
constexpr bool is_integral(DType t) { return t == DType::I32 || t == DType::I64 || t == DType::U8; }

// A bit set of dtypes, used by kernels to declare what they support.
constexpr uint32_t dtype_bit(DType t) { return 1u << static_cast<int32_t>(t); }
constexpr uint32_t kFloatTypes = dtype_bit(DType::F32) | dtype_bit(DType::F64);
constexpr uint32_t kIntTypes = dtype_bit(DType::I32) | dtype_bit(DType::I64) | dtype_bit(DType::U8);
constexpr uint32_t kNumericTypes = kFloatTypes | kIntTypes;
constexpr uint32_t kAllCpuTypes = kNumericTypes | dtype_bit(DType::Bool);

}  // namespace nr
