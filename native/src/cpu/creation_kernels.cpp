#include "cpu/cpu_backend.h"

namespace nr::cpu {

void register_creation_kernels() {}

}  // namespace nr::cpu
