#include "cpu/cpu_backend.h"

namespace nr::cpu {

void register_shape_kernels() {}

}  // namespace nr::cpu
