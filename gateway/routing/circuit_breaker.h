// Per-target circuit breaker. Closed: every attempt passes; opens after N
// consecutive failures or an error rate over a window. Open: attempts are
// refused until the cooldown ends. Half-open: a limited number of probes
// pass; a probe's success closes it, a failure re-opens it.
//
// Shared by all worker threads; state lives in atomics so the closed-state
// check is a single load and a success a relaxed store at most.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

#include "gateway/common/request_context.h"
#include "gateway/routing/settings.h"
#include "gateway/routing/sliding_window.h"

namespace across::routing {

enum class BreakerState : uint8_t { kClosed = 0, kOpen = 1, kHalfOpen = 2 };
const char* BreakerStateName(BreakerState state);

// How an attempt ended, as far as the breaker is concerned.
enum class AttemptVerdict { kSuccess, kFailure, kNeutral };

// 5xx and 408 are failures; 429 and other 4xx are the caller's or a quota
// problem, not a broken target; 499 (cancelled) tells nothing.
AttemptVerdict VerdictForStatus(int http_status);

class CircuitBreaker {
 public:
  using Listener = std::function<void(BreakerState from, BreakerState to)>;

  // `window` sizes the error-rate window; fixed for the breaker's life.
  explicit CircuitBreaker(milliseconds window);

  // Called on every transition (metrics). Set before sharing the breaker.
  void set_listener(Listener listener) { listener_ = std::move(listener); }

  struct Permit {
    bool allowed = true;
    bool probe = false;  // a half-open probe: its result decides the state
  };
  Permit Allow(const BreakerPolicy& policy, Clock::time_point now);
  void Record(const BreakerPolicy& policy, const Permit& permit,
              AttemptVerdict verdict, Clock::time_point now);

  BreakerState state() const { return state_.load(std::memory_order_acquire); }
  // Time left open (zero unless open).
  Clock::duration OpenRemaining(Clock::time_point now) const;
  // True when an attempt would be refused right now (open, cooldown running).
  bool Rejecting(Clock::time_point now) const;
  int consecutive_failures() const {
    return consecutive_.load(std::memory_order_relaxed);
  }

 private:
  bool Transition(BreakerState from, BreakerState to);
  void Trip(const BreakerPolicy& policy, BreakerState from,
            Clock::time_point now);

  std::atomic<BreakerState> state_{BreakerState::kClosed};
  std::atomic<int> consecutive_{0};
  std::atomic<int64_t> open_until_ns_{0};
  std::atomic<int> probes_{0};
  SlidingWindow window_;  // a = successes, b = failures
  Listener listener_;
};

}  // namespace across::routing
