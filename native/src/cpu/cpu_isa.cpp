#include <cstdlib>
#include <cstring>

#include "cpu/tiled_gemm.h"

namespace nr::cpu {

bool cpu_has_avx512() {
  static const bool yes = [] {
    const char* cap = std::getenv("NEURITE_MAX_CPU_ISA");
    if (cap && std::strcmp(cap, "avx2") == 0) return false;
    // libgcc's check covers the OS too: it reports AVX-512F only when XCR0 says the kernel saves the zmm state.
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") != 0;
  }();
  return yes;
}

}  // namespace nr::cpu
