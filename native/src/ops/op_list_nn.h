// Ops of the nn family: normalisation, dropout and the fused losses. See op_list.h.
#pragma once

#define NR_OP_LIST_NN(X)
