// Prometheus metrics of the routing engine, registered on the registry the
// server already serves (Metrics::registry()). Per-target handles are looked
// up once when a route is compiled, so the happy path only increments
// counters; label lookups happen on failures only.
//
//   across_route_attempts_total{route,target,provider}
//   across_route_attempt_errors_total{route,target,provider,status}
//   across_route_retries_total{route,target,provider}
//   across_route_fallbacks_total{route,from}
//   across_route_rejections_total{route,target,provider,reason}
//       reason: circuit_open | concurrency_limit | retry_budget
//   across_route_attempt_duration_seconds{route,target,provider}
//   across_route_queue_wait_seconds{route,target,provider}
//   across_route_breaker_state{target}          0 closed, 1 open, 2 half-open
//   across_route_breaker_transitions_total{target,to}
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>
#include <string_view>

#include "gateway/routing/circuit_breaker.h"

namespace across::routing {

class RoutingMetrics;

// Handles for one leaf of one route.
class TargetMetrics {
 public:
  void Attempt(double seconds);
  void AttemptError(int http_status);
  void Retry() { retries_->Increment(); }
  void Rejected(std::string_view reason);
  void QueueWait(double seconds) { queue_wait_->Observe(seconds); }

 private:
  friend class RoutingMetrics;
  RoutingMetrics* owner_ = nullptr;
  std::string route_, target_, provider_;
  prometheus::Counter* attempts_ = nullptr;
  prometheus::Counter* retries_ = nullptr;
  prometheus::Histogram* duration_ = nullptr;
  prometheus::Histogram* queue_wait_ = nullptr;
};

class RoutingMetrics {
 public:
  explicit RoutingMetrics(prometheus::Registry& registry);

  std::shared_ptr<TargetMetrics> ForTarget(std::string_view route,
                                           std::string_view target,
                                           std::string_view provider);
  void Fallback(std::string_view route, std::string_view from);
  // Sets the state gauge of a shared target state and counts transitions.
  void BreakerTransition(std::string_view target, BreakerState to);
  // Sets the gauge only (a new target starts closed).
  void SetBreakerState(std::string_view target, BreakerState state);

 private:
  friend class TargetMetrics;
  prometheus::Family<prometheus::Counter>& attempts_;
  prometheus::Family<prometheus::Counter>& attempt_errors_;
  prometheus::Family<prometheus::Counter>& retries_;
  prometheus::Family<prometheus::Counter>& fallbacks_;
  prometheus::Family<prometheus::Counter>& rejections_;
  prometheus::Family<prometheus::Histogram>& duration_;
  prometheus::Family<prometheus::Histogram>& queue_wait_;
  prometheus::Family<prometheus::Gauge>& breaker_state_;
  prometheus::Family<prometheus::Counter>& breaker_transitions_;
};

}  // namespace across::routing
