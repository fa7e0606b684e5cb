// uppercase / lowercase: every cased letter must be upper-case (resp.
// lower-case), in any script (Unicode Lu / Ll). Text without letters
// passes, as in Portkey (text == text.toUpperCase()).
//
// params: roles, not
#pragma once

#include <re2/re2.h>

#include "guardrails/checks/builder.h"
#include "guardrails/text_guardrail.h"

namespace across::guardrails {

class LetterCase : public TextGuardrail {
 public:
  LetterCase(CommonOptions common, bool upper);

 protected:
  TextOutcome EvaluateText(std::string_view text, bool partial) const override;

 private:
  bool upper_;
  RE2 wrong_case_;  // a letter of the other case
};

BuildResult BuildUppercase(ParamReader& params, CommonOptions common);
BuildResult BuildLowercase(ParamReader& params, CommonOptions common);

}  // namespace across::guardrails
