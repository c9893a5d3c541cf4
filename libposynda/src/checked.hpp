// Overflow-checked size arithmetic: every buffer size libposynda (and its tools) computes from a size that
// came from a file or a caller goes through checked_product, so a crafted size fails instead of wrapping
// into a small allocation that is then written past. Header-only, no dependencies (tools/npy.hpp uses it).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <limits>

namespace posynda::core {

// a * b for a, b >= 0; false (out untouched) when either is negative or the product exceeds `most`.
inline bool checked_mul(int64_t a, int64_t b, int64_t& out, int64_t most = std::numeric_limits<int64_t>::max()) {
  if (a < 0 || b < 0 || most < 0) return false;
  if (a != 0 && b > most / a) return false;  // a * b > most, decided without computing a * b
  out = a * b;
  return true;
}

// The product of sizes (each >= 0), or -1 when one is negative or the product exceeds `most`.
inline int64_t checked_product(std::initializer_list<int64_t> sizes,
                               int64_t most = std::numeric_limits<int64_t>::max()) {
  int64_t product = 1;
  for (int64_t s : sizes)
    if (!checked_mul(product, s, product, most)) return -1;
  return product;
}

// The largest element count of a buffer of `bytes_per_element`-byte elements that size_t and ptrdiff_t can
// both index (what std::vector and pointer arithmetic need), as int64_t.
inline int64_t max_elements(int64_t bytes_per_element) {
  const uint64_t by_size = std::numeric_limits<size_t>::max() / 2;  // ptrdiff_t's range
  const uint64_t limit = by_size / static_cast<uint64_t>(bytes_per_element > 0 ? bytes_per_element : 1);
  const uint64_t int64_max = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  return static_cast<int64_t>(limit < int64_max ? limit : int64_max);
}

}  // namespace posynda::core
