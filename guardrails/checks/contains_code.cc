#include "guardrails/checks/contains_code.h"

#include <cctype>
#include <utility>

#include "guardrails/fenced_blocks.h"

namespace across::guardrails {

std::string CanonicalLanguage(std::string_view name) {
  std::string lower;
  for (char c : name) {
    lower.push_back(
        static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  static constexpr std::pair<std::string_view, std::string_view> kAliases[] = {
      {"py", "python"},       {"python3", "python"}, {"js", "javascript"},
      {"node", "javascript"}, {"ts", "typescript"},  {"sh", "bash"},
      {"shell", "bash"},      {"zsh", "bash"},       {"c++", "cpp"},
      {"cxx", "cpp"},         {"yml", "yaml"},       {"golang", "go"},
      {"rs", "rust"},         {"cs", "csharp"},      {"c#", "csharp"},
      {"kt", "kotlin"},       {"rb", "ruby"},        {"postgresql", "sql"},
  };
  for (const auto& [alias, canonical] : kAliases) {
    if (lower == alias) return std::string(canonical);
  }
  return lower;
}

ContainsCode::ContainsCode(CommonOptions common, std::string language)
    : TextGuardrail(std::move(common)), language_(std::move(language)) {}

TextOutcome ContainsCode::EvaluateText(std::string_view text,
                                       bool partial) const {
  TextOutcome out;
  out.satisfied = false;
  for (const FencedBlock& block : FindFencedBlocks(text)) {
    if (language_ == "any" || CanonicalLanguage(block.language) == language_) {
      // An unclosed block at the end of a stream is still a block.
      out.satisfied = true;
      break;
    }
  }
  out.final = !partial || out.satisfied;
  out.detail = out.satisfied ? "contains a " + language_ + " code block"
                             : "contains no " + language_ + " code block";
  return out;
}

BuildResult BuildContainsCode(ParamReader& params, CommonOptions common) {
  ReadRoles(params, common);
  const std::string language = params.RequiredString("language");
  if (!params.ok()) return params.error();
  return Finish<ContainsCode>(params, std::move(common),
                              CanonicalLanguage(language));
}

}  // namespace across::guardrails
