// YAML (or JSON, which YAML reads too) → JSON text, so route configs go
// through protobuf's JSON parser like the server config does
// (gateway/config/config_loader.cc uses the same conversion).
#pragma once

#include <string>
#include <string_view>

#include "gateway/common/error.h"

namespace across {

// Errors read "<source>: invalid YAML at line L, column C: <reason>" or
// "<source>: the top level must be a mapping".
// `empty_is_object`: a document with no content (empty, or only comments)
// reads as {} instead of failing the top-level-mapping check.
Result<std::string> YamlToJson(std::string_view text, std::string_view source,
                               bool empty_is_object = false);

}  // namespace across
