// Per-request placeholder state for redaction. The same value always gets
// the same placeholder within one request ("[EMAIL_1]" in the system
// message and again in the third user message), so the model can still
// tell that two mentions refer to one thing; distinct values count up
// per label. Create one per request and pass it to every redacting check,
// input and output, so numbering stays consistent across both.
//
// Not thread-safe: a request is handled on one thread at a time.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace across::guardrails::pii {

// A span of text to replace, labelled with the placeholder's label.
struct RedactSpan {
  size_t begin = 0;
  size_t end = 0;
  std::string_view label;  // "EMAIL", "REDACTED", ...
};

class Redactor {
 public:
  // "[LABEL_n]" for `value`. Values are compared after light normalisation
  // (emails case-folded, card/SSN/phone/IBAN separators dropped), so
  // "4111 1111 1111 1111" and "4111111111111111" share a placeholder.
  std::string Placeholder(std::string_view label, std::string_view value);

  // `text` with each span replaced by its placeholder. Spans must be sorted
  // and non-overlapping; placeholders are assigned in span order.
  std::string Apply(std::string_view text,
                    const std::vector<RedactSpan>& spans);

  // Number of distinct values redacted so far.
  size_t size() const { return placeholders_.size(); }

 private:
  std::map<std::string, std::string, std::less<>> placeholders_;
  std::map<std::string, int, std::less<>> counters_;
};

}  // namespace across::guardrails::pii
