// Minimal .npy (NumPy format 1.0 / 2.0 / 3.0) reader and writer for little-endian float32 C-order arrays.
//
// The reader trusts nothing in the file: the magic and version are checked, the header length is bounded
// (kMaxNpyHeader) and checked against the file size before it is read, the header dict is parsed strictly
// ({'descr': '<f4', 'fortran_order': False, 'shape': (d0, d1, ...)} and nothing else), the element count
// and byte count are computed with overflow checks (src/checked.hpp), and the byte count is compared with
// the file's size BEFORE anything is allocated: a file of a few bytes can never make it allocate more than
// itself. Every problem is a std::runtime_error with a one-line message naming the file.
//
// The writer writes PATH.tmp, checks every write and the close (a full disk fails there), then renames it
// over PATH; on any failure PATH.tmp is removed and PATH is left as it was.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "checked.hpp"

namespace posynda {

constexpr uint32_t kMaxNpyHeader = 64 * 1024;  // bytes of the header dict (numpy writes about 100)
constexpr size_t kMaxNpyDims = 32;             // numpy's own limit (NPY_MAXDIMS)

struct Array {
  std::vector<int64_t> shape;
  std::vector<float> data;

  // The element count (product of the shape), or -1 when it overflows int64.
  int64_t size() const {
    int64_t n = 1;
    for (auto d : shape)
      if (!core::checked_mul(n, d, n)) return -1;
    return n;
  }
};

inline std::string shape_str(const std::vector<int64_t>& shape) {
  std::ostringstream s;
  s << "[";
  for (size_t i = 0; i < shape.size(); ++i) s << (i ? ", " : "") << shape[i];
  s << "]";
  return s.str();
}

namespace npy_detail {

[[noreturn]] inline void bad(const std::string& path, const std::string& why) {
  throw std::runtime_error(path + ": " + why);
}

// Text from the file, fit to quote in a one-line message: printable ASCII, anything else as '?'.
inline std::string printable(const std::string& s) {
  std::string out = s;
  for (char& c : out)
    if (c < 0x20 || c > 0x7e) c = '?';
  return out;
}

// A strict reader of the header dict numpy writes (a Python literal): {'descr': '<f4', 'fortran_order':
// False, 'shape': (17, 2), } followed by spaces and a newline.
struct Header {
  const std::string& text;
  const std::string& path;
  size_t at = 0;

  [[noreturn]] void fail(const std::string& why) const {
    bad(path, "malformed .npy header (" + why + " at byte " + std::to_string(at) + ")");
  }
  void space() {
    while (at < text.size() && (text[at] == ' ' || text[at] == '\t' || text[at] == '\n' || text[at] == '\r')) ++at;
  }
  bool take(char c) {
    space();
    if (at < text.size() && text[at] == c) return ++at, true;
    return false;
  }
  void expect(char c) {
    if (!take(c)) fail(std::string("expected '") + c + "'");
  }
  std::string string() {
    space();
    if (at >= text.size() || (text[at] != '\'' && text[at] != '"')) fail("expected a string");
    const char quote = text[at++];
    const size_t end = text.find(quote, at);
    if (end == std::string::npos || end - at > 64) fail("unterminated or long string");
    std::string s = text.substr(at, end - at);
    at = end + 1;
    if (s.find('\\') != std::string::npos) fail("escaped string");
    return s;
  }
  bool boolean() {
    space();
    for (const char* word : {"True", "False"}) {
      const size_t n = std::strlen(word);
      if (text.compare(at, n, word) == 0) return at += n, word[0] == 'T';
    }
    fail("expected True or False");
  }
  int64_t dimension() {
    space();
    const size_t first = at;
    int64_t v = 0;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
      if (!core::checked_mul(v, 10, v) || v > INT64_MAX - (text[at] - '0')) fail("a dimension larger than int64");
      v += text[at++] - '0';
    }
    if (at == first) fail("expected a non-negative integer dimension");
    return v;
  }
  std::vector<int64_t> shape() {
    expect('(');
    std::vector<int64_t> dims;
    if (take(')')) return dims;
    for (;;) {
      if (dims.size() == kMaxNpyDims) fail("more than 32 dimensions");
      dims.push_back(dimension());
      const bool comma = take(',');
      if (take(')')) {
        if (dims.size() == 1 && !comma) fail("a 1-d shape needs a trailing comma");
        return dims;
      }
      if (!comma) fail("expected ',' or ')'");
    }
  }
};

}  // namespace npy_detail

inline Array read_npy(const std::string& path) {
  using npy_detail::bad;
  std::FILE* raw = std::fopen(path.c_str(), "rb");
  if (!raw) bad(path, std::string("cannot open (") + std::strerror(errno) + ")");
  struct Closer {
    std::FILE* f;
    ~Closer() { std::fclose(f); }
  } closer{raw};
  // the file's size, before anything is read or allocated
  if (std::fseek(raw, 0, SEEK_END) != 0) bad(path, "cannot determine the file size (not a regular file?)");
  const long end = std::ftell(raw);
  if (end < 0 || std::fseek(raw, 0, SEEK_SET) != 0) bad(path, "cannot determine the file size (not a regular file?)");
  const int64_t file_size = end;
  auto read = [&](void* into, size_t bytes, const char* what) {
    if (std::fread(into, 1, bytes, raw) != bytes) bad(path, std::string("truncated .npy file (") + what + ")");
  };

  unsigned char preamble[8];
  if (file_size < 10) bad(path, "not a .npy file (" + std::to_string(file_size) + " bytes)");
  read(preamble, 8, "magic");
  if (std::memcmp(preamble, "\x93NUMPY", 6) != 0) bad(path, "not a .npy file (no \\x93NUMPY magic)");
  const int major = preamble[6], minor = preamble[7];
  if (major < 1 || major > 3 || minor != 0)
    bad(path, "unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor));
  uint32_t header_len = 0;
  const int len_bytes = major == 1 ? 2 : 4;
  unsigned char b[4] = {0, 0, 0, 0};
  read(b, static_cast<size_t>(len_bytes), "header length");
  for (int i = len_bytes - 1; i >= 0; --i) header_len = (header_len << 8) | b[i];
  const int64_t data_offset = 8 + len_bytes + static_cast<int64_t>(header_len);
  if (header_len > kMaxNpyHeader)
    bad(path, "a .npy header of " + std::to_string(header_len) + " bytes is longer than " +
                  std::to_string(kMaxNpyHeader));
  if (data_offset > file_size)
    bad(path, "truncated .npy file (a header of " + std::to_string(header_len) + " bytes in a file of " +
                  std::to_string(file_size) + ")");
  std::string header(header_len, ' ');
  if (header_len) read(&header[0], header_len, "header");

  npy_detail::Header h{header, path};
  Array a;
  bool has_descr = false, has_order = false, has_shape = false;
  h.expect('{');
  while (!h.take('}')) {
    const std::string key = h.string();
    h.expect(':');
    if (key == "descr" && !has_descr) {
      const std::string descr = h.string();
      if (descr != "<f4")
        bad(path, "expected a little-endian float32 array ('<f4'), got '" + npy_detail::printable(descr) + "'");
      has_descr = true;
    } else if (key == "fortran_order" && !has_order) {
      if (h.boolean()) bad(path, "expected a C-order array (fortran_order True)");
      has_order = true;
    } else if (key == "shape" && !has_shape) {
      a.shape = h.shape();
      has_shape = true;
    } else {
      h.fail("unexpected or repeated key '" + npy_detail::printable(key.substr(0, 32)) + "'");
    }
    if (!h.take(',')) {
      h.expect('}');
      break;
    }
  }
  h.space();
  if (h.at != header.size()) h.fail("text after the dict");
  if (!has_descr || !has_order || !has_shape) bad(path, "malformed .npy header (needs descr, fortran_order and shape)");

  // sizes: overflow-checked, then compared with the bytes the file has, before allocating
  const int64_t count = a.size();
  int64_t bytes = 0;
  if (count < 0 || !core::checked_mul(count, 4, bytes, core::max_elements(1)))
    bad(path, "the shape " + shape_str(a.shape) + " is too large (its size overflows)");
  if (bytes > file_size - data_offset)
    bad(path, "truncated data: the shape " + shape_str(a.shape) + " needs " + std::to_string(bytes) +
                  " bytes, the file has " + std::to_string(file_size - data_offset) + " after its header");
  a.data.resize(static_cast<size_t>(count));
  if (count) read(a.data.data(), static_cast<size_t>(bytes), "data");
  return a;
}

namespace npy_detail {

inline std::string npy_bytes(const Array& a) {
  std::ostringstream h;
  h << "{'descr': '<f4', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < a.shape.size(); ++i) h << a.shape[i] << (a.shape.size() == 1 || i + 1 < a.shape.size() ? ", " : "");
  h << "), }";
  std::string header = h.str();
  const size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  if (header.size() > 0xffff) throw std::runtime_error("a .npy header longer than 65535 bytes");
  std::string out("\x93NUMPY\x01\x00", 8);
  out.push_back(static_cast<char>(header.size() & 0xff));
  out.push_back(static_cast<char>(header.size() >> 8));
  return out + header;
}

// Write `files` (path -> array) each to PATH.tmp, then rename them all over their paths: either every file
// is written whole, or (on a failed write, a full disk, a failed close) none is touched and no .tmp is left.
inline void write_all(const std::vector<std::pair<std::string, const Array*>>& files) {
  std::vector<std::string> temps;
  auto cleanup = [&] {
    for (const auto& t : temps) std::remove(t.c_str());
  };
  for (const auto& [path, array] : files) {
    const int64_t count = array->size();
    if (count < 0 || static_cast<uint64_t>(count) != array->data.size())
      cleanup(), bad(path, "array data does not match its shape " + shape_str(array->shape));
    const std::string tmp = path + ".tmp";
    std::FILE* out = std::fopen(tmp.c_str(), "wb");
    if (!out) {
      const int e = errno;
      cleanup();
      bad(path, std::string("cannot write (") + std::strerror(e) + ")");
    }
    temps.push_back(tmp);
    const std::string head = npy_bytes(*array);
    const size_t data_bytes = array->data.size() * sizeof(float);
    int why = 0;  // errno of the first step that failed
    auto step = [&](bool done) {
      if (!done && !why) why = errno ? errno : EIO;
    };
    errno = 0;
    step(std::fwrite(head.data(), 1, head.size(), out) == head.size());
    if (!why && data_bytes) step(std::fwrite(array->data.data(), 1, data_bytes, out) == data_bytes);
    if (!why) step(std::fflush(out) == 0);
    step(std::fclose(out) == 0);  // always closed; a full disk may show only here
    if (why) {
      cleanup();
      bad(path, std::string("write failed (") + std::strerror(why) + "); nothing written");
    }
  }
  for (size_t i = 0; i < files.size(); ++i) {
    if (std::rename(temps[i].c_str(), files[i].first.c_str()) != 0) {
      const int e = errno;
      for (size_t k = i; k < temps.size(); ++k) std::remove(temps[k].c_str());
      bad(files[i].first, std::string("rename failed (") + std::strerror(e) + ")");
    }
  }
}

}  // namespace npy_detail

inline void write_npy(const std::string& path, const Array& a) { npy_detail::write_all({{path, &a}}); }

// Several files, all or none (see write_all).
inline void write_npys(const std::vector<std::pair<std::string, const Array*>>& files) { npy_detail::write_all(files); }

}  // namespace posynda
