#include "guardrails/checks/word_count.h"

#include "guardrails/text_stats.h"

namespace across::guardrails {

WordCount::WordCount(CommonOptions common, CountRange range)
    : TextGuardrail(std::move(common)), range_(range) {}

TextOutcome WordCount::EvaluateText(std::string_view text, bool partial) const {
  const auto n = static_cast<int64_t>(CountWords(text));
  TextOutcome out;
  out.satisfied = range_.Contains(n);
  // More text never lowers the count, so only "too many" is settled early.
  out.final = !partial || range_.AboveMax(n);
  out.detail = range_.Describe(n, "word");
  return out;
}

BuildResult BuildWordCount(ParamReader& params, CommonOptions common) {
  ReadRoles(params, common);
  CountRange range = CountRange::Read(params);
  if (!params.ok()) return params.error();
  return Finish<WordCount>(params, std::move(common), range);
}

}  // namespace across::guardrails
