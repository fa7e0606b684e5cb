// Runs one stage's guardrail list for one request and turns the results
// into a decision, so every front end acts the same way:
//
//   StageRun run(route.input_guardrails, std::move(input));
//   while (const Guardrail* g = run.RunSync()) {   // g needs HTTP (webhook)
//     HttpCall call = g->async()->MakeCall(run.input());
//     ... co_await the engine's client ...
//     run.Record(g->async()->Complete(outcome, elapsed));
//   }
//   StageOutcome outcome = run.Finish();
//   if (outcome.denied) -> HTTP 446 / FAILED_PRECONDITION with results
//   for (auto& [index, text] : outcome.redacted) -> replace message text
//
// Rules: guardrails run in list order. A failed deny guardrail stops the
// run (later ones are skipped). A failed redact guardrail's replacement is
// applied before the next guardrail runs, so later checks see redacted
// text. A failed flag guardrail (or a redact one with nothing to replace)
// only marks the outcome flagged. Results that are not final (partial
// streaming input) never deny or flag.
#pragma once

#include <boost/json/array.hpp>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "guardrails/guardrail.h"

namespace across::guardrails {

struct StageOutcome {
  bool denied = false;
  bool flagged = false;
  // Index into `results` of the guardrail that denied.
  std::optional<size_t> denied_by;
  std::vector<GuardrailResult> results;
  // Final text of every message (by message index) a redaction changed.
  std::map<size_t, std::string> redacted;

  // Every result's ToJson(), for response metadata / the 446 body.
  boost::json::array ResultsJson() const;
};

class StageRun {
 public:
  // `list` must outlive the run. `input`'s views must too, except that
  // redacted texts are owned by the run.
  StageRun(const GuardrailList& list, GuardrailInput input);
  StageRun(const StageRun&) = delete;
  StageRun& operator=(const StageRun&) = delete;

  // Input for the next guardrail (reflects redactions so far).
  const GuardrailInput& input() const { return input_; }

  // The next guardrail to run, or null when done (end of list, or denied).
  const Guardrail* Next() const;

  // Records the result of Next() and advances.
  void Record(GuardrailResult result);

  // Runs guardrails with Check() until one needs async() (returned, still
  // to be recorded) or the run is done (null).
  const Guardrail* RunSync();

  // The decision. Call once, after Next() returned null.
  StageOutcome Finish();

 private:
  void ApplyRedaction(const RedactedText& redacted);

  const GuardrailList& list_;
  GuardrailInput input_;
  size_t next_ = 0;
  StageOutcome outcome_;
};

}  // namespace across::guardrails
