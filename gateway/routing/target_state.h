// Live state of one upstream target (breaker, concurrency limiter, retry
// budget, latency estimate), shared by every route and request that reaches
// the same target with the same settings, on every worker thread.
//
// Sharing matters for per-request configs (x-across-config): each request
// compiles its own route, yet a provider that is down must still trip one
// breaker and drain one budget.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gateway/routing/circuit_breaker.h"
#include "gateway/routing/concurrency_limiter.h"
#include "gateway/routing/peak_ewma.h"
#include "gateway/routing/retry_policy.h"
#include "gateway/routing/settings.h"

namespace across::routing {

class RoutingMetrics;

class TargetState {
 public:
  // `label` ("openai/gpt-4o") names the target in metrics and the admin
  // snapshot. Window sizes and limits are fixed for the state's life.
  TargetState(std::string label, const BreakerPolicy& breaker,
              const LimitPolicy& limits, const RetryPolicy& retry);

  const std::string& label() const { return label_; }

  CircuitBreaker breaker;
  ConcurrencyLimiter limiter;
  RetryBudget budget;
  PeakEwma latency;

 private:
  std::string label_;
};

// For an admin endpoint (breaker state) and tests.
struct TargetSnapshot {
  std::string label;
  BreakerState breaker = BreakerState::kClosed;
  int consecutive_failures = 0;
  int inflight = 0;
  int queued = 0;
  double latency_ms = 0;  // peak-EWMA estimate, 0 = not observed yet
};

// Thread-safe map from a target key to its shared state. Bounded: past
// `max_entries` distinct keys (a flood of distinct per-request configs), new
// targets get private state rather than growing the map.
class TargetStateRegistry {
 public:
  explicit TargetStateRegistry(RoutingMetrics* metrics = nullptr,
                               size_t max_entries = 4096);

  // `key` identifies target + settings (see route_compiler.cc).
  std::shared_ptr<TargetState> Get(const std::string& key,
                                   const std::string& label,
                                   const BreakerPolicy& breaker,
                                   const LimitPolicy& limits,
                                   const RetryPolicy& retry);

  std::vector<TargetSnapshot> Snapshot() const;
  size_t size() const;

 private:
  std::shared_ptr<TargetState> Make(const std::string& label,
                                    const BreakerPolicy& breaker,
                                    const LimitPolicy& limits,
                                    const RetryPolicy& retry) const;

  RoutingMetrics* metrics_;
  size_t max_entries_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<TargetState>> states_;
};

}  // namespace across::routing
