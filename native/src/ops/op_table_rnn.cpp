// Definitions of the rnn family's ops, in NR_OP_LIST_RNN order.
#include "ops/op_table.h"

namespace nr {

std::vector<OpDef> rnn_op_defs() { return {}; }

}  // namespace nr
