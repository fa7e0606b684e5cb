// Masking of matched text for results. Results travel back to callers in
// response metadata and into logs, so they must show *what kind* of thing
// matched and where, never the sensitive value itself.
#pragma once

#include <string>
#include <string_view>

namespace across::guardrails {

// First and last code point around "***" ("4***1"); "***" when the value is
// too short for that to hide anything (fewer than four code points).
std::string MaskValue(std::string_view value);

// "john.doe@example.com" -> "j***@e***.com": keeps the shape an operator
// needs to recognise a false positive, hides the identity.
std::string MaskEmail(std::string_view email);

// Masks a value found under `label` (a PII label such as "EMAIL", or any
// other label, which gets MaskValue).
std::string MaskFor(std::string_view label, std::string_view value);

}  // namespace across::guardrails
