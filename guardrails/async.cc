#include "guardrails/async.h"

namespace across::guardrails {

void CheckAsync(const Guardrail& guardrail, const GuardrailInput& input,
                const HttpFunction& http,
                std::function<void(GuardrailResult)> done) {
  const AsyncGuardrail* async = guardrail.async();
  if (async == nullptr) {
    done(guardrail.Check(input));
    return;
  }
  const auto start = std::chrono::steady_clock::now();
  http(async->MakeCall(input), [async, start,
                                done = std::move(done)](HttpOutcome outcome) {
    done(async->Complete(outcome, std::chrono::steady_clock::now() - start));
  });
}

}  // namespace across::guardrails
