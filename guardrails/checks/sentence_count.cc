#include "guardrails/checks/sentence_count.h"

#include "guardrails/text_stats.h"

namespace across::guardrails {

SentenceCount::SentenceCount(CommonOptions common, CountRange range)
    : TextGuardrail(std::move(common)), range_(range) {}

TextOutcome SentenceCount::EvaluateText(std::string_view text,
                                        bool partial) const {
  const auto n = static_cast<int64_t>(CountSentences(text));
  TextOutcome out;
  out.satisfied = range_.Contains(n);
  // More text never lowers the count, so only "too many" is settled early.
  out.final = !partial || range_.AboveMax(n);
  out.detail = range_.Describe(n, "sentence");
  return out;
}

BuildResult BuildSentenceCount(ParamReader& params, CommonOptions common) {
  ReadRoles(params, common);
  CountRange range = CountRange::Read(params);
  if (!params.ok()) return params.error();
  return Finish<SentenceCount>(params, std::move(common), range);
}

}  // namespace across::guardrails
