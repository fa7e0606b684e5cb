#include "gateway/routing/target_state.h"

#include "gateway/routing/routing_metrics.h"

namespace across::routing {

TargetState::TargetState(std::string label, const BreakerPolicy& breaker_policy,
                         const LimitPolicy& limits, const RetryPolicy& retry)
    : breaker(breaker_policy.window),
      limiter(limits.max_inflight, limits.max_queue),
      budget(retry.budget_window),
      label_(std::move(label)) {}

TargetStateRegistry::TargetStateRegistry(RoutingMetrics* metrics,
                                         size_t max_entries)
    : metrics_(metrics), max_entries_(max_entries) {}

std::shared_ptr<TargetState> TargetStateRegistry::Make(
    const std::string& label, const BreakerPolicy& breaker,
    const LimitPolicy& limits, const RetryPolicy& retry) const {
  auto state = std::make_shared<TargetState>(label, breaker, limits, retry);
  if (metrics_ != nullptr) {
    RoutingMetrics* metrics = metrics_;
    if (breaker.enabled())
      metrics->SetBreakerState(label, BreakerState::kClosed);
    state->breaker.set_listener(
        [metrics, label](BreakerState, BreakerState to) {
          metrics->BreakerTransition(label, to);
        });
  }
  return state;
}

std::shared_ptr<TargetState> TargetStateRegistry::Get(
    const std::string& key, const std::string& label,
    const BreakerPolicy& breaker, const LimitPolicy& limits,
    const RetryPolicy& retry) {
  std::lock_guard lock(mu_);
  auto it = states_.find(key);
  if (it != states_.end()) return it->second;
  auto state = Make(label, breaker, limits, retry);
  if (states_.size() < max_entries_) states_.emplace(key, state);
  return state;
}

std::vector<TargetSnapshot> TargetStateRegistry::Snapshot() const {
  std::vector<TargetSnapshot> out;
  std::lock_guard lock(mu_);
  out.reserve(states_.size());
  for (const auto& [key, s] : states_) {
    TargetSnapshot snap;
    snap.label = s->label();
    snap.breaker = s->breaker.state();
    snap.consecutive_failures = s->breaker.consecutive_failures();
    snap.inflight = s->limiter.inflight();
    snap.queued = s->limiter.queued();
    snap.latency_ms = s->latency.estimate_ns() / 1e6;
    out.push_back(std::move(snap));
  }
  return out;
}

size_t TargetStateRegistry::size() const {
  std::lock_guard lock(mu_);
  return states_.size();
}

}  // namespace across::routing
