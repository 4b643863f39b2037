#include "cpu/cpu_backend.h"

namespace nr::cpu {

void register_rnn_kernels() {}

}  // namespace nr::cpu
