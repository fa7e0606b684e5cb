// character_count: the number of characters (Unicode code points, not
// bytes) must lie within [min, max] (Portkey's characterCount).
//
// params: min, max (at least one), roles, not
#pragma once

#include "guardrails/checks/builder.h"
#include "guardrails/checks/count_range.h"
#include "guardrails/text_guardrail.h"

namespace across::guardrails {

class CharacterCount : public TextGuardrail {
 public:
  CharacterCount(CommonOptions common, CountRange range);

 protected:
  TextOutcome EvaluateText(std::string_view text, bool partial) const override;

 private:
  CountRange range_;
};

BuildResult BuildCharacterCount(ParamReader& params, CommonOptions common);

}  // namespace across::guardrails
