// Shared plumbing for the per-check builders the factory calls.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "guardrails/config_error.h"
#include "guardrails/guardrail.h"
#include "guardrails/params.h"

namespace across::guardrails {

using BuildResult = ConfigResult<std::unique_ptr<Guardrail>>;

// A builder reads its params (the factory has already taken `not`) and
// returns the guardrail or the first config error.
using Builder = BuildResult (*)(ParamReader& params, CommonOptions common);

// Reads `roles` (the message roles a text check looks at) into `common`.
void ReadRoles(ParamReader& params, CommonOptions& common);

// Reads `redact_label` (placeholder label for redaction, [A-Z0-9_]+).
std::string ReadRedactLabel(ParamReader& params, std::string_view fallback);

// Rejects unknown params, then constructs T.
template <typename T, typename... Args>
BuildResult Finish(ParamReader& params, Args&&... args) {
  if (!params.Finish()) return params.error();
  return std::unique_ptr<Guardrail>(
      std::make_unique<T>(std::forward<Args>(args)...));
}

// Quotes a config value for explanations, shortened to `max` bytes.
std::string Quote(std::string_view s, size_t max = 60);

}  // namespace across::guardrails
