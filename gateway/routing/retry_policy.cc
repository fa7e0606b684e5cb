#include "gateway/routing/retry_policy.h"

#include <algorithm>

#include "gateway/routing/random.h"

namespace across::routing {

bool IsLocalRejection(const Error& error) {
  return error.code == kCircuitOpenCode || error.code == kConcurrencyLimitCode;
}

milliseconds BackoffDelay(const RetryPolicy& policy, int retry) {
  const int shift = std::clamp(retry - 1, 0, 30);
  const double ceiling =
      std::min(static_cast<double>(policy.backoff_cap.count()),
               static_cast<double>(policy.backoff_base.count()) *
                   static_cast<double>(int64_t{1} << shift));
  return milliseconds(static_cast<int64_t>(RandomUnit() * (ceiling + 1)));
}

RetryDecision DecideRetry(const RetryPolicy& policy, const Error& error,
                          int retries_done, Clock::duration remaining) {
  RetryDecision d;
  if (retries_done >= policy.attempts) {
    d.reason = "attempts";
    return d;
  }
  if (IsLocalRejection(error)) {
    d.reason = "local";
    return d;
  }
  if (!policy.on_status.Contains(error.http_status)) {
    d.reason = "status";
    return d;
  }
  if (policy.honor_retry_after && error.retry_after) {
    // The upstream said when; waiting less would only be refused again.
    if (*error.retry_after > policy.max_retry_after) {
      d.reason = "retry_after";
      return d;
    }
    d.delay = *error.retry_after;
  } else {
    d.delay = BackoffDelay(policy, retries_done + 1);
  }
  if (d.delay >= remaining) {
    d.reason = "deadline";
    return d;
  }
  d.retry = true;
  return d;
}

bool RetryBudget::TryAcquire(const RetryPolicy& policy, Clock::time_point now) {
  auto sums = window_.Sum(now);
  const double allowed = policy.budget_ratio * static_cast<double>(sums.a) +
                         policy.budget_min_retries;
  if (static_cast<double>(sums.b + 1) > allowed) return false;
  window_.Add(now, 0, 1);
  return true;
}

}  // namespace across::routing
