// Gradient formulas of the conv family. See gradients.h.
#include "ops/gradients.h"

namespace nr {

std::vector<GradEntry> conv_gradients() { return {}; }

}  // namespace nr
