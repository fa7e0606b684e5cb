#include "guardrails/checks/letter_case.h"

#include "guardrails/pattern_set.h"

namespace across::guardrails {

LetterCase::LetterCase(CommonOptions common, bool upper)
    : TextGuardrail(std::move(common)),
      upper_(upper),
      // Titlecase letters (Lt, e.g. "ǅ") count as the wrong case for both.
      wrong_case_(upper ? "[\\p{Ll}\\p{Lt}]" : "[\\p{Lu}\\p{Lt}]") {}

TextOutcome LetterCase::EvaluateText(std::string_view text,
                                     bool partial) const {
  TextOutcome out;
  const bool wrong = RE2::PartialMatch(Piece(text), wrong_case_);
  out.satisfied = !wrong;
  // One wrong letter is enough and stays wrong.
  out.final = !partial || wrong;
  const char* other = upper_ ? "lower-case" : "upper-case";
  out.detail = std::string(wrong ? "has " : "has no ") + other + " letters";
  return out;
}

BuildResult BuildUppercase(ParamReader& params, CommonOptions common) {
  ReadRoles(params, common);
  return Finish<LetterCase>(params, std::move(common), true);
}

BuildResult BuildLowercase(ParamReader& params, CommonOptions common) {
  ReadRoles(params, common);
  return Finish<LetterCase>(params, std::move(common), false);
}

}  // namespace across::guardrails
