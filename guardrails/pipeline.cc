#include "guardrails/pipeline.h"

#include "guardrails/async.h"

namespace across::guardrails {

boost::json::array StageOutcome::ResultsJson() const {
  boost::json::array out;
  for (const GuardrailResult& r : results) out.push_back(r.ToJson());
  return out;
}

StageRun::StageRun(const GuardrailList& list, GuardrailInput input)
    : list_(list), input_(std::move(input)) {}

const Guardrail* StageRun::Next() const {
  if (outcome_.denied || next_ >= list_.size()) return nullptr;
  return list_[next_].get();
}

void StageRun::ApplyRedaction(const RedactedText& redacted) {
  // std::map nodes are stable, so the view stays valid as more are added.
  std::string& owned = outcome_.redacted[redacted.message_index];
  owned = redacted.text;
  for (TextItem& item : input_.texts) {
    if (item.index == redacted.message_index) item.text = owned;
  }
}

void StageRun::Record(GuardrailResult result) {
  ++next_;
  if (result.passed() || !result.final) {
    outcome_.results.push_back(std::move(result));
    return;
  }
  switch (result.action) {
    case Action::kDeny:
      outcome_.denied = true;
      outcome_.denied_by = outcome_.results.size();
      break;
    case Action::kFlag:
      outcome_.flagged = true;
      break;
    case Action::kRedact:
      if (result.redacted.empty()) outcome_.flagged = true;
      for (const RedactedText& r : result.redacted) ApplyRedaction(r);
      break;
  }
  outcome_.results.push_back(std::move(result));
}

const Guardrail* StageRun::RunSync() {
  while (const Guardrail* g = Next()) {
    if (g->async() != nullptr) return g;
    Record(g->Check(input_));
  }
  return nullptr;
}

StageOutcome StageRun::Finish() { return std::move(outcome_); }

}  // namespace across::guardrails
