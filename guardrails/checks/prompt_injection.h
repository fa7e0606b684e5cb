// prompt_injection: fails when the text contains a known injection or
// jailbreak phrasing (the curated set in injection_patterns.cc, screened in
// one pass with RE2::Set). Pattern matching catches the common, copy-pasted
// attacks cheaply; it does not catch paraphrases, other languages or
// obfuscation (zero-width characters, homoglyphs, base64), for which a
// classifier behind `webhook` is the tool.
//
// params: exclude (pattern ids to drop), extra_patterns (RE2 patterns to
//         add, ids "extra_0", ...), roles, not
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "guardrails/checks/builder.h"
#include "guardrails/pattern_set.h"
#include "guardrails/text_guardrail.h"

namespace across::guardrails {

class PromptInjection : public TextGuardrail {
 public:
  PromptInjection(CommonOptions common, std::unique_ptr<PatternSet> patterns,
                  std::vector<std::string> ids);

  // Redaction replaces each phrase with [PROMPT_INJECTION_n].
  bool CanRedact() const override { return !negated(); }

 protected:
  TextOutcome EvaluateText(std::string_view text, bool partial) const override;

 private:
  std::unique_ptr<PatternSet> patterns_;
  std::vector<std::string> ids_;
};

BuildResult BuildPromptInjection(ParamReader& params, CommonOptions common);

}  // namespace across::guardrails
