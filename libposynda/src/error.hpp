// Errors inside libposynda: the public C++ wrapper's exception (posynda/posynda.hpp: status + message)
// serves the internals too; api.cpp turns it into the status code and the per-thread message (nothing is
// thrown across the C boundary).
#pragma once

#include <cstring>
#include <initializer_list>
#include <string>

#include "posynda/posynda.h"
#include "checked.hpp"
#include "posynda/posynda.hpp"

namespace posynda::core {

using posynda::Error;

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

// The element count of a buffer of T holding `sizes` (their product), checked: Error(status) naming `what`
// when the product overflows or exceeds what a std::vector<T> can index. Every buffer size that depends on
// a caller's or a file's numbers is computed here, never by a bare multiplication.
template <typename T>
size_t elements(const char* what, std::initializer_list<int64_t> sizes, posynda_status status = POSYNDA_ERROR_INPUT) {
  const int64_t n = checked_product(sizes, max_elements(static_cast<int64_t>(sizeof(T))));
  if (n < 0) fail(status, std::string(what) + ": the buffer size overflows");
  return static_cast<size_t>(n);
}

}  // namespace posynda::core
