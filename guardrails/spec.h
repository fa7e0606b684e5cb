// The configuration form of one guardrail, as it appears in route config
// and in the per-request header/metadata:
//
//   {"id": "no-ssn", "type": "regex_match",
//    "params": {"rule": "\\d{3}-\\d{2}-\\d{4}", "not": true},
//    "action": "deny"}
//
// "action" defaults to "deny"; "params" defaults to {}. YAML config is
// converted to this JSON shape by the config loader.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <string>
#include <vector>

#include "guardrails/config_error.h"
#include "guardrails/guardrail.h"

namespace across::guardrails {

struct GuardrailSpec {
  std::string id;    // unique within its list; names it in results/errors
  std::string type;  // "regex_match", "pii", ...
  Action action = Action::kDeny;
  boost::json::object params;
};

// Parses one entry; `index` (its position in the list) names entries
// without a usable id in errors ("#3").
ConfigResult<GuardrailSpec> ParseGuardrailSpec(const boost::json::value& entry,
                                               size_t index);

// Parses a JSON array of entries.
ConfigResult<std::vector<GuardrailSpec>> ParseGuardrailSpecs(
    const boost::json::value& list);

}  // namespace across::guardrails
