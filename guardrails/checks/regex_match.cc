#include "guardrails/checks/regex_match.h"

#include "guardrails/pattern_set.h"
#include "guardrails/unicode.h"

namespace across::guardrails {

RegexMatch::RegexMatch(CommonOptions common, std::unique_ptr<RE2> rule,
                       std::string redact_label)
    : TextGuardrail(std::move(common)),
      rule_(std::move(rule)),
      label_(std::move(redact_label)) {}

TextOutcome RegexMatch::EvaluateText(std::string_view text,
                                     bool partial) const {
  TextOutcome out;
  const re2::StringPiece whole = Piece(text);
  re2::StringPiece m;
  bool matched = false;
  bool settled = false;  // a match that more text cannot undo
  size_t pos = 0;
  while (pos <= text.size() &&
         rule_->Match(whole, pos, text.size(), RE2::UNANCHORED, &m, 1)) {
    const size_t begin = static_cast<size_t>(m.data() - text.data());
    const size_t end = begin + m.size();
    matched = true;
    // Assertions like \b and $ look one character past a match, so one
    // touching the end of a partial text may still disappear.
    if (end < text.size()) settled = true;
    if (end > begin) out.findings.push_back({begin, end, label_});
    // Step past empty matches by a whole code point.
    pos = end > begin ? end
                      : end + std::max<size_t>(1, DecodeAt(text, end).length);
  }
  out.satisfied = matched;
  out.final = !partial || settled;
  out.detail = (matched ? "matches /" : "does not match /") +
               rule_->pattern().substr(0, 80) + "/";
  return out;
}

BuildResult BuildRegexMatch(ParamReader& params, CommonOptions common) {
  ReadRoles(params, common);
  const std::string rule = params.RequiredString("rule");
  const bool case_insensitive = params.Bool("case_insensitive", false);
  std::string label = ReadRedactLabel(params, "REDACTED");
  if (!params.ok()) return params.error();
  RE2::Options options;
  options.set_log_errors(false);
  options.set_case_sensitive(!case_insensitive);
  auto re = std::make_unique<RE2>(Piece(rule), options);
  if (!re->ok()) {
    params.Fail("rule", "invalid regex: " + re->error());
    return params.error();
  }
  return Finish<RegexMatch>(params, std::move(common), std::move(re),
                            std::move(label));
}

}  // namespace across::guardrails
