// Values printed as Python prints them (repr of a float, of a str, %g), so that a refusal of the C library
// reads exactly like the Python runtime's for the same file or call ("got 1e-07", "got 'abc'"). Locale-free.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>

namespace posynda::core {

// repr(float(x)): the shortest digits that round-trip, fixed notation for exponents in [-4, 16), else
// d.ddde+XX ("1e-07", "0.0001", "1000.0", "1e+16", "nan", "-inf").
inline std::string py_float(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x < 0 ? "-inf" : "inf";
  if (x == 0) return std::signbit(x) ? "-0.0" : "0.0";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific);  // shortest round trip
  std::string sci(buf, r.ptr);
  std::string sign;
  if (sci[0] == '-') sign = "-", sci.erase(0, 1);
  const size_t e_at = sci.find('e');
  std::string digits = sci.substr(0, e_at);
  const int exponent = std::stoi(sci.substr(e_at + 1));
  if (digits.size() > 1) digits.erase(1, 1);  // drop the '.'
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  if (exponent < -4 || exponent >= 16) {
    std::string out = sign + digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char e[16];
    std::snprintf(e, sizeof e, "e%c%02d", exponent < 0 ? '-' : '+', exponent < 0 ? -exponent : exponent);
    return out + e;
  }
  if (exponent < 0) return sign + "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
  const size_t point = static_cast<size_t>(exponent) + 1;
  if (digits.size() <= point) return sign + digits + std::string(point - digits.size(), '0') + ".0";
  return sign + digits.substr(0, point) + "." + digits.substr(point);
}

// '%g' % x for the bounds in messages ("1", "1e+07", "100").
inline std::string py_g(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

// The first `n` characters (code points of UTF-8 text) of s: Python's s[:n].
inline std::string py_prefix(const std::string& s, size_t n) {
  size_t chars = 0, i = 0;
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (chars == n) break;
      ++chars;
    }
  }
  return s.substr(0, i);
}

// repr(str): single quotes unless the text has ' and no ", backslash escapes for the quote, \\, \t, \n,
// \r and other control characters (\xNN); other characters as they are.
inline std::string py_str(const std::string& s) {
  const bool has_single = s.find('\'') != std::string::npos, has_double = s.find('"') != std::string::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (unsigned char c : s) {
    if (c == static_cast<unsigned char>(quote) || c == '\\') out += '\\', out += static_cast<char>(c);
    else if (c == '\t') out += "\\t";
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c < 0x20 || c == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + quote;
}

// " ".join(text.split()): one line, runs of whitespace and control characters as one space.
inline std::string one_line(const std::string& text) {
  std::string out;
  bool space = false;
  for (unsigned char c : text) {
    if (c <= 0x20 || c == 0x7f) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ', space = false;
    out += static_cast<char>(c);
  }
  return out;
}

}  // namespace posynda::core
