// When and how long to wait before retrying a target, and the per-target
// retry budget that stops retry storms against a provider that is down.
#pragma once

#include <chrono>
#include <string_view>

#include "gateway/common/error.h"
#include "gateway/common/request_context.h"
#include "gateway/routing/settings.h"
#include "gateway/routing/sliding_window.h"

namespace across::routing {

// Error codes of refusals made by the router itself; they are never retried
// on the same target (it would refuse again) but a fallback moves on.
inline constexpr std::string_view kCircuitOpenCode = "circuit_open";
inline constexpr std::string_view kConcurrencyLimitCode = "concurrency_limit";
bool IsLocalRejection(const Error& error);

// Full jitter (AWS architecture blog): uniform in
// [0, min(cap, base * 2^(retry-1))], `retry` counting from 1.
milliseconds BackoffDelay(const RetryPolicy& policy, int retry);

struct RetryDecision {
  bool retry = false;
  Clock::duration delay{};
  // Why not, for logs and tests: "attempts", "status", "retry_after",
  // "deadline", "local".
  std::string_view reason;
};

// Decides on a retry after `error`, given the retries already made and the
// time left before the request's deadline. Does not consult the budget.
RetryDecision DecideRetry(const RetryPolicy& policy, const Error& error,
                          int retries_done, Clock::duration remaining);

// Retries allowed ≤ ratio × requests + min_retries over the window.
class RetryBudget {
 public:
  explicit RetryBudget(milliseconds window) : window_(window) {}
  // A first try (not a retry).
  void RecordRequest(Clock::time_point now) { window_.Add(now, 1, 0); }
  // Takes one retry from the budget; false when exhausted.
  bool TryAcquire(const RetryPolicy& policy, Clock::time_point now);

 private:
  SlidingWindow window_;  // a = requests, b = retries
};

}  // namespace across::routing
