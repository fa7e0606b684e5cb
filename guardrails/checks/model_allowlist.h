// model_allowlist: the requested model must be in a list (Portkey's
// modelWhitelist). Entries may use '*' as a wildcard ("gpt-4o*",
// "*-mini"); matching is exact otherwise. With not=true it is a denylist.
//
// params: models (required), not
#pragma once

#include <string>
#include <vector>

#include "guardrails/checks/builder.h"
#include "guardrails/request_guardrail.h"

namespace across::guardrails {

class ModelAllowlist : public RequestGuardrail {
 public:
  ModelAllowlist(CommonOptions common, std::vector<std::string> models);

 protected:
  RequestOutcome EvaluateRequest(const GuardrailInput& input) const override;

 private:
  std::vector<std::string> models_;
};

// '*' matches any run of characters (including none).
bool GlobMatch(std::string_view pattern, std::string_view text);

BuildResult BuildModelAllowlist(ParamReader& params, CommonOptions common);

}  // namespace across::guardrails
