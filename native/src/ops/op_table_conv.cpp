// Definitions of the conv family's ops, in NR_OP_LIST_CONV order.
#include "ops/op_table.h"

namespace nr {

std::vector<OpDef> conv_op_defs() { return {}; }

}  // namespace nr
