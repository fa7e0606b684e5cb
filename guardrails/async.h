// Guardrails that need an HTTP call (webhook). The library does no I/O: an
// async guardrail describes the request (MakeCall) and interprets the
// answer (Complete); the engine performs the call with its own event-loop
// HTTP client, e.g. in a coroutine:
//
//   if (const AsyncGuardrail* a = guardrail.async()) {
//     HttpCall call = a->MakeCall(input);
//     auto t0 = Clock::now();
//     HttpOutcome outcome = co_await SendWithTimeout(call);  // engine's
//     result = a->Complete(outcome, Clock::now() - t0);
//   }
//
// CheckAsync() is the same flow for callers with a callback-style HTTP
// function (and for tests with a fake one).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "guardrails/guardrail.h"

namespace across::guardrails {

struct HttpCall {
  std::string method = "POST";
  std::string url;
  // Includes Content-Type; the HTTP client adds Host and Content-Length.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // The whole exchange must finish within this; the caller enforces it and
  // reports a timeout as HttpOutcome::error.
  std::chrono::milliseconds timeout{3000};
};

struct HttpOutcome {
  // Transport failure ("timeout", "connection refused"); empty when a
  // response arrived (whatever its status).
  std::string error;
  int status = 0;
  std::string body;
};

class AsyncGuardrail {
 public:
  virtual ~AsyncGuardrail() = default;
  // The request to send for this input (copies what it needs from it).
  virtual HttpCall MakeCall(const GuardrailInput& input) const = 0;
  // The result for the call's outcome; `elapsed` becomes its duration.
  virtual GuardrailResult Complete(const HttpOutcome& outcome,
                                   std::chrono::nanoseconds elapsed) const = 0;
};

// Performs `call` and eventually invokes `done` exactly once.
using HttpFunction =
    std::function<void(HttpCall call, std::function<void(HttpOutcome)> done)>;

// Runs any guardrail: sync ones call `done` before returning; async ones
// call it when `http` completes. `input` is only used before returning.
void CheckAsync(const Guardrail& guardrail, const GuardrailInput& input,
                const HttpFunction& http,
                std::function<void(GuardrailResult)> done);

}  // namespace across::guardrails
