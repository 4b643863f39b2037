// Definitions of the nn family's ops, in NR_OP_LIST_NN order.
#include "ops/op_table.h"

namespace nr {

std::vector<OpDef> nn_op_defs() { return {}; }

}  // namespace nr
