// Ops of the nn family: normalisation, dropout and the fused losses. See op_list.h.
#pragma once

#define NR_OP_LIST_NN(X)                                                                                         \
  X(BatchNormTrain, "batch_norm_train") X(BatchNormTrainGrad, "batch_norm_train_grad")                          \
  X(BatchNormInference, "batch_norm_inference") X(Dropout, "dropout")                                            \
  X(SoftmaxCrossEntropy, "softmax_cross_entropy") X(SoftmaxCrossEntropyGrad, "softmax_cross_entropy_grad")      \
  X(SparseSoftmaxCrossEntropy, "sparse_softmax_cross_entropy")                                                  \
  X(SparseSoftmaxCrossEntropyGrad, "sparse_softmax_cross_entropy_grad")                                         \
  X(SigmoidCrossEntropy, "sigmoid_cross_entropy") X(Mse, "mse") X(Mae, "mae") X(Huber, "huber")                  \
  X(BinaryCrossEntropy, "binary_cross_entropy") X(CategoricalCrossEntropy, "categorical_cross_entropy")          \
  X(SparseCategoricalCrossEntropy, "sparse_categorical_cross_entropy") X(ReduceLoss, "reduce_loss")             \
  X(L1Penalty, "l1_penalty") X(L2Penalty, "l2_penalty")
