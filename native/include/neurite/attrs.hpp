// Named op attributes ("axis", "keepdims", "shape", ...). Each op declares the attributes it accepts in the op table;
// an unknown name or a value of the wrong kind is an InvalidArgument error naming the op.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "neurite/dtype.hpp"

namespace nr {

enum class AttrKind : int32_t { Int = 0, Float = 1, Ints = 2 };

struct AttrValue {
  AttrKind kind = AttrKind::Int;
  int64_t i = 0;
  double f = 0;
  std::vector<int64_t> ints;
};

class Attrs {
 public:
  Attrs() = default;
  Attrs& set(const std::string& name, int64_t v) { return put(name, AttrValue{AttrKind::Int, v, 0, {}}); }
  Attrs& set(const std::string& name, int v) { return set(name, static_cast<int64_t>(v)); }
  Attrs& set(const std::string& name, bool v) { return set(name, static_cast<int64_t>(v)); }
  Attrs& set(const std::string& name, DType v) { return set(name, static_cast<int64_t>(v)); }
  Attrs& set(const std::string& name, double v) { return put(name, AttrValue{AttrKind::Float, 0, v, {}}); }
  Attrs& set(const std::string& name, std::vector<int64_t> v) {
    return put(name, AttrValue{AttrKind::Ints, 0, 0, std::move(v)});
  }
  void clear() { values_.clear(); }

  const AttrValue* find(const std::string& name) const {
    for (const auto& kv : values_)
      if (kv.first == name) return &kv.second;
    return nullptr;
  }
  bool has(const std::string& name) const { return find(name) != nullptr; }
  const std::vector<std::pair<std::string, AttrValue>>& items() const { return values_; }

  // Typed reads with defaults. Kinds are validated against the op table before any kernel runs, but an Int
  // attribute is also accepted where a Float is declared (a user writing value=1 means 1.0).
  int64_t get_int(const std::string& name, int64_t dflt) const {
    const AttrValue* v = find(name);
    return v ? v->i : dflt;
  }
  double get_float(const std::string& name, double dflt) const {
    const AttrValue* v = find(name);
    if (!v) return dflt;
    return v->kind == AttrKind::Int ? static_cast<double>(v->i) : v->f;
  }
  std::vector<int64_t> get_ints(const std::string& name, std::vector<int64_t> dflt = {}) const {
    const AttrValue* v = find(name);
    return v ? v->ints : dflt;
  }

 private:
  Attrs& put(const std::string& name, AttrValue v) {
    for (auto& kv : values_)
      if (kv.first == name) {
        kv.second = std::move(v);
        return *this;
      }
    values_.emplace_back(name, std::move(v));
    return *this;
  }
  std::vector<std::pair<std::string, AttrValue>> values_;
};

}  // namespace nr
