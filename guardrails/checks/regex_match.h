// regex_match: the text must match an RE2 pattern (Portkey's regexMatch).
// With not=true the text must *not* match; that form can also redact the
// matches ("[REDACTED_1]").
//
// params: rule (RE2 syntax, required), case_insensitive (false),
//         redact_label ("REDACTED"), roles, not
#pragma once

#include <re2/re2.h>

#include <memory>
#include <string>

#include "guardrails/checks/builder.h"
#include "guardrails/text_guardrail.h"

namespace across::guardrails {

class RegexMatch : public TextGuardrail {
 public:
  RegexMatch(CommonOptions common, std::unique_ptr<RE2> rule,
             std::string redact_label);

  // Redaction removes what matched, so the check must fail on a match.
  bool CanRedact() const override { return negated(); }

 protected:
  TextOutcome EvaluateText(std::string_view text, bool partial) const override;

 private:
  std::unique_ptr<RE2> rule_;
  std::string label_;
};

BuildResult BuildRegexMatch(ParamReader& params, CommonOptions common);

}  // namespace across::guardrails
