#include "guardrails/config_error.h"

namespace across::guardrails {

std::string ConfigError::ToString() const {
  std::string out = "guardrail";
  if (!guardrail_id.empty()) out += " \"" + guardrail_id + "\"";
  if (!field.empty()) out += ": " + field;
  out += ": " + message;
  return out;
}

}  // namespace across::guardrails
