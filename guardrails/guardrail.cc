#include "guardrails/guardrail.h"

#include <boost/json/array.hpp>

#include "guardrails/pii/stream_redactor.h"

namespace across::guardrails {

std::string_view ActionName(Action action) {
  switch (action) {
    case Action::kDeny:
      return "deny";
    case Action::kFlag:
      return "flag";
    case Action::kRedact:
      return "redact";
  }
  return "deny";
}

std::optional<Action> ParseAction(std::string_view name) {
  if (name == "deny") return Action::kDeny;
  if (name == "flag") return Action::kFlag;
  if (name == "redact") return Action::kRedact;
  return std::nullopt;
}

std::string_view StageName(Stage stage) {
  return stage == Stage::kInput ? "input" : "output";
}

GuardrailInput GuardrailInput::Output(std::string_view text, bool partial) {
  GuardrailInput input;
  input.stage = Stage::kOutput;
  input.texts.push_back({0, "assistant", text});
  input.partial = partial;
  return input;
}

boost::json::object GuardrailResult::ToJson() const {
  boost::json::object out;
  out["id"] = id;
  out["kind"] = kind;
  out["action"] = ActionName(action);
  out["verdict"] = passed();
  out["final"] = final;
  out["explanation"] = explanation;
  if (!failed_messages.empty()) {
    boost::json::array failed;
    for (size_t i : failed_messages) failed.push_back(i);
    out["failed_messages"] = std::move(failed);
  }
  if (!matches.empty()) {
    boost::json::array list;
    for (const Match& m : matches) {
      list.push_back({{"label", m.label},
                      {"masked", m.masked},
                      {"message_index", m.message_index},
                      {"begin", m.begin},
                      {"end", m.end}});
    }
    out["matches"] = std::move(list);
  }
  if (!error.empty()) out["error"] = error;
  out["duration_ms"] =
      std::chrono::duration<double, std::milli>(duration).count();
  return out;
}

Guardrail::Guardrail(CommonOptions options) : options_(std::move(options)) {}

Guardrail::~Guardrail() = default;

GuardrailResult Guardrail::NewResult() const {
  GuardrailResult result;
  result.id = options_.id;
  result.kind = options_.kind;
  result.action = options_.action;
  return result;
}

GuardrailResult Guardrail::Check(const GuardrailInput& input) const {
  const auto start = std::chrono::steady_clock::now();
  GuardrailResult result = NewResult();
  Evaluate(input, result);
  result.duration = std::chrono::steady_clock::now() - start;
  return result;
}

std::unique_ptr<pii::StreamRedactor> Guardrail::NewStreamRedactor(
    pii::Redactor&) const {
  return nullptr;
}

}  // namespace across::guardrails
