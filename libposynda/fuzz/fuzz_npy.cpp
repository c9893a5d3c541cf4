// libFuzzer harness (c): the posynda_lift tool's .npy reader (tools/npy.hpp) on fuzzed file bytes.
// Invariants: read_npy returns an array whose data matches its shape, or throws std::runtime_error with a
// one-line message -- nothing else escapes, nothing crashes, and it never allocates more than the file
// holds (libFuzzer's -malloc_limit_mb, set low by run.sh, turns a larger allocation into a finding). What
// it reads, write_npy writes back and read_npy reads again unchanged.
#include <unistd.h>

#include <cstdio>
#include <string>

#include "fuzz_check.hpp"
#include "npy.hpp"

namespace {

std::string scratch(const char* name) {
  const char* dir = std::getenv("TMPDIR");
  return std::string(dir && *dir ? dir : "/tmp") + "/posynda-fuzz-npy-" + std::to_string(getpid()) + "-" + name;
}

const std::string in_path = scratch("in.npy"), out_path = scratch("out.npy");

void remove_scratch() {
  std::remove(in_path.c_str());
  std::remove(out_path.c_str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool cleanup = std::atexit(remove_scratch) == 0;
  (void)cleanup;
  {
    std::FILE* f = std::fopen(in_path.c_str(), "wb");
    FUZZ_CHECK(f != nullptr, "cannot write %s", in_path.c_str());
    FUZZ_CHECK(std::fwrite(data, 1, size, f) == size && std::fclose(f) == 0, "cannot write %s", in_path.c_str());
  }
  posynda::Array a;
  try {
    a = posynda::read_npy(in_path);
  } catch (const std::runtime_error& e) {
    const std::string message = e.what();
    FUZZ_CHECK(message.rfind(in_path + ": ", 0) == 0, "message does not name the file: %s", message.c_str());
    FUZZ_CHECK(message.find('\n') == std::string::npos, "message is not one line: %s", message.c_str());
    return 0;
  }
  const int64_t count = a.size();
  FUZZ_CHECK(count >= 0 && static_cast<uint64_t>(count) == a.data.size(), "shape %s, %zu values",
             posynda::shape_str(a.shape).c_str(), a.data.size());
  FUZZ_CHECK(static_cast<uint64_t>(count) * 4 <= size, "%lld values from %zu bytes", static_cast<long long>(count), size);
  posynda::write_npy(out_path, a);
  const posynda::Array back = posynda::read_npy(out_path);
  FUZZ_CHECK(back.shape == a.shape && back.data.size() == a.data.size() &&
                 (a.data.empty() || std::memcmp(back.data.data(), a.data.data(), a.data.size() * 4) == 0),
             "round trip of %s", posynda::shape_str(a.shape).c_str());
  std::FILE* tmp = std::fopen((out_path + ".tmp").c_str(), "rb");
  FUZZ_CHECK(tmp == nullptr, "write_npy left %s.tmp", out_path.c_str());
  return 0;
}
