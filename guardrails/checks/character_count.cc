#include "guardrails/checks/character_count.h"

#include "guardrails/unicode.h"

namespace across::guardrails {

CharacterCount::CharacterCount(CommonOptions common, CountRange range)
    : TextGuardrail(std::move(common)), range_(range) {}

TextOutcome CharacterCount::EvaluateText(std::string_view text,
                                         bool partial) const {
  const auto n = static_cast<int64_t>(CountCodePoints(text));
  TextOutcome out;
  out.satisfied = range_.Contains(n);
  // More text never lowers the count, so only "too many" is settled early.
  out.final = !partial || range_.AboveMax(n);
  out.detail = range_.Describe(n, "character");
  return out;
}

BuildResult BuildCharacterCount(ParamReader& params, CommonOptions common) {
  ReadRoles(params, common);
  CountRange range = CountRange::Read(params);
  if (!params.ok()) return params.error();
  return Finish<CharacterCount>(params, std::move(common), range);
}

}  // namespace across::guardrails
