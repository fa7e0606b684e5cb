#include "guardrails/pii/redactor.h"

#include <cctype>

namespace across::guardrails::pii {
namespace {

std::string IdentityKey(std::string_view label, std::string_view value) {
  std::string key(label);
  key.push_back('\0');
  if (label == "EMAIL") {
    for (char c : value) key.push_back(static_cast<char>(std::tolower(c)));
  } else if (label == "CREDIT_CARD" || label == "US_SSN" || label == "PHONE" ||
             label == "IBAN") {
    for (char c : value) {
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '+') {
        key.push_back(c);
      }
    }
  } else {
    key.append(value);
  }
  return key;
}

}  // namespace

std::string Redactor::Placeholder(std::string_view label,
                                  std::string_view value) {
  std::string key = IdentityKey(label, value);
  auto it = placeholders_.find(key);
  if (it != placeholders_.end()) return it->second;
  auto counter = counters_.find(label);
  if (counter == counters_.end()) {
    counter = counters_.emplace(std::string(label), 0).first;
  }
  std::string placeholder =
      "[" + std::string(label) + "_" + std::to_string(++counter->second) + "]";
  placeholders_.emplace(std::move(key), placeholder);
  return placeholder;
}

std::string Redactor::Apply(std::string_view text,
                            const std::vector<RedactSpan>& spans) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  for (const RedactSpan& span : spans) {
    if (span.begin < pos || span.end > text.size()) continue;  // defensive
    out.append(text.substr(pos, span.begin - pos));
    out +=
        Placeholder(span.label, text.substr(span.begin, span.end - span.begin));
    pos = span.end;
  }
  out.append(text.substr(pos));
  return out;
}

}  // namespace across::guardrails::pii
