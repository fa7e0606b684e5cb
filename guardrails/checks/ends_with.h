// ends_with: the text, ignoring trailing whitespace, must end with a suffix
// (Portkey's endsWith).
//
// params: suffix (required), case_sensitive (true), roles, not
#pragma once

#include <re2/re2.h>

#include <memory>
#include <string>

#include "guardrails/checks/builder.h"
#include "guardrails/text_guardrail.h"

namespace across::guardrails {

class EndsWith : public TextGuardrail {
 public:
  EndsWith(CommonOptions common, std::string suffix, bool case_sensitive);

 protected:
  TextOutcome EvaluateText(std::string_view text, bool partial) const override;

 private:
  std::string suffix_;
  std::unique_ptr<RE2> folded_;  // case-insensitive form, or null
};

BuildResult BuildEndsWith(ParamReader& params, CommonOptions common);

}  // namespace across::guardrails
