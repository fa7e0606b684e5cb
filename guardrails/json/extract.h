// Finds the JSON a model's output carries. Models wrap JSON in prose or in
// a ```json block, so "parse the whole text" alone is not enough.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string_view>

namespace across::guardrails::json {

struct Extracted {
  boost::json::value value;
  std::string_view source;  // "text", "fenced block", "embedded"
};

// In order: the whole (trimmed) text; the first ```json / ```JSON / ```
// (no language) fenced block that parses; the first balanced {...} or
// [...] span that parses (at most 32 tries, so hostile text stays cheap).
std::optional<Extracted> ExtractJson(std::string_view text);

// Strict RFC 8259 parse (nesting up to 64); nullopt on error.
std::optional<boost::json::value> ParseJson(std::string_view text);

}  // namespace across::guardrails::json
