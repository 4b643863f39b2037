// Ops of the optim family: optimizer updates, which write their parameter and state inputs in place. See op_list.h.
#pragma once

#define NR_OP_LIST_OPTIM(X)
