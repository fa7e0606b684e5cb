// sentence_count: the number of sentences must lie within [min, max]
// (Portkey's sentenceCount). Sentences as defined by CountSentences in
// text_stats.h.
//
// params: min, max (at least one), roles, not
#pragma once

#include "guardrails/checks/builder.h"
#include "guardrails/checks/count_range.h"
#include "guardrails/text_guardrail.h"

namespace across::guardrails {

class SentenceCount : public TextGuardrail {
 public:
  SentenceCount(CommonOptions common, CountRange range);

 protected:
  TextOutcome EvaluateText(std::string_view text, bool partial) const override;

 private:
  CountRange range_;
};

BuildResult BuildSentenceCount(ParamReader& params, CommonOptions common);

}  // namespace across::guardrails
