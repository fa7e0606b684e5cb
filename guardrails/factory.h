// Builds guardrails from config. All validation happens here, at load time:
// an unknown type, a bad or unknown param, an invalid regex or schema, or an
// action the check cannot honour comes back as a ConfigError naming the
// guardrail id and field. A built guardrail cannot fail on configuration at
// request time.
//
// Per-request guardrails (header/metadata) go through the same path; the
// engine should cache built lists by their JSON text, since compiling
// regexes per request is wasteful.
#pragma once

#include <boost/json/value.hpp>
#include <memory>
#include <string_view>
#include <vector>

#include "guardrails/config_error.h"
#include "guardrails/guardrail.h"
#include "guardrails/spec.h"

namespace across::guardrails {

// One guardrail. Reads the common param `not` for every type.
ConfigResult<std::shared_ptr<const Guardrail>> BuildGuardrail(
    const GuardrailSpec& spec);

// A list, in order; ids must be unique within it.
ConfigResult<GuardrailList> BuildGuardrails(
    const std::vector<GuardrailSpec>& specs);

// A JSON array of {"id", "type", "params", "action"} entries.
ConfigResult<GuardrailList> BuildGuardrails(const boost::json::value& list);

// JSON text of such an array (e.g. a request header).
ConfigResult<GuardrailList> BuildGuardrailsFromJson(std::string_view json);

// The known type names, sorted.
std::vector<std::string_view> GuardrailTypes();

}  // namespace across::guardrails
