// Errors inside libposynda: one exception type carrying the C API's status; api.cpp turns it into the
// status code and the per-thread message (nothing is thrown across the C boundary).
#pragma once

#include <cstring>
#include <stdexcept>
#include <string>

#include "posynda/posynda.h"

namespace posynda::core {

class Error : public std::runtime_error {
 public:
  Error(posynda_status status, const std::string& message) : std::runtime_error(message), status_(status) {}
  posynda_status status() const { return status_; }

 private:
  posynda_status status_;
};

// The integer a C caller stored in an enum field: read through memcpy, since loading an out-of-range
// value as the C++ enum type would be undefined (UBSan: "not a valid value for type").
template <typename E>
int enum_value(const E& e) {
  static_assert(sizeof(E) == sizeof(int), "C enums are int-sized");
  int v;
  std::memcpy(&v, &e, sizeof v);
  return v;
}

[[noreturn]] inline void fail(posynda_status status, const std::string& message) { throw Error(status, message); }

}  // namespace posynda::core
