// JSON Schema → Gemini Schema. Gemini's `parameters` (function declarations)
// and `responseSchema` (structured output) take a subset of OpenAPI 3.0, not
// full JSON Schema, and reject the keys they do not know (e.g.
// "additionalProperties", "$schema") with a 400. Clients send schemas written
// for OpenAI, so the adapter rewrites them:
//   - keys outside Gemini's Schema are dropped;
//   - "type": ["string", "null"] → "type": "string", "nullable": true;
//   - anyOf/oneOf with a {"type": "null"} branch → nullable, and a single
//     remaining branch is inlined; oneOf → anyOf; a one-element allOf is
//     inlined;
//   - "const" → a one-value "enum"; non-string enums are dropped (Gemini
//     enums are strings);
//   - "format" is kept only where Gemini supports it (string: enum,
//     date-time; integer: int32, int64; number: float, double);
//   - local "$ref"s into "$defs"/"definitions" are inlined (bounded depth);
//   - "required" keeps only names listed in "properties".
//
// Reference: https://ai.google.dev/api/caching#Schema
#pragma once

#include <boost/json/object.hpp>

namespace across::gemini {

boost::json::object SanitizeSchema(const boost::json::object& schema);

}  // namespace across::gemini
