// max_tokens_cap: rejects requests asking for more than `max` output tokens
// (max_completion_tokens, else max_tokens). A request that sets neither
// passes unless `require` is true: the provider default then applies, which
// the gateway cannot see.
//
// params: max (required, >= 1), require (false), not
#pragma once

#include <cstdint>

#include "guardrails/checks/builder.h"
#include "guardrails/request_guardrail.h"

namespace across::guardrails {

class MaxTokensCap : public RequestGuardrail {
 public:
  MaxTokensCap(CommonOptions common, int64_t max, bool require);

 protected:
  RequestOutcome EvaluateRequest(const GuardrailInput& input) const override;

 private:
  int64_t max_;
  bool require_;
};

BuildResult BuildMaxTokensCap(ParamReader& params, CommonOptions common);

}  // namespace across::guardrails
