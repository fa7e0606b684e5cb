#include "guardrails/mask.h"

#include "guardrails/unicode.h"

namespace across::guardrails {

std::string MaskValue(std::string_view value) {
  if (CountCodePoints(value) < 4) return "***";
  CodePoint first = DecodeAt(value, 0);
  CodePoint last = DecodeBefore(value, value.size());
  std::string out(value.substr(0, first.length));
  out += "***";
  out += value.substr(value.size() - last.length);
  return out;
}

std::string MaskEmail(std::string_view email) {
  const size_t at = email.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= email.size()) {
    return MaskValue(email);
  }
  std::string_view domain = email.substr(at + 1);
  const size_t dot = domain.rfind('.');
  std::string out;
  out += email.substr(0, DecodeAt(email, 0).length);
  out += "***@";
  out += domain.substr(0, DecodeAt(domain, 0).length);
  out += "***";
  // The top-level domain is not identifying and helps triage.
  if (dot != std::string_view::npos && dot > 0) out += domain.substr(dot);
  return out;
}

std::string MaskFor(std::string_view label, std::string_view value) {
  if (label == "EMAIL") return MaskEmail(value);
  return MaskValue(value);
}

}  // namespace across::guardrails
