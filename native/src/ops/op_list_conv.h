// Ops of the conv family: convolutions, pooling and upsampling over NHWC images. See op_list.h.
#pragma once

#define NR_OP_LIST_CONV(X)
