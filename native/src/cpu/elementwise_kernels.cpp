#include "cpu/cpu_backend.h"

namespace nr::cpu {

void register_elementwise_kernels() {}

}  // namespace nr::cpu
