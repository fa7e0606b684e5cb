#include "guardrails/checks/prompt_injection.h"

#include <algorithm>

#include "guardrails/checks/injection_patterns.h"

namespace across::guardrails {

PromptInjection::PromptInjection(CommonOptions common,
                                 std::unique_ptr<PatternSet> patterns,
                                 std::vector<std::string> ids)
    : TextGuardrail(std::move(common)),
      patterns_(std::move(patterns)),
      ids_(std::move(ids)) {}

TextOutcome PromptInjection::EvaluateText(std::string_view text,
                                          bool partial) const {
  TextOutcome out;
  std::vector<int> hits;
  patterns_->Screen(text, &hits);
  bool settled = false;
  std::string which;
  for (int hit : hits) {
    const RE2& re = patterns_->regex(static_cast<size_t>(hit));
    re2::StringPiece m;
    bool found = false;
    for (size_t pos = 0;
         pos < text.size() &&
         re.Match(Piece(text), pos, text.size(), RE2::UNANCHORED, &m, 1);) {
      const size_t begin = static_cast<size_t>(m.data() - text.data());
      const size_t end = begin + m.size();
      if (end > begin) {
        out.findings.push_back({begin, end, "PROMPT_INJECTION"});
        found = true;
        // \b at the end of a partial text may still fail.
        if (end < text.size()) settled = true;
      }
      pos = std::max(end, begin + 1);
    }
    if (found) {
      if (!which.empty()) which += ", ";
      which += ids_[static_cast<size_t>(hit)];
    }
  }
  out.satisfied = out.findings.empty();
  out.final = !partial || settled;
  out.detail = out.satisfied ? "no injection pattern found"
                             : "matches injection pattern " + which;
  return out;
}

BuildResult BuildPromptInjection(ParamReader& params, CommonOptions common) {
  ReadRoles(params, common);
  auto exclude = params.StringList("exclude", false, false);
  auto extra = params.StringList("extra_patterns", false, false);
  if (!params.ok()) return params.error();

  const auto curated = InjectionPatterns();
  for (const std::string& id : exclude.value_or(std::vector<std::string>{})) {
    if (std::none_of(curated.begin(), curated.end(),
                     [&](const InjectionPattern& p) { return p.id == id; })) {
      params.Fail("exclude", "unknown pattern id \"" + id + "\"");
      return params.error();
    }
  }
  RE2::Options options;
  options.set_log_errors(false);
  auto set = std::make_unique<PatternSet>(options);
  std::vector<std::string> ids;
  for (const InjectionPattern& p : curated) {
    if (exclude &&
        std::find(exclude->begin(), exclude->end(), p.id) != exclude->end()) {
      continue;
    }
    const std::string error = set->Add(p.pattern);
    if (!error.empty()) {
      params.Fail("curated/" + std::string(p.id), error);  // a bug, not config
      return params.error();
    }
    ids.emplace_back(p.id);
  }
  const std::vector<std::string> extras =
      extra.value_or(std::vector<std::string>{});
  for (size_t i = 0; i < extras.size(); ++i) {
    const std::string error = set->Add(extras[i]);
    if (!error.empty()) {
      params.Fail("extra_patterns[" + std::to_string(i) + "]",
                  "invalid regex: " + error);
      return params.error();
    }
    ids.push_back("extra_" + std::to_string(i));
  }
  if (ids.empty()) {
    params.Fail("exclude", "excludes every pattern");
    return params.error();
  }
  if (const std::string error = set->Compile(); !error.empty()) {
    params.Fail("extra_patterns", error);
    return params.error();
  }
  return Finish<PromptInjection>(params, std::move(common), std::move(set),
                                 std::move(ids));
}

}  // namespace across::guardrails
