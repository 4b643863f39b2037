// Errors raised by the engine. Every message names the op (or layer) and the shapes involved, e.g.
//   matmul: [32,784] x [128,10]: inner dimensions 784 and 128 differ
// The C API turns an nr::Error into its status code and a thread-local message; nothing else crosses it.
#pragma once

#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace nr {

// Values equal the NR_ERR_* constants of c_api.h.
enum class Status : int32_t {
  Ok = 0,
  InvalidArgument = 1,  // a bad attribute, a null handle, a value out of its domain
  Shape = 2,            // shapes that do not fit the op
  DType = 3,            // a dtype the op does not accept, or mismatched dtypes
  Device = 4,           // a device that is missing, unavailable, or mixed with another
  Index = 5,            // an index out of range
  OutOfMemory = 6,
  Numeric = 7,          // a NaN/Inf check tripped
  Format = 8,           // a file that is not what it claims to be
  Unsupported = 9,      // an op with no kernel for this dtype/device
  Internal = 10,        // a bug in Neurite
  Io = 11,              // the file system refused
};

class Error : public std::runtime_error {
 public:
  Error(Status status, const std::string& message) : std::runtime_error(message), status_(status) {}
  Status status() const { return status_; }

 private:
  Status status_;
};

// "[32,784]"
inline std::string shape_str(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

namespace detail {
inline void append_all(std::ostringstream&) {}
template <class T, class... Rest>
void append_all(std::ostringstream& os, const T& first, const Rest&... rest) {
  os << first;
  append_all(os, rest...);
}
}  // namespace detail

// Builds the message from its parts: fail(Status::Shape, "matmul: ", shape_str(a), " x ", ...).
template <class... Parts>
[[noreturn]] void fail(Status status, const Parts&... parts) {
  std::ostringstream os;
  detail::append_all(os, parts...);
  throw Error(status, os.str());
}

}  // namespace nr
