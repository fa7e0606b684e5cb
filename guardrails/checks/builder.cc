#include "guardrails/checks/builder.h"

#include <algorithm>

namespace across::guardrails {

void ReadRoles(ParamReader& params, CommonOptions& common) {
  auto roles = params.StringList("roles", false, true);
  if (!roles) return;
  static constexpr std::string_view kRoles[] = {"system", "developer", "user",
                                                "assistant", "tool"};
  for (const std::string& role : *roles) {
    if (std::find(std::begin(kRoles), std::end(kRoles), role) ==
        std::end(kRoles)) {
      params.Fail("roles", "unknown role \"" + role +
                               "\" (system, developer, user, assistant, tool)");
      return;
    }
  }
  common.roles = std::move(*roles);
}

std::string ReadRedactLabel(ParamReader& params, std::string_view fallback) {
  std::string label =
      params.String("redact_label").value_or(std::string(fallback));
  const bool valid =
      !label.empty() && label.size() <= 32 &&
      std::all_of(label.begin(), label.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
      });
  if (!valid) params.Fail("redact_label", "must match [A-Z0-9_]{1,32}");
  return label;
}

std::string Quote(std::string_view s, size_t max) {
  std::string out = "\"";
  if (s.size() <= max) {
    out += s;
  } else {
    // Cut on a UTF-8 boundary.
    size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80)
      --cut;
    out += s.substr(0, cut);
    out += "...";
  }
  out += "\"";
  return out;
}

}  // namespace across::guardrails
