// contains: checks for words or phrases (Portkey's contains).
//   operator any  - at least one of the words occurs
//   operator all  - every word occurs
//   operator none - no word occurs (can redact the occurrences)
// Matching is case-insensitive by default (Unicode case folding) and
// respects word boundaries in any script ("cat" does not match "category";
// "café" is found before "!"; in scripts written without spaces, such as
// Chinese or Thai, there are no boundaries to check). A word that starts or
// ends with punctuation
// ("c++", "$100") is not boundary-checked on that side.
//
// params: words (required), operator ("any"), case_sensitive (false),
//         word_boundary (true), redact_label ("REDACTED"), roles, not
#pragma once

#include <re2/re2.h>

#include <memory>
#include <string>
#include <vector>

#include "guardrails/checks/builder.h"
#include "guardrails/text_guardrail.h"

namespace across::guardrails {

class Contains : public TextGuardrail {
 public:
  enum class Operator { kAny, kAll, kNone };

  Contains(CommonOptions common, std::vector<std::string> words, Operator op,
           bool case_sensitive, bool word_boundary, std::string redact_label);

  bool CanRedact() const override;

 protected:
  TextOutcome EvaluateText(std::string_view text, bool partial) const override;

 private:
  std::vector<std::string> words_;
  std::vector<std::unique_ptr<RE2>> word_res_;  // one per word, anchored use
  std::unique_ptr<RE2> any_;                    // all words, to find starts
  Operator op_;
  bool word_boundary_;
  std::string label_;
};

BuildResult BuildContains(ParamReader& params, CommonOptions common);

}  // namespace across::guardrails
