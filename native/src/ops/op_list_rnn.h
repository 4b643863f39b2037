// Ops of the rnn family: recurrent cells (simple RNN, LSTM, GRU) and their backward ops. See op_list.h.
#pragma once

#define NR_OP_LIST_RNN(X)
