// Base for checks that look at text (everything except the request-fact
// checks and webhook). A subclass only answers "does this one text satisfy
// the condition?"; this base applies it to each message (filtered by
// `roles`), inverts it for `not`, names the failing messages, masks what
// was found, and performs redaction.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "guardrails/guardrail.h"

namespace across::guardrails {

// A span the check found (for matches and redaction).
struct Finding {
  size_t begin = 0;
  size_t end = 0;
  std::string label;  // Match label and placeholder label
};

struct TextOutcome {
  // The check's condition, before `not` ("matches the rule", "has at most
  // 100 words", "contains no PII").
  bool satisfied = true;
  // Partial (streaming) text only: whether more text could change
  // `satisfied`. Ignored for complete text.
  bool final = true;
  // What was observed, phrased to read well after "message 2 (user): ",
  // e.g. "has 120 words (max 100)". Neutral, so it reads right under `not`.
  std::string detail;
  std::vector<Finding> findings;
};

class TextGuardrail : public Guardrail {
 public:
  using Guardrail::Guardrail;

 protected:
  virtual TextOutcome EvaluateText(std::string_view text,
                                   bool partial) const = 0;

 private:
  void Evaluate(const GuardrailInput& input,
                GuardrailResult& result) const final;
};

}  // namespace across::guardrails
