// Ops of the rnn family: recurrent cells (simple RNN, LSTM, GRU) and their backward ops. See op_list.h.
#pragma once

#define NR_OP_LIST_RNN(X)                                                                                          \
  X(RnnCell, "rnn_cell") X(RnnCellGrad, "rnn_cell_grad") X(LstmCell, "lstm_cell")                                \
  X(LstmCellGrad, "lstm_cell_grad") X(GruCell, "gru_cell") X(GruCellGrad, "gru_cell_grad")
