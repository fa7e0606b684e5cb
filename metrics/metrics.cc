#include "metrics/metrics.h"

#include <prometheus/text_serializer.h>

namespace across {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;
using prometheus::Histogram;

// LLM calls span milliseconds to minutes.
const Histogram::BucketBoundaries& LatencyBuckets() {
  static const Histogram::BucketBoundaries b = {
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};
  return b;
}

// Gateway overhead is measured in microseconds.
const Histogram::BucketBoundaries& OverheadBuckets() {
  static const Histogram::BucketBoundaries b = {
      0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005,
      0.001,   0.0025,   0.005,   0.01,   0.025};
  return b;
}

}  // namespace

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {
  requests_ = &BuildCounter()
                   .Name("across_requests_total")
                   .Help("Requests handled, by front end, operation, provider, model and HTTP status.")
                   .Register(*registry_);
  duration_ = &BuildHistogram()
                   .Name("across_request_duration_seconds")
                   .Help("Total request duration as seen by the gateway.")
                   .Register(*registry_);
  upstream_duration_ = &BuildHistogram()
                            .Name("across_upstream_duration_seconds")
                            .Help("Time spent waiting on the upstream provider.")
                            .Register(*registry_);
  ttft_ = &BuildHistogram()
               .Name("across_time_to_first_token_seconds")
               .Help("Time from request start to the first streamed token.")
               .Register(*registry_);
  overhead_ = &BuildHistogram()
                   .Name("across_gateway_overhead_seconds")
                   .Help("Gateway time per request: total duration minus upstream time.")
                   .Register(*registry_);
  tokens_ = &BuildCounter()
                 .Name("across_tokens_total")
                 .Help("Tokens reported by providers, by kind (prompt, completion, cached, reasoning).")
                 .Register(*registry_);
  guardrail_results_ = &BuildCounter()
                            .Name("across_guardrail_results_total")
                            .Help("Guardrail checks run, by stage, kind, action and verdict.")
                            .Register(*registry_);
  guardrail_duration_ = &BuildHistogram()
                             .Name("across_guardrail_duration_seconds")
                             .Help("Time spent in one guardrail check, by kind.")
                             .Register(*registry_);
  inflight_ = &BuildGauge()
                   .Name("across_inflight_requests")
                   .Help("Requests currently being handled.")
                   .Register(*registry_);
}

void Metrics::RequestStarted(std::string_view front_end) {
  inflight_->Add({{"front_end", std::string(front_end)}}).Increment();
}

Metrics::RequestSeries& Metrics::Series(const RequestRecord& r) {
  std::string key;
  key.reserve(64);
  for (std::string_view part : {r.front_end, r.operation, r.provider, r.model}) {
    key.append(part);
    key.push_back('\x1f');
  }
  key.append(std::to_string(r.status));
  std::lock_guard<std::mutex> lock(series_mu_);
  auto& slot = series_[key];
  if (slot) return *slot;
  const std::string front_end(r.front_end);
  const std::string operation(r.operation);
  const std::string provider(r.provider);
  const std::string model(r.model.empty() ? "unknown" : r.model);
  slot = std::make_unique<RequestSeries>(RequestSeries{
      &requests_->Add({{"front_end", front_end},
                       {"operation", operation},
                       {"provider", provider},
                       {"model", model},
                       {"status", std::to_string(r.status)}}),
      &duration_->Add({{"front_end", front_end}, {"operation", operation}},
                      LatencyBuckets()),
      &overhead_->Add({{"front_end", front_end}}, OverheadBuckets()),
      &inflight_->Add({{"front_end", front_end}})});
  if (!provider.empty()) {
    slot->upstream = &upstream_duration_->Add({{"provider", provider}}, LatencyBuckets());
    slot->ttft = &ttft_->Add({{"provider", provider}, {"model", model}}, LatencyBuckets());
    const char* kinds[4] = {"prompt", "completion", "cached", "reasoning"};
    for (int i = 0; i < 4; ++i) {
      slot->tokens[i] =
          &tokens_->Add({{"provider", provider}, {"model", model}, {"kind", kinds[i]}});
    }
  }
  return *slot;
}

void Metrics::RequestFinished(const RequestRecord& r) {
  RequestSeries& s = Series(r);
  s.inflight->Decrement();
  s.requests->Increment();
  s.duration->Observe(r.duration_seconds);
  double overhead = r.duration_seconds - r.upstream_seconds;
  s.overhead->Observe(overhead > 0 ? overhead : 0);
  if (s.upstream == nullptr) return;
  if (r.upstream_seconds > 0) s.upstream->Observe(r.upstream_seconds);
  if (r.ttft_seconds >= 0) s.ttft->Observe(r.ttft_seconds);
  const long counts[4] = {r.prompt_tokens, r.completion_tokens, r.cached_tokens,
                          r.reasoning_tokens};
  for (int i = 0; i < 4; ++i) {
    if (counts[i] > 0) s.tokens[i]->Increment(static_cast<double>(counts[i]));
  }
}

void Metrics::GuardrailChecked(std::string_view stage, std::string_view kind,
                               std::string_view action, std::string_view verdict,
                               double seconds) {
  guardrail_results_
      ->Add({{"stage", std::string(stage)},
             {"kind", std::string(kind)},
             {"action", std::string(action)},
             {"verdict", std::string(verdict)}})
      .Increment();
  guardrail_duration_->Add({{"kind", std::string(kind)}}, OverheadBuckets()).Observe(seconds);
}

std::string Metrics::Serialize() const {
  prometheus::TextSerializer serializer;
  return serializer.Serialize(registry_->Collect());
}

}  // namespace across
