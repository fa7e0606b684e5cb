// Base for checks on request facts rather than text (model_allowlist,
// required_metadata_keys, max_tokens_cap): one condition per request,
// inverted by `not`.
#pragma once

#include <string>

#include "guardrails/guardrail.h"

namespace across::guardrails {

struct RequestOutcome {
  bool satisfied = true;  // before `not`
  std::string detail;     // e.g. "model \"gpt-4o\" is in the allowlist"
};

class RequestGuardrail : public Guardrail {
 public:
  using Guardrail::Guardrail;

 protected:
  virtual RequestOutcome EvaluateRequest(const GuardrailInput& input) const = 0;

 private:
  void Evaluate(const GuardrailInput& input,
                GuardrailResult& result) const final;
};

}  // namespace across::guardrails
