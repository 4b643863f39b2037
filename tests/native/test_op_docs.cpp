// docs/OPS.md is generated from the op table; this test fails when they differ.
// To regenerate after changing the table: NEURITE_WRITE_DOCS=1 ./test_op_docs (from the build folder).
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "check.h"
#include "core/backend.h"

#ifndef NEURITE_SOURCE_DIR
#error "NEURITE_SOURCE_DIR must point at the repository root"
#endif

namespace {

std::string render() {
  std::ostringstream md;
  md << "# Ops\n\n"
     << "Generated from the op table (`native/src/ops/op_table.cpp`) by `tests/native/test_op_docs.cpp`; do not edit by\n"
     << "hand. Every op is reachable from C (`nr_op_call*`), C++ (`nr::call`) and Java (`org.neurite.Ops`).\n"
     << "Attributes marked * are required. \"cpu\" lists the dtypes the CPU backend has kernels for (keyed on the\n"
     << "input named by the table, or on the output dtype for ops without inputs). Views share storage with their input;\n"
     << "composite ops are computed with other ops, which also give their gradient.\n\n"
     << "| op | inputs | attributes | cpu | what it computes |\n|---|---|---|---|---|\n";
  static const char* kinds[] = {"int", "float", "ints"};
  for (int i = 0; i < nr::kNumOps; ++i) {
    const nr::OpDef& d = nr::op_def(static_cast<nr::OpId>(i));
    md << "| `" << d.name << "` | " << (d.num_inputs == nr::kVariadic ? std::string("1..n") : std::to_string(d.num_inputs))
       << " | ";
    for (size_t a = 0; a < d.attrs.size(); ++a)
      md << (a ? ", " : "") << "`" << d.attrs[a].name << "`" << (d.attrs[a].required ? "*" : "") << " "
         << kinds[static_cast<int>(d.attrs[a].kind)];
    md << " | ";
    if (d.view) {
      md << "view";
    } else if (d.compose) {
      md << "composite";
    } else {
      uint32_t mask = nr::cpu_backend().supported_dtypes(d.id);
      bool first = true;
      for (int t = 0; t < nr::kNumDTypes; ++t)
        if (mask & (1u << t)) {
          md << (first ? "" : " ") << nr::dtype_name(static_cast<nr::DType>(t));
          first = false;
        }
      if (first) md << "none";
    }
    std::string doc = d.doc;  // a '|' inside a cell would end it
    for (size_t at = 0; (at = doc.find('|', at)) != std::string::npos; at += 2) doc.replace(at, 1, "\\|");
    md << " | " << doc << " |\n";
  }
  return md.str();
}

}  // namespace

TEST(ops_md_matches_the_op_table) {
  std::string path = std::string(NEURITE_SOURCE_DIR) + "/docs/OPS.md";
  std::string expected = render();
  if (const char* w = std::getenv("NEURITE_WRITE_DOCS"); w && std::string(w) == "1") {
    std::ofstream(path) << expected;
  }
  std::ifstream in(path);
  std::stringstream actual;
  actual << in.rdbuf();
  CHECK(actual.str() == expected);
  if (actual.str() != expected)
    std::fprintf(stderr, "%s is out of date: run NEURITE_WRITE_DOCS=1 test_op_docs to regenerate it\n", path.c_str());
}

TEST(every_op_has_a_cpu_kernel_or_is_a_view_or_composite) {
  for (int i = 0; i < nr::kNumOps; ++i) {
    const nr::OpDef& d = nr::op_def(static_cast<nr::OpId>(i));
    bool ok = d.view != nullptr || d.compose != nullptr || nr::cpu_backend().supported_dtypes(d.id) != 0;
    if (!ok) std::fprintf(stderr, "op %s has no CPU kernel\n", d.name);
    CHECK(ok);
  }
}

TEST_MAIN()
