// Fault injection shared by every dialect. Faults come from x-mock-* request
// headers or from a top-level "mock" object in a JSON body (headers win):
//
//   header                  "mock" field      effect
//   x-mock-status: 429      "status"          that status, provider-shaped
//   error x-mock-retry-after: 2   "retry_after"     adds Retry-After to error
//   replies x-mock-retry-after-ms   "retry_after_ms"  adds retry-after-ms to
//   errors x-mock-latency-ms: N    "latency_ms"      sleep before the status
//   line x-mock-reset: M         "reset"           before_headers | mid_stream:
//   RST x-mock-truncate: 1      "truncate"        cut the body short, close
//   cleanly x-mock-drip-ms: N       "drip_ms"         pause between stream
//   events x-mock-garbage: 1       "garbage"         200 with a body that isn't
//   JSON x-mock-words: N         "words"           answer "w0 w1 ... w{N-1}"
//   x-mock-fail-first: N    "fail_first"      only the first N requests with
//   x-mock-key: K           "key"             this key get the faults
//   x-mock-stream-error: 1  "stream_error"    error event after 1st content
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "tests/mock_upstream/conn.h"

namespace across::mock {

struct Request;

enum class ResetMode { kNone, kBeforeHeaders, kMidStream };

struct Faults {
  int status = 0;  // 0: none
  std::string retry_after;
  std::string retry_after_ms;
  int64_t latency_ms = 0;
  ResetMode reset = ResetMode::kNone;
  bool truncate = false;
  int64_t drip_ms = 0;
  bool garbage = false;
  int64_t words = -1;       // -1: echo the prompt
  int64_t fail_first = -1;  // -1: every request gets the faults
  std::string key;
  bool stream_error = false;

  // True when a fault that makes a request fail or misbehave is set (an
  // error status, latency, reset, truncate, drip, garbage, stream error).
  bool HasFailure() const;
  // Clears every fault but `words`.
  void ClearFailures();
};

// Reads the faults of a request: the body's "mock" object first, then the
// x-mock-* headers over it.
Faults ParseFaults(const Request& request);

// Applies x-mock-fail-first: counts this request against its key; within the
// first N the faults stay (a bare fail-first fails with 503), past them every
// failure fault is cleared. Thread-safe.
void ApplyFailFirst(Faults& faults);
// Forgets all fail-first counters.
void ResetFailFirst();

// OpenAI-style error "type" and "code" for an HTTP status.
std::string_view ErrorTypeForStatus(int status);
std::string_view ErrorCodeForStatus(int status);

// Sends a unary (Content-Length) response, applying the garbage, truncate and
// reset-mid_stream faults to it.
asio::awaitable<void> SendUnary(Conn& conn, const Faults& faults, int status,
                                std::string_view content_type,
                                std::string_view body,
                                std::span<const Header> extra = {});

}  // namespace across::mock
