// Definitions of the optim family's ops, in NR_OP_LIST_OPTIM order.
#include "ops/op_table.h"

namespace nr {

std::vector<OpDef> optim_op_defs() { return {}; }

}  // namespace nr
