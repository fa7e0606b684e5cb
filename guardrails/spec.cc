#include "guardrails/spec.h"

namespace across::guardrails {

ConfigResult<GuardrailSpec> ParseGuardrailSpec(const boost::json::value& entry,
                                               size_t index) {
  const std::string anonymous = "#" + std::to_string(index);
  if (!entry.is_object()) {
    return ConfigError{anonymous, "", "must be an object"};
  }
  const boost::json::object& o = entry.get_object();
  GuardrailSpec spec;
  const boost::json::value* id = o.if_contains("id");
  if (id == nullptr || !id->is_string() || id->get_string().empty()) {
    return ConfigError{anonymous, "id", "must be a non-empty string"};
  }
  spec.id = std::string(id->get_string());
  if (spec.id.size() > 128) {
    return ConfigError{anonymous, "id", "longer than 128 characters"};
  }
  for (const auto& kv : o) {
    const std::string_view key = kv.key();
    if (key != "id" && key != "type" && key != "params" && key != "action") {
      return ConfigError{spec.id, std::string(key),
                         "unknown field (expected id, type, params, action)"};
    }
  }
  const boost::json::value* type = o.if_contains("type");
  if (type == nullptr || !type->is_string() || type->get_string().empty()) {
    return ConfigError{spec.id, "type", "must be a non-empty string"};
  }
  spec.type = std::string(type->get_string());
  if (const boost::json::value* params = o.if_contains("params")) {
    if (!params->is_object()) {
      return ConfigError{spec.id, "params", "must be an object"};
    }
    spec.params = params->get_object();
  }
  if (const boost::json::value* action = o.if_contains("action")) {
    std::optional<Action> parsed;
    if (action->is_string()) parsed = ParseAction(action->get_string());
    if (!parsed) {
      return ConfigError{spec.id, "action", "must be deny, flag or redact"};
    }
    spec.action = *parsed;
  }
  return spec;
}

ConfigResult<std::vector<GuardrailSpec>> ParseGuardrailSpecs(
    const boost::json::value& list) {
  if (!list.is_array()) {
    return ConfigError{"", "", "guardrails must be a JSON array"};
  }
  std::vector<GuardrailSpec> specs;
  for (size_t i = 0; i < list.get_array().size(); ++i) {
    auto spec = ParseGuardrailSpec(list.get_array()[i], i);
    if (!spec) return spec.error();
    specs.push_back(std::move(*spec));
  }
  return specs;
}

}  // namespace across::guardrails
