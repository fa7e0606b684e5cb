// json_schema: the text must carry JSON (whole text, a ```json block, or
// embedded; see json/extract.h) that validates against a JSON Schema
// (draft 2020-12 subset; see json/schema.h and README.md). The schema is
// compiled at load time, so an invalid schema or pattern is a config error.
//
// params: schema (object or boolean, required), roles, not
#pragma once

#include <memory>

#include "guardrails/checks/builder.h"
#include "guardrails/json/schema.h"
#include "guardrails/text_guardrail.h"

namespace across::guardrails {

class JsonSchemaCheck : public TextGuardrail {
 public:
  JsonSchemaCheck(CommonOptions common, std::unique_ptr<json::Schema> schema);

 protected:
  TextOutcome EvaluateText(std::string_view text, bool partial) const override;

 private:
  std::unique_ptr<json::Schema> schema_;
};

BuildResult BuildJsonSchema(ParamReader& params, CommonOptions common);

}  // namespace across::guardrails
