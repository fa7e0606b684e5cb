// required_metadata_keys: the request metadata must have all / any / none
// of the given keys (Portkey's requiredMetadataKeys). A key counts as
// present when it exists, even with an empty value.
//
// params: keys (required), operator ("all"), not
#pragma once

#include <string>
#include <vector>

#include "guardrails/checks/builder.h"
#include "guardrails/request_guardrail.h"

namespace across::guardrails {

class RequiredMetadataKeys : public RequestGuardrail {
 public:
  enum class Operator { kAny, kAll, kNone };
  RequiredMetadataKeys(CommonOptions common, std::vector<std::string> keys,
                       Operator op);

 protected:
  RequestOutcome EvaluateRequest(const GuardrailInput& input) const override;

 private:
  std::vector<std::string> keys_;
  Operator op_;
};

BuildResult BuildRequiredMetadataKeys(ParamReader& params,
                                      CommonOptions common);

}  // namespace across::guardrails
