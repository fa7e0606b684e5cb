#include "guardrails/checks/model_allowlist.h"

namespace across::guardrails {

bool GlobMatch(std::string_view pattern, std::string_view text) {
  // Iterative wildcard match with single backtrack point: linear in
  // practice, no recursion.
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

ModelAllowlist::ModelAllowlist(CommonOptions common,
                               std::vector<std::string> models)
    : RequestGuardrail(std::move(common)), models_(std::move(models)) {}

RequestOutcome ModelAllowlist::EvaluateRequest(
    const GuardrailInput& input) const {
  RequestOutcome out;
  out.satisfied = false;
  for (const std::string& m : models_) {
    if (GlobMatch(m, input.model)) {
      out.satisfied = true;
      break;
    }
  }
  out.detail = "model " + Quote(input.model) +
               (out.satisfied ? " is in the list" : " is not in the list");
  return out;
}

BuildResult BuildModelAllowlist(ParamReader& params, CommonOptions common) {
  auto models = params.StringList("models", true, true);
  if (!params.ok()) return params.error();
  return Finish<ModelAllowlist>(params, std::move(common), std::move(*models));
}

}  // namespace across::guardrails
