// Errors inside libposynda: the public C++ wrapper's exception (posynda/posynda.hpp: status + message)
// serves the internals too; api.cpp turns it into the status code and the per-thread message (nothing is
// thrown across the C boundary).
#pragma once

#include <cstring>
#include <string>

#include "posynda/posynda.h"
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

}  // namespace posynda::core
