#include "gateway/routing/routing_metrics.h"

namespace across::routing {
namespace {

const prometheus::Histogram::BucketBoundaries& DurationBuckets() {
  static const prometheus::Histogram::BucketBoundaries b{
      0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};
  return b;
}

const prometheus::Histogram::BucketBoundaries& QueueBuckets() {
  static const prometheus::Histogram::BucketBoundaries b{
      0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30};
  return b;
}

}  // namespace

void TargetMetrics::Attempt(double seconds) {
  attempts_->Increment();
  duration_->Observe(seconds);
}

void TargetMetrics::AttemptError(int http_status) {
  owner_->attempt_errors_
      .Add({{"route", route_},
            {"target", target_},
            {"provider", provider_},
            {"status", std::to_string(http_status)}})
      .Increment();
}

void TargetMetrics::Rejected(std::string_view reason) {
  owner_->rejections_
      .Add({{"route", route_},
            {"target", target_},
            {"provider", provider_},
            {"reason", std::string(reason)}})
      .Increment();
}

RoutingMetrics::RoutingMetrics(prometheus::Registry& registry)
    : attempts_(prometheus::BuildCounter()
                    .Name("across_route_attempts_total")
                    .Help("Upstream attempts made by the routing engine.")
                    .Register(registry)),
      attempt_errors_(prometheus::BuildCounter()
                          .Name("across_route_attempt_errors_total")
                          .Help("Failed upstream attempts, by status.")
                          .Register(registry)),
      retries_(prometheus::BuildCounter()
                   .Name("across_route_retries_total")
                   .Help("Retries of a target.")
                   .Register(registry)),
      fallbacks_(prometheus::BuildCounter()
                     .Name("across_route_fallbacks_total")
                     .Help("Fallbacks taken away from a target.")
                     .Register(registry)),
      rejections_(prometheus::BuildCounter()
                      .Name("across_route_rejections_total")
                      .Help("Attempts refused by the router: open breaker, "
                            "concurrency limit, exhausted retry budget.")
                      .Register(registry)),
      duration_(prometheus::BuildHistogram()
                    .Name("across_route_attempt_duration_seconds")
                    .Help("Duration of one upstream attempt.")
                    .Register(registry)),
      queue_wait_(prometheus::BuildHistogram()
                      .Name("across_route_queue_wait_seconds")
                      .Help("Time spent waiting for a concurrency slot.")
                      .Register(registry)),
      breaker_state_(prometheus::BuildGauge()
                         .Name("across_route_breaker_state")
                         .Help("Circuit breaker state: 0 closed, 1 open, 2 "
                               "half-open.")
                         .Register(registry)),
      breaker_transitions_(
          prometheus::BuildCounter()
              .Name("across_route_breaker_transitions_total")
              .Help("Circuit breaker transitions, by new state.")
              .Register(registry)) {}

std::shared_ptr<TargetMetrics> RoutingMetrics::ForTarget(
    std::string_view route, std::string_view target,
    std::string_view provider) {
  auto m = std::make_shared<TargetMetrics>();
  m->owner_ = this;
  m->route_ = std::string(route);
  m->target_ = std::string(target);
  m->provider_ = std::string(provider);
  const prometheus::Labels labels{
      {"route", m->route_}, {"target", m->target_}, {"provider", m->provider_}};
  m->attempts_ = &attempts_.Add(labels);
  m->retries_ = &retries_.Add(labels);
  m->duration_ = &duration_.Add(labels, DurationBuckets());
  m->queue_wait_ = &queue_wait_.Add(labels, QueueBuckets());
  return m;
}

void RoutingMetrics::Fallback(std::string_view route, std::string_view from) {
  fallbacks_.Add({{"route", std::string(route)}, {"from", std::string(from)}})
      .Increment();
}

void RoutingMetrics::SetBreakerState(std::string_view target,
                                     BreakerState state) {
  breaker_state_.Add({{"target", std::string(target)}})
      .Set(static_cast<double>(state));
}

void RoutingMetrics::BreakerTransition(std::string_view target,
                                       BreakerState to) {
  const std::string t(target);
  breaker_state_.Add({{"target", t}}).Set(static_cast<double>(to));
  breaker_transitions_.Add({{"target", t}, {"to", BreakerStateName(to)}})
      .Increment();
}

}  // namespace across::routing
