// A minimal test harness for the engine's C++ tests: CHECK records a failure and goes on; main() runs every TEST
// and exits non-zero if any check failed.
#pragma once

#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "neurite/error.hpp"

namespace nrtest {

struct Case {
  const char* name;
  std::function<void()> fn;
};
inline std::vector<Case>& cases() {
  static std::vector<Case> c;
  return c;
}
inline int& failures() {
  static int f = 0;
  return f;
}
struct Register {
  Register(const char* name, std::function<void()> fn) { cases().push_back({name, std::move(fn)}); }
};

}  // namespace nrtest

#define TEST(name)                                          \
  static void name();                                       \
  static nrtest::Register name##_registered(#name, name);   \
  static void name()

#define CHECK(cond)                                                                    \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);    \
      ++nrtest::failures();                                                            \
    }                                                                                  \
  } while (0)

#define CHECK_NEAR(a, b, tol)                                                                            \
  do {                                                                                                   \
    double va_ = (a), vb_ = (b);                                                                         \
    if (!(std::fabs(va_ - vb_) <= (tol))) {                                                              \
      std::fprintf(stderr, "%s:%d: %s = %.9g, %s = %.9g, differ by more than %g\n", __FILE__, __LINE__, #a, \
                   va_, #b, vb_, (double)(tol));                                                         \
      ++nrtest::failures();                                                                              \
    }                                                                                                    \
  } while (0)

// Checks that `expr` throws nr::Error with `status` and a message containing `fragment`.
#define CHECK_THROWS(expr, want_status, fragment)                                                                \
  do {                                                                                                      \
    bool thrown_ = false;                                                                                   \
    try {                                                                                                   \
      (void)(expr);                                                                                         \
    } catch (const nr::Error& e) {                                                                          \
      thrown_ = true;                                                                                       \
      if (e.status() != (want_status) || std::string(e.what()).find(fragment) == std::string::npos) {           \
        std::fprintf(stderr, "%s:%d: %s threw '%s' (status %d)\n", __FILE__, __LINE__, #expr, e.what(),     \
                     static_cast<int>(e.status()));                                                         \
        ++nrtest::failures();                                                                               \
      }                                                                                                     \
    }                                                                                                       \
    if (!thrown_) {                                                                                         \
      std::fprintf(stderr, "%s:%d: %s did not throw\n", __FILE__, __LINE__, #expr);                       \
      ++nrtest::failures();                                                                                 \
    }                                                                                                       \
  } while (0)

#define TEST_MAIN()                                                                    \
  int main() {                                                                         \
    for (auto& c : nrtest::cases()) {                                                  \
      int before = nrtest::failures();                                                 \
      try {                                                                            \
        c.fn();                                                                        \
      } catch (const std::exception& e) {                                              \
        std::fprintf(stderr, "%s: unexpected exception: %s\n", c.name, e.what());     \
        ++nrtest::failures();                                                          \
      }                                                                                \
      std::printf("%s %s\n", nrtest::failures() == before ? "ok  " : "FAIL", c.name); \
    }                                                                                  \
    return nrtest::failures() == 0 ? 0 : 1;                                            \
  }
