// word_count: the number of words must lie within [min, max] (Portkey's
// wordCount). Words as defined by CountWords in text_stats.h.
//
// params: min, max (at least one), roles, not
#pragma once

#include "guardrails/checks/builder.h"
#include "guardrails/checks/count_range.h"
#include "guardrails/text_guardrail.h"

namespace across::guardrails {

class WordCount : public TextGuardrail {
 public:
  WordCount(CommonOptions common, CountRange range);

 protected:
  TextOutcome EvaluateText(std::string_view text, bool partial) const override;

 private:
  CountRange range_;
};

BuildResult BuildWordCount(ParamReader& params, CommonOptions common);

}  // namespace across::guardrails
