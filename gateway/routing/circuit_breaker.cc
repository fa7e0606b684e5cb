#include "gateway/routing/circuit_breaker.h"

namespace across::routing {
namespace {

int64_t Nanos(Clock::time_point t) {
  return std::chrono::nanoseconds(t.time_since_epoch()).count();
}

}  // namespace

const char* BreakerStateName(BreakerState state) {
  switch (state) {
    case BreakerState::kClosed:
      return "closed";
    case BreakerState::kOpen:
      return "open";
    case BreakerState::kHalfOpen:
      return "half_open";
  }
  return "unknown";
}

AttemptVerdict VerdictForStatus(int s) {
  if (s < 400) return AttemptVerdict::kSuccess;
  if (s >= 500 || s == 408) return AttemptVerdict::kFailure;
  return AttemptVerdict::kNeutral;
}

CircuitBreaker::CircuitBreaker(milliseconds window) : window_(window) {}

bool CircuitBreaker::Transition(BreakerState from, BreakerState to) {
  if (!state_.compare_exchange_strong(from, to)) return false;
  if (listener_) listener_(from, to);
  return true;
}

void CircuitBreaker::Trip(const BreakerPolicy& policy, BreakerState from,
                          Clock::time_point now) {
  // open_until is written before the state so a reader that sees kOpen
  // never reads a stale (past) deadline.
  open_until_ns_.store(Nanos(now + policy.cooldown), std::memory_order_release);
  Transition(from, BreakerState::kOpen);
}

CircuitBreaker::Permit CircuitBreaker::Allow(const BreakerPolicy& policy,
                                             Clock::time_point now) {
  if (!policy.enabled()) return {};
  BreakerState s = state_.load(std::memory_order_acquire);
  if (s == BreakerState::kClosed) return {};
  if (s == BreakerState::kOpen) {
    if (Nanos(now) < open_until_ns_.load(std::memory_order_acquire)) {
      return {false, false};
    }
    // probes_ counts probes in flight; it is balanced by Record, so it
    // needs no reset here.
    Transition(BreakerState::kOpen, BreakerState::kHalfOpen);
    s = state_.load(std::memory_order_acquire);
    if (s == BreakerState::kClosed) return {};
    if (s != BreakerState::kHalfOpen) return {false, false};
  }
  // Half-open: only `half_open_probes` attempts at a time.
  if (probes_.fetch_add(1, std::memory_order_acq_rel) <
      policy.half_open_probes) {
    return {true, true};
  }
  probes_.fetch_sub(1, std::memory_order_acq_rel);
  return {false, false};
}

void CircuitBreaker::Record(const BreakerPolicy& policy, const Permit& permit,
                            AttemptVerdict verdict, Clock::time_point now) {
  if (!policy.enabled()) return;
  if (permit.probe) {
    probes_.fetch_sub(1, std::memory_order_acq_rel);
    if (verdict == AttemptVerdict::kSuccess) {
      consecutive_.store(0, std::memory_order_relaxed);
      window_.Reset();
      Transition(BreakerState::kHalfOpen, BreakerState::kClosed);
    } else if (verdict == AttemptVerdict::kFailure) {
      Trip(policy, BreakerState::kHalfOpen, now);
    }
    return;
  }
  // Results of attempts let through before the breaker opened do not move
  // an open or half-open breaker.
  if (state_.load(std::memory_order_acquire) != BreakerState::kClosed) return;
  if (verdict == AttemptVerdict::kSuccess) {
    if (consecutive_.load(std::memory_order_relaxed) != 0) {
      consecutive_.store(0, std::memory_order_relaxed);
    }
    if (policy.error_rate > 0) window_.Add(now, 1, 0);
    return;
  }
  if (verdict != AttemptVerdict::kFailure) return;
  const int run = consecutive_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (policy.consecutive_failures > 0 && run >= policy.consecutive_failures) {
    Trip(policy, BreakerState::kClosed, now);
    return;
  }
  if (policy.error_rate > 0) {
    window_.Add(now, 0, 1);
    auto sums = window_.Sum(now);
    const int64_t total = sums.a + sums.b;
    if (total >= policy.min_requests &&
        static_cast<double>(sums.b) >=
            policy.error_rate * static_cast<double>(total)) {
      Trip(policy, BreakerState::kClosed, now);
    }
  }
}

Clock::duration CircuitBreaker::OpenRemaining(Clock::time_point now) const {
  if (state() != BreakerState::kOpen) return Clock::duration::zero();
  const int64_t left =
      open_until_ns_.load(std::memory_order_acquire) - Nanos(now);
  return left > 0 ? std::chrono::duration_cast<Clock::duration>(
                        std::chrono::nanoseconds(left))
                  : Clock::duration::zero();
}

bool CircuitBreaker::Rejecting(Clock::time_point now) const {
  return OpenRemaining(now) > Clock::duration::zero();
}

}  // namespace across::routing
