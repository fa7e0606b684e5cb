// json_keys: the JSON object in the text (see json/extract.h) must have
// any / all / none of the given top-level keys (Portkey's jsonKeys). Text
// without a JSON object fails for every operator.
//
// params: keys (required), operator ("any"), roles, not
#pragma once

#include <string>
#include <vector>

#include "guardrails/checks/builder.h"
#include "guardrails/text_guardrail.h"

namespace across::guardrails {

class JsonKeys : public TextGuardrail {
 public:
  enum class Operator { kAny, kAll, kNone };
  JsonKeys(CommonOptions common, std::vector<std::string> keys, Operator op);

 protected:
  TextOutcome EvaluateText(std::string_view text, bool partial) const override;

 private:
  std::vector<std::string> keys_;
  Operator op_;
};

BuildResult BuildJsonKeys(ParamReader& params, CommonOptions common);

}  // namespace across::guardrails
