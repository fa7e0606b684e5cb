#include "guardrails/pii/validators.h"

#include <arpa/inet.h>

#include <array>
#include <string>

namespace across::guardrails::pii {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsHex(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Digits of `s` with separators removed; "" if a separator other than
// `allowed` appears or two different separators are mixed.
std::string DigitsWithOneSeparator(std::string_view s,
                                   std::string_view allowed) {
  std::string digits;
  char sep = 0;
  for (char c : s) {
    if (IsDigit(c)) {
      digits.push_back(c);
    } else if (allowed.find(c) != std::string_view::npos &&
               (sep == 0 || sep == c)) {
      sep = c;
    } else {
      return "";
    }
  }
  return digits;
}

int Prefix(std::string_view digits, size_t n) {
  int v = 0;
  for (size_t i = 0; i < n && i < digits.size(); ++i)
    v = v * 10 + (digits[i] - '0');
  return v;
}

bool KnownIssuer(std::string_view d) {
  const size_t len = d.size();
  const int p1 = Prefix(d, 1), p2 = Prefix(d, 2), p3 = Prefix(d, 3),
            p4 = Prefix(d, 4), p6 = Prefix(d, 6);
  if (p1 == 4) return len == 13 || len == 16 || len == 19;  // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) {
    return len == 16;  // Mastercard
  }
  if (p2 == 34 || p2 == 37) return len == 15;  // Amex
  if ((p3 >= 300 && p3 <= 305) || p2 == 36 || p2 == 38 || p2 == 39) {
    return len >= 14 && len <= 19;  // Diners
  }
  if (p4 >= 3528 && p4 <= 3589) return len >= 16 && len <= 19;  // JCB
  if (p4 == 6011 || (p3 >= 644 && p3 <= 649) || p2 == 65 ||
      (p6 >= 622126 && p6 <= 622925)) {
    return len >= 16 && len <= 19;  // Discover
  }
  if (p2 == 62) return len >= 16 && len <= 19;  // UnionPay
  if (p2 == 50 || (p2 >= 56 && p2 <= 69)) {
    return len >= 12 && len <= 19;  // Maestro
  }
  return false;
}

struct IbanCountry {
  char code[3];
  int length;
};

// SWIFT IBAN registry lengths.
constexpr IbanCountry kIbanCountries[] = {
    {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20},
    {"BE", 16}, {"BG", 22}, {"BH", 22}, {"BI", 27}, {"BR", 29}, {"BY", 28},
    {"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24}, {"DE", 22}, {"DJ", 27},
    {"DK", 18}, {"DO", 28}, {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18},
    {"FK", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22}, {"GE", 22}, {"GI", 23},
    {"GL", 18}, {"GR", 27}, {"GT", 28}, {"HR", 21}, {"HU", 28}, {"IE", 22},
    {"IL", 23}, {"IQ", 23}, {"IS", 26}, {"IT", 27}, {"JO", 30}, {"KW", 30},
    {"KZ", 20}, {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20},
    {"LV", 21}, {"LY", 25}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19},
    {"MN", 20}, {"MR", 27}, {"MT", 31}, {"MU", 30}, {"NL", 18}, {"NO", 15},
    {"OM", 23}, {"PK", 24}, {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29},
    {"RO", 24}, {"RS", 22}, {"RU", 33}, {"SA", 24}, {"SC", 31}, {"SD", 18},
    {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"SO", 23}, {"ST", 25},
    {"SV", 28}, {"TL", 23}, {"TN", 24}, {"TR", 26}, {"UA", 29}, {"VA", 22},
    {"VG", 24}, {"XK", 20},
};

int IbanLength(std::string_view country) {
  for (const auto& c : kIbanCountries) {
    if (country == std::string_view(c.code, 2)) return c.length;
  }
  return 0;
}

}  // namespace

bool LuhnValid(std::string_view digits) {
  if (digits.empty()) return false;
  int sum = 0;
  bool twice = false;
  for (size_t i = digits.size(); i-- > 0;) {
    if (!IsDigit(digits[i])) return false;
    int d = digits[i] - '0';
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

bool CardNumberValid(std::string_view candidate) {
  const std::string digits = DigitsWithOneSeparator(candidate, " -");
  if (digits.size() < 12 || digits.size() > 19) return false;
  // All-same-digit runs pass Luhn for some lengths and are never cards.
  if (digits.find_first_not_of(digits[0]) == std::string::npos) return false;
  return KnownIssuer(digits) && LuhnValid(digits);
}

bool IbanValid(std::string_view candidate) {
  std::string compact;
  for (char c : candidate) {
    if (c == ' ') continue;
    if (!IsDigit(c) && !IsUpper(c)) return false;
    compact.push_back(c);
  }
  if (compact.size() < 15 || !IsUpper(compact[0]) || !IsUpper(compact[1]) ||
      !IsDigit(compact[2]) || !IsDigit(compact[3])) {
    return false;
  }
  if (static_cast<int>(compact.size()) != IbanLength(compact.substr(0, 2))) {
    return false;
  }
  // Rearranged (country + check digits moved to the end), letters as
  // 10..35, remainder taken digit by digit to stay in an int.
  int rem = 0;
  for (size_t i = 0; i < compact.size(); ++i) {
    const char c = compact[(i + 4) % compact.size()];
    if (IsDigit(c)) {
      rem = (rem * 10 + (c - '0')) % 97;
    } else {
      rem = (rem * 100 + (c - 'A' + 10)) % 97;
    }
  }
  return rem == 1;
}

bool UsSsnValid(std::string_view s) {
  if (s.size() != 11 || s[3] != s[6] || (s[3] != '-' && s[3] != ' ')) {
    return false;
  }
  for (size_t i : {0, 1, 2, 4, 5, 7, 8, 9, 10}) {
    if (!IsDigit(s[i])) return false;
  }
  const int area = Prefix(s, 3);
  const int group = Prefix(s.substr(4), 2);
  const int serial = Prefix(s.substr(7), 4);
  return area != 0 && area != 666 && area < 900 && group != 0 && serial != 0;
}

bool Ipv4Valid(std::string_view s) {
  int octets = 0;
  size_t i = 0;
  while (i <= s.size()) {
    size_t j = i;
    while (j < s.size() && IsDigit(s[j])) ++j;
    const size_t len = j - i;
    if (len == 0 || len > 3 || (len > 1 && s[i] == '0')) return false;
    if (Prefix(s.substr(i), len) > 255) return false;
    ++octets;
    if (j == s.size()) break;
    if (s[j] != '.') return false;
    i = j + 1;
  }
  return octets == 4;
}

bool Ipv6Valid(std::string_view s) {
  if (s.size() > 45) return false;
  const std::string copy(s);
  unsigned char buf[16];
  if (inet_pton(AF_INET6, copy.c_str(), buf) != 1) return false;
  int groups = 0;
  bool digit = false;
  bool in_group = false;
  for (char c : s) {
    if (IsDigit(c)) digit = true;
    if (IsHex(c) || c == '.') {
      if (!in_group) ++groups;
      in_group = true;
    } else {
      in_group = false;
    }
  }
  return groups >= 2 && digit;
}

bool EmailValid(std::string_view s) {
  if (s.size() > 254) return false;
  const size_t at = s.find('@');
  if (at == std::string_view::npos || at == 0 || at > 64) return false;
  const std::string_view local = s.substr(0, at);
  if (local.front() == '.' || local.back() == '.' ||
      local.find("..") != std::string_view::npos) {
    return false;
  }
  std::string_view domain = s.substr(at + 1);
  int labels = 0;
  while (!domain.empty()) {
    const size_t dot = domain.find('.');
    const std::string_view label = domain.substr(0, dot);
    if (label.empty() || label.size() > 63 || label.front() == '-' ||
        label.back() == '-') {
      return false;
    }
    ++labels;
    if (dot == std::string_view::npos) break;
    domain.remove_prefix(dot + 1);
  }
  return labels >= 2;
}

bool PhoneValid(std::string_view s) {
  std::string digits;
  for (char c : s) {
    if (IsDigit(c)) digits.push_back(c);
  }
  if (!s.empty() && s.front() == '+') {
    return digits.size() >= 8 && digits.size() <= 15 && digits[0] != '0';
  }
  if (!digits.empty() && digits[0] == '0') {
    return digits.size() >= 9 && digits.size() <= 11;
  }
  std::string_view national = digits;
  if (national.size() == 11 && national[0] == '1') national.remove_prefix(1);
  if (national.size() != 10) return false;
  return national[0] >= '2' && national[3] >= '2';
}

bool LooksRandom(std::string_view body) {
  bool digit = false, upper = false, lower = false;
  for (char c : body) {
    digit |= IsDigit(c);
    upper |= IsUpper(c);
    lower |= IsLower(c);
  }
  return digit && upper && lower;
}

}  // namespace across::guardrails::pii
