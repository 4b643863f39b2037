// Gradcheck cases of the nn family's differentiable ops (see gradcheck.h); included by test_gradcheck.cpp.
#pragma once

#include <vector>

#include "gradcheck.h"

namespace nrtest {

inline std::vector<GradCase> nn_gradcheck_cases() { return {}; }

}  // namespace nrtest
