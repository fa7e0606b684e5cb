#include "guardrails/checks/required_metadata_keys.h"

namespace across::guardrails {

RequiredMetadataKeys::RequiredMetadataKeys(CommonOptions common,
                                           std::vector<std::string> keys,
                                           Operator op)
    : RequestGuardrail(std::move(common)), keys_(std::move(keys)), op_(op) {}

RequestOutcome RequiredMetadataKeys::EvaluateRequest(
    const GuardrailInput& input) const {
  std::string present, missing;
  size_t found = 0;
  for (const std::string& key : keys_) {
    const bool has = input.metadata.contains(key);
    found += has ? 1 : 0;
    std::string& list = has ? present : missing;
    if (!list.empty()) list += ", ";
    list += Quote(key, 40);
  }
  RequestOutcome out;
  switch (op_) {
    case Operator::kAny:
      out.satisfied = found > 0;
      break;
    case Operator::kAll:
      out.satisfied = found == keys_.size();
      break;
    case Operator::kNone:
      out.satisfied = found == 0;
      break;
  }
  if (found == 0) {
    out.detail = "metadata has none of the keys";
  } else if (missing.empty()) {
    out.detail = "metadata has all the keys";
  } else {
    out.detail = "metadata has " + present + "; lacks " + missing;
  }
  return out;
}

BuildResult BuildRequiredMetadataKeys(ParamReader& params,
                                      CommonOptions common) {
  auto keys = params.StringList("keys", true, true);
  const std::string op =
      params.Choice("operator", {"any", "all", "none"}, "all");
  if (!params.ok()) return params.error();
  const auto oper = op == "any"    ? RequiredMetadataKeys::Operator::kAny
                    : op == "none" ? RequiredMetadataKeys::Operator::kNone
                                   : RequiredMetadataKeys::Operator::kAll;
  return Finish<RequiredMetadataKeys>(params, std::move(common),
                                      std::move(*keys), oper);
}

}  // namespace across::guardrails
