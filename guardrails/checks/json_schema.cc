#include "guardrails/checks/json_schema.h"

#include "guardrails/json/extract.h"

namespace across::guardrails {

JsonSchemaCheck::JsonSchemaCheck(CommonOptions common,
                                 std::unique_ptr<json::Schema> schema)
    : TextGuardrail(std::move(common)), schema_(std::move(schema)) {}

TextOutcome JsonSchemaCheck::EvaluateText(std::string_view text,
                                          bool partial) const {
  TextOutcome out;
  // Incomplete JSON says nothing about the final document.
  out.final = !partial;
  auto extracted = json::ExtractJson(text);
  if (!extracted) {
    out.satisfied = false;
    out.detail = "no JSON found";
    return out;
  }
  std::vector<json::SchemaViolation> violations;
  out.satisfied = schema_->Validate(extracted->value, &violations, 5);
  if (out.satisfied) {
    out.detail =
        "JSON (" + std::string(extracted->source) + ") matches the schema";
    return out;
  }
  out.detail = "JSON (" + std::string(extracted->source) +
               ") does not match the schema: ";
  for (size_t i = 0; i < violations.size(); ++i) {
    if (i > 0) out.detail += "; ";
    out.detail +=
        (violations[i].instance_path.empty() ? std::string("(root)")
                                             : violations[i].instance_path) +
        ": " + violations[i].message;
  }
  return out;
}

BuildResult BuildJsonSchema(ParamReader& params, CommonOptions common) {
  ReadRoles(params, common);
  const boost::json::value* schema = params.Value("schema");
  if (schema == nullptr) {
    params.Fail("schema", "is required");
  } else if (!schema->is_object() && !schema->is_bool()) {
    params.Fail("schema", "must be a JSON Schema object or boolean");
  }
  if (!params.ok()) return params.error();
  json::SchemaError error;
  auto compiled = json::Schema::Compile(*schema, &error);
  if (compiled == nullptr) {
    // Field "params.schema/properties/age/minimum": where in the schema.
    params.Fail("schema" + error.pointer, error.message);
    return params.error();
  }
  return Finish<JsonSchemaCheck>(params, std::move(common),
                                 std::move(compiled));
}

}  // namespace across::guardrails
