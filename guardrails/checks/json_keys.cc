#include "guardrails/checks/json_keys.h"

#include "guardrails/json/extract.h"

namespace across::guardrails {

JsonKeys::JsonKeys(CommonOptions common, std::vector<std::string> keys,
                   Operator op)
    : TextGuardrail(std::move(common)), keys_(std::move(keys)), op_(op) {}

TextOutcome JsonKeys::EvaluateText(std::string_view text, bool partial) const {
  TextOutcome out;
  out.final = !partial;
  auto extracted = json::ExtractJson(text);
  if (!extracted || !extracted->value.is_object()) {
    out.satisfied = false;
    out.detail = "no JSON object found";
    return out;
  }
  const boost::json::object& object = extracted->value.get_object();
  std::string present, missing;
  size_t found = 0;
  for (const std::string& key : keys_) {
    std::string& list = object.contains(key) ? present : missing;
    if (object.contains(key)) ++found;
    if (!list.empty()) list += ", ";
    list += Quote(key, 40);
  }
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
  out.detail = found == 0 ? "JSON object has none of the keys"
                          : "JSON object has keys " + present;
  if (found > 0 && !missing.empty()) out.detail += "; lacks " + missing;
  return out;
}

BuildResult BuildJsonKeys(ParamReader& params, CommonOptions common) {
  ReadRoles(params, common);
  auto keys = params.StringList("keys", true, true);
  const std::string op =
      params.Choice("operator", {"any", "all", "none"}, "any");
  if (!params.ok()) return params.error();
  const auto oper = op == "all"    ? JsonKeys::Operator::kAll
                    : op == "none" ? JsonKeys::Operator::kNone
                                   : JsonKeys::Operator::kAny;
  return Finish<JsonKeys>(params, std::move(common), std::move(*keys), oper);
}

}  // namespace across::guardrails
