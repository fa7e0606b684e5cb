#include "guardrails/factory.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "guardrails/checks/builder.h"
#include "guardrails/checks/character_count.h"
#include "guardrails/checks/contains.h"
#include "guardrails/checks/contains_code.h"
#include "guardrails/checks/ends_with.h"
#include "guardrails/checks/json_keys.h"
#include "guardrails/checks/json_schema.h"
#include "guardrails/checks/letter_case.h"
#include "guardrails/checks/max_tokens_cap.h"
#include "guardrails/checks/model_allowlist.h"
#include "guardrails/checks/pii_check.h"
#include "guardrails/checks/prompt_injection.h"
#include "guardrails/checks/regex_match.h"
#include "guardrails/checks/required_metadata_keys.h"
#include "guardrails/checks/sentence_count.h"
#include "guardrails/checks/webhook.h"
#include "guardrails/checks/word_count.h"
#include "guardrails/json/extract.h"
#include "guardrails/params.h"

namespace across::guardrails {
namespace {

constexpr std::pair<std::string_view, Builder> kBuilders[] = {
    {"character_count", BuildCharacterCount},
    {"contains", BuildContains},
    {"contains_code", BuildContainsCode},
    {"ends_with", BuildEndsWith},
    {"json_keys", BuildJsonKeys},
    {"json_schema", BuildJsonSchema},
    {"lowercase", BuildLowercase},
    {"max_tokens_cap", BuildMaxTokensCap},
    {"model_allowlist", BuildModelAllowlist},
    {"pii", BuildPii},
    {"prompt_injection", BuildPromptInjection},
    {"regex_match", BuildRegexMatch},
    {"required_metadata_keys", BuildRequiredMetadataKeys},
    {"sentence_count", BuildSentenceCount},
    {"uppercase", BuildUppercase},
    {"webhook", BuildWebhook},
    {"word_count", BuildWordCount},
};

std::string KnownTypes() {
  std::string out;
  for (const auto& [name, builder] : kBuilders) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

}  // namespace

std::vector<std::string_view> GuardrailTypes() {
  std::vector<std::string_view> types;
  for (const auto& [name, builder] : kBuilders) types.push_back(name);
  return types;
}

ConfigResult<std::shared_ptr<const Guardrail>> BuildGuardrail(
    const GuardrailSpec& spec) {
  const auto* entry =
      std::find_if(std::begin(kBuilders), std::end(kBuilders),
                   [&](const auto& b) { return b.first == spec.type; });
  if (entry == std::end(kBuilders)) {
    return ConfigError{
        spec.id, "type",
        "unknown type \"" + spec.type + "\" (known: " + KnownTypes() + ")"};
  }
  ParamReader params(spec.id, spec.params);
  CommonOptions common;
  common.id = spec.id;
  common.kind = spec.type;
  common.action = spec.action;
  common.negate = params.Bool("not", false);
  if (!params.ok()) return params.error();

  BuildResult built = entry->second(params, std::move(common));
  if (!built) return built.error();
  if (spec.action == Action::kRedact && !(*built)->CanRedact()) {
    return ConfigError{
        spec.id, "action",
        "redact needs a check that fails on spans it can replace: pii, "
        "prompt_injection, regex_match with not=true, contains with "
        "operator none (without not)"};
  }
  return std::shared_ptr<const Guardrail>(std::move(*built));
}

ConfigResult<GuardrailList> BuildGuardrails(
    const std::vector<GuardrailSpec>& specs) {
  GuardrailList list;
  std::set<std::string, std::less<>> ids;
  for (const GuardrailSpec& spec : specs) {
    if (!ids.insert(spec.id).second) {
      return ConfigError{spec.id, "id", "duplicate id in this list"};
    }
    auto guardrail = BuildGuardrail(spec);
    if (!guardrail) return guardrail.error();
    list.push_back(std::move(*guardrail));
  }
  return list;
}

ConfigResult<GuardrailList> BuildGuardrails(const boost::json::value& list) {
  auto specs = ParseGuardrailSpecs(list);
  if (!specs) return specs.error();
  return BuildGuardrails(*specs);
}

ConfigResult<GuardrailList> BuildGuardrailsFromJson(std::string_view text) {
  auto value = json::ParseJson(text);
  if (!value) return ConfigError{"", "", "guardrails are not valid JSON"};
  return BuildGuardrails(*value);
}

}  // namespace across::guardrails
