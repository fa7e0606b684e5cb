#include "guardrails/request_guardrail.h"

namespace across::guardrails {

void RequestGuardrail::Evaluate(const GuardrailInput& input,
                                GuardrailResult& result) const {
  RequestOutcome outcome = EvaluateRequest(input);
  result.verdict =
      outcome.satisfied != negated() ? Verdict::kPass : Verdict::kFail;
  result.explanation = std::move(outcome.detail);
  if (negated()) result.explanation += " [inverted by not]";
}

}  // namespace across::guardrails
