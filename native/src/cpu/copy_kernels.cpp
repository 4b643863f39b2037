// contiguous and cast: strided copies, the kernels every other part of the engine leans on.
#include <cstring>

#include "core/strided_loop.h"
#include "core/thread_pool.h"
#include "cpu/cpu_backend.h"

namespace nr::cpu {
namespace {

template <class T>
void copy_strided(const Tensor& src, Tensor& dst) {
  const T* s = src.data<T>();
  T* d = dst.data<T>();
  StridedLoop<2> loop(dst.shape(), {&dst.strides(), &src.strides()});
  parallel_for(dst.numel(), kElementwiseGrain, [&](int64_t b, int64_t e) {
    loop.run(b, e, [&](const std::array<int64_t, 2>& off, int64_t n, const std::array<int64_t, 2>& st) {
      T* o = d + off[0];
      const T* a = s + off[1];
      if (st[0] == 1 && st[1] == 1) {
        std::memcpy(o, a, static_cast<size_t>(n) * sizeof(T));
      } else {
        for (int64_t i = 0; i < n; ++i) o[i * st[0]] = a[i * st[1]];
      }
    });
  });
}

void contiguous_kernel(KernelContext& ctx) { copy_into(ctx.inputs[0], ctx.outputs[0]); }

template <class To, class From>
To convert(From v) {
  if constexpr (std::is_same_v<To, bool>) return v != From(0);
  else return static_cast<To>(v);
}

void cast_kernel(KernelContext& ctx) {
  const Tensor& x = ctx.inputs[0];
  Tensor& out = ctx.outputs[0];
  dispatch_dtype(x.dtype(), [&](auto in_tag) {
    using From = decltype(in_tag);
    dispatch_dtype(out.dtype(), [&](auto out_tag) {
      using To = decltype(out_tag);
      const From* s = x.data<From>();
      To* d = out.data<To>();
      StridedLoop<2> loop(out.shape(), {&out.strides(), &x.strides()});
      parallel_for(out.numel(), kElementwiseGrain, [&](int64_t b, int64_t e) {
        loop.run(b, e, [&](const std::array<int64_t, 2>& off, int64_t n, const std::array<int64_t, 2>& st) {
          for (int64_t i = 0; i < n; ++i) d[off[0] + i * st[0]] = convert<To>(s[off[1] + i * st[1]]);
        });
      });
    });
  });
}

}  // namespace

void copy_into(const Tensor& src, Tensor& dst) {
  // Copies move bytes: dispatch on item size, not on dtype, so every dtype (f16 included) shares one loop.
  switch (itemsize(src.dtype())) {
    case 1: copy_strided<uint8_t>(src, dst); break;
    case 2: copy_strided<uint16_t>(src, dst); break;
    case 4: copy_strided<uint32_t>(src, dst); break;
    default: copy_strided<uint64_t>(src, dst); break;
  }
}

void register_copy_kernels() {
  register_kernel(OpId::Contiguous, contiguous_kernel, kAllCpuTypes, false);
  register_kernel(OpId::Cast, cast_kernel, kAllCpuTypes, false);
}

}  // namespace nr::cpu
