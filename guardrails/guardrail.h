// The Guardrail interface: one configured check (regex_match, pii, ...) with
// an action. The engine builds GuardrailInput once per request stage, calls
// Check() on each guardrail of the route's list (or uses StageRun in
// pipeline.h to do the sequencing), and acts on the results: deny (HTTP
// 446 / gRPC FAILED_PRECONDITION), flag (report only) or redact (forward
// the result's redacted text instead).
//
// Guardrails are immutable after construction and shared by all workers:
// Check() is const and thread-safe. Per-request state (placeholder
// numbering) lives in the pii::Redactor the caller passes in the input.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace across::guardrails {

namespace pii {
class Redactor;
class StreamRedactor;
}  // namespace pii

// What the engine does when a guardrail fails.
enum class Action {
  kDeny,    // reject the request / end the response with an error
  kFlag,    // let it through, report the result
  kRedact,  // replace what the check found and forward the redacted text
};
std::string_view ActionName(Action action);  // "deny", "flag", "redact"
std::optional<Action> ParseAction(std::string_view name);

enum class Stage { kInput, kOutput };
std::string_view StageName(Stage stage);  // "input", "output"

enum class Verdict { kPass, kFail };

// One text to check: a request message, or the model's output.
struct TextItem {
  size_t index = 0;       // message index in the request; 0 for output
  std::string_view role;  // "system", "user", "assistant", "tool"
  std::string_view text;
};

// Everything a check may look at. Views must outlive Check().
struct GuardrailInput {
  Stage stage = Stage::kInput;
  // Input stage: every message, in order (checks report which failed).
  // Output stage: one item with the output text.
  std::vector<TextItem> texts;
  // Request facts, for model_allowlist, required_metadata_keys and
  // max_tokens_cap (available at both stages).
  std::string_view model;
  std::map<std::string, std::string, std::less<>> metadata;
  std::optional<int64_t> max_tokens;  // max_completion_tokens or max_tokens
  // Output stage while streaming: `texts` holds the output so far. Checks
  // then fail only when the failure cannot be undone by more text (a
  // forbidden word already present, the word limit already exceeded); the
  // result's `final` says whether its verdict can still change.
  bool partial = false;
  // The request's placeholder state, so redaction numbering is consistent
  // across messages, checks and stages. Null: a redacting check uses a
  // fresh one (numbering then only consistent within that check).
  pii::Redactor* redactor = nullptr;

  // Convenience for the output stage.
  static GuardrailInput Output(std::string_view text, bool partial = false);
};

// Something a check found. The matched text itself is never kept, only a
// masked form ("j***@e***.com", "4***1").
struct Match {
  std::string label;  // "EMAIL", "PATTERN", "WORD", "INJECTION", ...
  std::string masked;
  size_t message_index = 0;
  size_t begin = 0;  // byte offsets in that text
  size_t end = 0;
};

// New text for one message (or the output) after redaction.
struct RedactedText {
  size_t message_index = 0;
  std::string text;
};

struct GuardrailResult {
  std::string id;
  std::string kind;
  Action action = Action::kDeny;
  Verdict verdict = Verdict::kPass;
  // False only for `partial` input whose verdict may still change.
  bool final = true;
  std::string explanation;
  // Input stage: indices of the messages that failed.
  std::vector<size_t> failed_messages;
  // At most kMaxMatches, in text order.
  std::vector<Match> matches;
  // Set when action is redact and the check failed on something it can
  // replace: the replacement text of each affected message.
  std::vector<RedactedText> redacted;
  // The check could not run (webhook unreachable); `verdict` then follows
  // the guardrail's fail-open/closed setting.
  std::string error;
  std::chrono::nanoseconds duration{0};

  static constexpr size_t kMaxMatches = 32;

  bool passed() const { return verdict == Verdict::kPass; }
  // For response metadata: id, kind, action, verdict (bool), final,
  // explanation, failed_messages, matches, error, duration_ms.
  boost::json::object ToJson() const;
};

// Settings every guardrail has, read by the factory.
struct CommonOptions {
  std::string id;
  std::string kind;
  Action action = Action::kDeny;
  bool negate = false;  // params.not: invert the check
  // Text checks, input stage: the message roles to look at (empty = all).
  // The output is always checked.
  std::vector<std::string> roles;
};

class AsyncGuardrail;

class Guardrail {
 public:
  explicit Guardrail(CommonOptions options);
  virtual ~Guardrail();
  Guardrail(const Guardrail&) = delete;
  Guardrail& operator=(const Guardrail&) = delete;

  const std::string& id() const { return options_.id; }
  const std::string& kind() const { return options_.kind; }
  Action action() const { return options_.action; }
  bool negated() const { return options_.negate; }

  // Runs the check (timed). Never throws; sync checks never block on I/O.
  GuardrailResult Check(const GuardrailInput& input) const;

  // True if the check finds spans it can replace when it fails, so action
  // redact makes sense (the factory rejects redact otherwise).
  virtual bool CanRedact() const { return false; }

  // Non-null for checks that need an HTTP call (webhook): the engine must
  // use this instead of Check(), which would only report an error.
  virtual const AsyncGuardrail* async() const { return nullptr; }

  // For redacting checks that can redact a stream incrementally (pii): a
  // fresh stream redactor using the request's placeholder state. Null
  // otherwise; the engine must then buffer the output to redact it.
  virtual std::unique_ptr<pii::StreamRedactor> NewStreamRedactor(
      pii::Redactor& redactor) const;

 protected:
  // Fills verdict, explanation, matches, ... of `result`, whose id, kind
  // and action are already set.
  virtual void Evaluate(const GuardrailInput& input,
                        GuardrailResult& result) const = 0;

  const CommonOptions& options() const { return options_; }
  // A result with id, kind and action filled in.
  GuardrailResult NewResult() const;

 private:
  CommonOptions options_;
};

// An ordered list of guardrails (one route stage), shared between workers.
using GuardrailList = std::vector<std::shared_ptr<const Guardrail>>;

}  // namespace across::guardrails
