// webhook: POSTs the text to a URL and uses its verdict (Portkey's
// webhook). The call is made by the engine (see async.h); this class
// builds the request and interprets the response.
//
// Request body (application/json):
//   {"guardrail_id": "...", "stage": "input"|"output", "model": "...",
//    "metadata": {...}, "max_tokens": 256 (if set), "partial": false,
//    "texts": [{"index": 0, "role": "user", "text": "..."}, ...]}
// Expected response: 2xx with {"verdict": true|false, "explanation": "..."}
// ("explanation" optional). Anything else - transport error, timeout,
// non-2xx, unparsable body, no boolean verdict - is an error, and the
// verdict is then pass if fail_open, else fail.
//
// params: url (http/https, required), headers (object of strings),
//         timeout_ms (3000, 1-60000), fail_open (false), roles, not
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "guardrails/async.h"
#include "guardrails/checks/builder.h"
#include "guardrails/guardrail.h"

namespace across::guardrails {

struct WebhookOptions {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds timeout{3000};
  bool fail_open = false;
};

class Webhook : public Guardrail, public AsyncGuardrail {
 public:
  Webhook(CommonOptions common, WebhookOptions options);

  const AsyncGuardrail* async() const override { return this; }
  HttpCall MakeCall(const GuardrailInput& input) const override;
  GuardrailResult Complete(const HttpOutcome& outcome,
                           std::chrono::nanoseconds elapsed) const override;

 protected:
  // Without the engine's HTTP client there is nothing to ask: reports an
  // error with the fail-open/closed verdict.
  void Evaluate(const GuardrailInput& input,
                GuardrailResult& result) const override;

 private:
  void Fail(GuardrailResult& result, std::string error) const;

  WebhookOptions webhook_;
};

BuildResult BuildWebhook(ParamReader& params, CommonOptions common);

}  // namespace across::guardrails
