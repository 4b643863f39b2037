// Ops of the conv family: convolutions, pooling and upsampling over NHWC images. See op_list.h.
#pragma once

#define NR_OP_LIST_CONV(X)                                                                                         \
  X(Conv2d, "conv2d") X(Conv2dBackwardInput, "conv2d_backward_input")                                            \
  X(Conv2dBackwardFilter, "conv2d_backward_filter") X(Conv2dTranspose, "conv2d_transpose")                       \
  X(MaxPool2d, "max_pool2d") X(MaxPool2dGrad, "max_pool2d_grad") X(AvgPool2d, "avg_pool2d")                      \
  X(AvgPool2dGrad, "avg_pool2d_grad") X(Upsample2d, "upsample2d") X(Upsample2dGrad, "upsample2d_grad")
