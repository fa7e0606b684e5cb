// ASCII case-insensitive comparison for protocol tokens (header names,
// enum-like values). boost::algorithm::iequals consults the locale on every
// call, which showed up at ~5% of a request's instructions.
#pragma once

#include <string_view>

namespace across {

constexpr char AsciiLower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

constexpr bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

}  // namespace across
