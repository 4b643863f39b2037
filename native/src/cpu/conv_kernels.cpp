#include "cpu/cpu_backend.h"

namespace nr::cpu {

void register_conv_kernels() {}

}  // namespace nr::cpu
