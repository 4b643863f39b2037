#include "cpu/cpu_backend.h"

namespace nr::cpu {

void register_optim_kernels() {}

}  // namespace nr::cpu
