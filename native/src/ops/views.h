// View functions: results that alias their input's storage (no copy, no kernel, any backend).
#pragma once

#include "ops/op_table.h"

namespace nr::views {

#define NR_VIEW(fn) \
  std::vector<Tensor> fn(const std::vector<Tensor>& in, const Attrs& attrs, const std::vector<TensorMeta>& out)
NR_VIEW(reshape);
NR_VIEW(strided);  // permute
NR_VIEW(slice);
NR_VIEW(broadcast_to);
NR_VIEW(squeeze);
NR_VIEW(unsqueeze);
#undef NR_VIEW

}  // namespace nr::views
