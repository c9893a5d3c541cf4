// What the harnesses share: FUZZ_CHECK, an invariant that must hold for every input (a failure aborts, so
// libFuzzer records the input as a finding), and Bytes, a sequential reader of the fuzz input (zeros
// once it is exhausted) so that seed inputs can be written by hand (corpus/README.md).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#define FUZZ_CHECK(cond, ...)                                              \
  do {                                                                     \
    if (!(cond)) {                                                         \
      std::fprintf(stderr, "FUZZ_CHECK failed %s:%d: %s: ", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                                   \
      std::fprintf(stderr, "\n");                                          \
      std::abort();                                                        \
    }                                                                      \
  } while (0)

namespace fuzz {

class Bytes {
 public:
  Bytes(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  template <typename T>
  T take() {  // little-endian, as the machines we fuzz on
    T v{};
    const size_t n = size_ - at_ < sizeof(T) ? size_ - at_ : sizeof(T);
    std::memcpy(&v, data_ + at_, n);
    at_ += n;
    return v;
  }
  size_t left() const { return size_ - at_; }

 private:
  const uint8_t* data_;
  size_t size_, at_ = 0;
};

}  // namespace fuzz
