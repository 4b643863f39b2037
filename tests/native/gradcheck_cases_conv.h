// Gradcheck cases of the conv family's differentiable ops (see gradcheck.h); included by test_gradcheck.cpp.
#pragma once

#include <vector>

#include "gradcheck.h"

namespace nrtest {

inline std::vector<GradCase> conv_gradcheck_cases() { return {}; }

}  // namespace nrtest
